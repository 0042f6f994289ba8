"""Dry runs: a message decided by the current or a proposed rule table, with no side effect (nothing is
delivered, stored, logged or learned). Used by `mailgate explain --rules` and `POST /rules/dry-run`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from mailgate.config import GatewayConfig
from mailgate.rules.dictionaries import expand_dictionaries
from mailgate.rules.matching import CompiledTable, compile_table
from mailgate.scan.report import ScanReport


def with_proposed_rules(config: GatewayConfig, rules: Any) -> GatewayConfig:
    """The configuration with `rules` in place of its rule table, validated exactly as PUT /settings/rules
    validates it (SettingsInvalid lists every problem)."""
    from mailgate.settings.service import replace_section  # noqa: PLC0415 - settings import the rules

    return replace_section(config, "rules", rules)


def compiled_rules(config: GatewayConfig) -> CompiledTable:
    """The configuration's table compiled on its own, leaving the process's cached current table alone."""
    return compile_table(expand_dictionaries(config.rules, config.content_filter.dictionaries))


def scan_raw(raw: bytes, config: GatewayConfig, scanners: Sequence[Any], recipients: Sequence[str] = (),
             mail_from: str | None = None, client_ip: str | None = None,
             origin: dict[str, str] | None = None, fallback_id: str = "dry-run") -> tuple[Any, ScanReport]:
    """Parse and scan a message outside the mail path: the envelope comes from its headers (Return-Path,
    the topmost Received with a public address, To/Cc) unless given. ValueError when it is not mail."""
    from mailgate.message import parse_message  # noqa: PLC0415
    from mailgate.message.line_endings import normalised_line_endings  # noqa: PLC0415
    from mailgate.scan.run import scan_message  # noqa: PLC0415
    from mailgate.scanners.authentication.received import infer_envelope_from_headers  # noqa: PLC0415
    from mailgate.scanners.base import ScanContext  # noqa: PLC0415

    raw = normalised_line_endings(raw)[0]
    message = parse_message(raw)
    if not message.headers:
        raise ValueError("not an RFC 5322 message: no header fields found")
    envelope = infer_envelope_from_headers(message)
    changes: dict[str, Any] = {}
    if not recipients and not envelope.recipients:  # a file has no envelope: its To and Cc stand in
        recipients = [address for _name, address in (*message.to, *message.cc) if "@" in address][:100]
    if recipients:
        changes["recipients"] = tuple(dict.fromkeys(recipients))
    if mail_from is not None:
        changes["mail_from"] = mail_from
    if client_ip is not None:
        changes["client_ip"] = client_ip
    envelope = msgspec.structs.replace(envelope, **changes) if changes else envelope  # the new values checked too
    context = ScanContext(envelope, config.authserv_id, tuple(config.domains))
    report = scan_message(raw, envelope, scanners, context, message.message_id or fallback_id, origin or {},
                          message)
    return message, report


_scanners: tuple[GatewayConfig, Any, list[Any]] | None = None


def dry_run_scanners(config: GatewayConfig, organisation: Any = None) -> list[Any]:
    """The gateway's scanners for dry runs outside the mail path: network lookups off (SPF, DKIM, DMARC
    and blocklists neutral) and no Anti-Virus (reported as skipped). Built once per configuration."""
    global _scanners  # noqa: PLW0603 - the models load once per process, not per request
    if _scanners is None or _scanners[0] is not config or _scanners[1] is not organisation:
        from mailgate.scanners.registry import build_scanners  # noqa: PLC0415

        quiet = msgspec.structs.replace(
            config, dns=msgspec.structs.replace(config.dns, no_network=True),
            antivirus=msgspec.structs.replace(config.antivirus, clamd=None))
        _scanners = (config, organisation, build_scanners(quiet, None, organisation))
    return _scanners[2]
