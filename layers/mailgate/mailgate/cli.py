"""The `mailgate` command: `scan` files without AWS, `explain` a decision, `serve` the whole gateway locally."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import msgspec

from mailgate.config import AntivirusSettings, DnsSettings, GatewayConfig, load_config
from mailgate.rules.current import decide
from mailgate.rules.decision import STRICTNESS, Decision
from mailgate.scan.report import ScanReport

if TYPE_CHECKING:
    from mailgate.rules.matching import CompiledTable


def iter_files(paths: Sequence[str]) -> Iterator[Path]:
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def _dns_settings(args: argparse.Namespace, base: DnsSettings) -> DnsSettings:
    if args.no_network:
        return msgspec.structs.replace(base, no_network=True)
    if args.dns:
        host, _, port = args.dns.rpartition(":")
        if not host or not port.isdigit():
            raise SystemExit(f"mailgate scan: --dns wants HOST:PORT, got {args.dns!r}")
        return msgspec.structs.replace(base, servers=(host,), port=int(port))
    return base


def _antivirus_settings(address: str, base: AntivirusSettings) -> AntivirusSettings:
    from mailgate.scanners.antivirus.client import ClamdAddress  # noqa: PLC0415

    try:
        ClamdAddress.parse(address)
    except ValueError as exc:
        raise SystemExit(f"mailgate scan: --clamd: {exc}") from exc
    return msgspec.structs.replace(base, clamd=address)


def _scan_config(args: argparse.Namespace) -> GatewayConfig:
    config = load_config()
    config = msgspec.structs.replace(config, dns=_dns_settings(args, config.dns))
    if args.clamd:
        config = msgspec.structs.replace(config, antivirus=_antivirus_settings(args.clamd, config.antivirus))
    return config


def scan_file(path: Path, config: GatewayConfig, scanners: Sequence[Any], recipients: Sequence[str] = (),
              table: CompiledTable | None = None) -> tuple[Any, ScanReport, list[tuple[str, Decision]]]:
    """Parse, scan with the envelope inferred from the headers (or the recipients given), decide per
    recipient: (message, report, [(recipient, decision)])."""
    from mailgate.rules.dry_run import scan_raw  # noqa: PLC0415

    message, report = scan_raw(path.read_bytes(), config, scanners, recipients, origin={"file": str(path)},
                               fallback_id=path.name)
    envelope_recipients = report.envelope.recipients
    decisions = [(r, decide(report, r, config, table=table)) for r in envelope_recipients] \
        or [("", decide(report, "", config, table=table))]
    return message, report, decisions


def scan_verdict(path: Path, config: GatewayConfig, scanners: Sequence[Any]) -> dict[str, Any]:
    """One file → the stable JSON line documented in the README."""
    started = time.perf_counter()
    message, report, decided = scan_file(path, config, scanners)
    decisions = [d for _, d in decided]
    strictest = max(decisions, key=lambda d: STRICTNESS[d.action])
    elapsed = (time.perf_counter() - started) * 1000
    return {
        "file": str(path),
        "message_id": message.message_id,
        "action": strictest.action,
        "backup": any(d.backup for d in decisions),
        "reason": strictest.reason,
        **({"removed_parts": [r.to_dict() for r in strictest.removals]} if strictest.removals else {}),
        "verdicts": {r.scanner: {"verdict": r.verdict, "score": round(r.score, 3),
                                 "reasons": [c.to_dict() for c in r.reasons], **_verdict_extras(r)}
                     for r in report.results},
        "defects": list(message.defects),
        "elapsed_ms": round(elapsed, 3),
    }


def _verdict_extras(result: Any) -> dict[str, Any]:
    """Anti-Virus names its threats; Content Filtering the expressions and conditions that matched."""
    extras: dict[str, Any] = {}
    if result.details.get("threats"):
        extras["threats"] = result.details["threats"]
    if result.scanner == "content_filter" and result.details.get("matches"):
        extras["matches"] = [{"expression": m["expression"], "action": m["action"], "conditions": m["conditions"]}
                             for m in result.details["matches"]]
    return extras


def command_scan(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from mailgate.scanners.registry import build_scanners  # noqa: PLC0415

    config = _scan_config(args)
    scanners = build_scanners(config)
    failures = 0
    for path in iter_files(args.paths):
        try:
            line = scan_verdict(path, config, scanners)
        except (OSError, ValueError) as exc:
            failures += 1
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if args.json:
                out.write(json.dumps({"file": str(path), "error": message}) + "\n")
            else:
                err.write(f"{path}: error: {message}\n")
            continue
        if args.json:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        else:
            verdicts = " ".join(f"{k}={v['verdict']}" for k, v in line["verdicts"].items())
            backup = " +backup" if line["backup"] else ""
            out.write(f"{path}: {line['action']}{backup} [{verdicts}] {line['elapsed_ms']:.2f} ms\n")
    return 1 if failures else 0


def explanation(path: Path, config: GatewayConfig, scanners: Sequence[Any], recipients: Sequence[str] = (),
                table: CompiledTable | None = None) -> str:
    """The whole decision path in plain words: what each scanner found and why, then per recipient
    the rule, each module's request and the final action (`table`: a proposed rule table instead)."""
    message, report, decided = scan_file(path, config, scanners, recipients, table)
    sender = report.envelope.mail_from or "<>"
    lines = [f"{path}", f"  Message-ID {message.message_id or '(none)'}, subject {message.subject!r}, "
             f"from {sender}, client {report.envelope.client_ip or 'unknown'}", "  verdicts:"]
    for result in report.results:
        lines.append(f"    {result.scanner}: {result.verdict} (score {result.score:g})")
        lines += [f"      {c.test} {c.score:+g}: {c.description}" + (f" — {c.evidence}" if c.evidence else "")
                  for c in result.reasons]
    groups: dict[tuple[Any, ...], tuple[Decision, list[Decision]]] = {}
    for _recipient, decision in decided:  # the first step names the recipient and how its rule matched
        groups.setdefault(decision.signature() + decision.path[1:], (decision, []))[1].append(decision)
    for decision, members in groups.values():
        lines.append(f"  {len(members)} recipient(s), rule {decision.rule!r}:")
        lines += [f"    - {member.path[0]}" for member in members if member.path]
        lines += [f"    {number}. {step}" for number, step in enumerate(decision.path[1:], 1)]
        removed = "".join(f"; removes {r.filename or 'part ' + r.part_path}" for r in decision.removals)
        lines.append(f"    => {decision.action}{' + Backup' if decision.backup else ''}: {decision.reason}{removed}")
    return "\n".join(lines) + "\n"


def explanation_json(path: Path, config: GatewayConfig, scanners: Sequence[Any], recipients: Sequence[str] = (),
                     table: CompiledTable | None = None) -> dict[str, Any]:
    """The explanation as one JSON object, shaped like POST /rules/dry-run's answer, for scripts that
    compare a proposed rule table with the current one over a folder of messages."""
    message, report, decided = scan_file(path, config, scanners, recipients, table)
    groups: dict[tuple[Any, ...], tuple[Decision, list[str]]] = {}
    for recipient, decision in decided:
        groups.setdefault(decision.signature() + decision.path[1:], (decision, []))[1].append(recipient)
    return {
        "file": str(path),
        "table": "proposed" if table is not None else "current",
        "message_id": message.message_id,
        "envelope": report.envelope.to_dict(),
        "verdicts": {r.scanner: {"verdict": r.verdict, "score": r.score,
                                 "reasons": [c.to_dict() for c in r.reasons]} for r in report.results},
        "groups": [{"recipients": [r for r in members if r], "decision": decision.to_dict()}
                   for decision, members in groups.values()],
    }


def command_explain(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from mailgate.scanners.registry import build_scanners  # noqa: PLC0415

    config = _scan_config(args)
    table = None
    if args.rules:
        table = _proposed_table(args.rules, config, err)
        if table is None:
            return 2
        if not args.json:
            out.write(f"decided by the proposed rule table in {args.rules} (a dry run: nothing is sent or stored)\n")
    scanners = build_scanners(config)
    status = 0
    for path in iter_files(args.paths):
        try:
            if args.json:
                out.write(json.dumps(explanation_json(path, config, scanners, args.recipient or (), table),
                                     ensure_ascii=False) + "\n")
            else:
                out.write(explanation(path, config, scanners, args.recipient or (), table))
        except (OSError, ValueError) as exc:
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if args.json:
                out.write(json.dumps({"file": str(path), "error": message}) + "\n")
            else:
                err.write(f"{path}: {exc}\n")
            status = 1
    return status


def _proposed_table(path: str, config: GatewayConfig, err: TextIO) -> CompiledTable | None:
    """The rule table in a JSON file (as GET /settings/rules shows it, or its `settings`), validated as the
    API validates it; None after writing every problem."""
    from mailgate.rules.dry_run import compiled_rules, with_proposed_rules  # noqa: PLC0415
    from mailgate.settings.errors import SettingsInvalid  # noqa: PLC0415

    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        err.write(f"mailgate explain: --rules {path}: {exc}\n")
        return None
    if isinstance(document, dict) and "settings" in document and "rules" not in document:
        document = document["settings"]
    try:
        return compiled_rules(with_proposed_rules(config, document))
    except SettingsInvalid as exc:
        err.write(f"mailgate explain: the rule table in {path} is invalid:\n")
        err.write("".join(f"  {p['path']}: {p['message']}\n" for p in exc.problems))
        return None


def command_serve(args: argparse.Namespace) -> int:
    from mailgate.local.gateway import LocalGateway, LocalOptions  # noqa: PLC0415

    options = LocalOptions(
        host=args.host, smtp_port=args.smtp_port, downstream_port=args.downstream_port,
        api_port=args.api_port, moto_port=args.moto_port, state_dir=Path(args.state_dir),
        config_file=Path(args.config) if args.config else None,
        domains=tuple(args.domain or ("example.test",)), dns=args.dns, no_network=args.no_network,
        clamd=False if args.no_clamd else None, workers=args.workers, rules_workers=args.rules_workers,
    )
    gateway = LocalGateway(options).start()
    print(gateway.describe(), flush=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    print("stopping…", flush=True)
    gateway.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailgate", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    scan = sub.add_parser("scan", help="scan .eml files or folders without AWS")
    scan.add_argument("paths", nargs="+", metavar="PATH")
    scan.add_argument("--json", action="store_true", help="one JSON object per line")
    explain = sub.add_parser("explain", help="print the whole decision path for .eml files, in plain words")
    explain.add_argument("paths", nargs="+", metavar="FILE")
    explain.add_argument("--recipient", action="append", metavar="ADDRESS",
                         help="decide for this envelope recipient (repeatable; default: To/Cc)")
    explain.add_argument("--rules", metavar="TABLE.json",
                         help="decide with this proposed rule table instead of the configured one (a dry run)")
    explain.add_argument("--json", action="store_true", help="one JSON object per file: verdicts and each "
                         "group of recipients' decision with its path")
    for parser_ in (scan, explain):
        parser_.add_argument("--no-network", action="store_true", help="every DNS lookup is neutral")
        parser_.add_argument("--dns", metavar="HOST:PORT", help="the DNS server to ask")
        parser_.add_argument("--clamd", metavar="ADDRESS", help="clamd's HOST:PORT or unix socket path "
                             "(without it Anti-Virus is reported as skipped)")
    serve = sub.add_parser("serve", help="run the whole gateway on this machine")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--smtp-port", type=int, default=int(os.environ.get("MAILGATE_SMTP_PORT", "2525")))
    serve.add_argument("--downstream-port", type=int, default=2526)
    serve.add_argument("--api-port", type=int, default=8025)
    serve.add_argument("--moto-port", type=int, default=5005)
    serve.add_argument("--state-dir", default=".mailgate", help="delivered mail and generated config")
    serve.add_argument("--config", help="a GatewayConfig JSON file (default: generated)")
    serve.add_argument("--domain", action="append", help="an accepted domain (repeatable)")
    serve.add_argument("--dns", metavar="HOST:PORT", help="the DNS server for SPF/DKIM/DMARC")
    serve.add_argument("--no-network", action="store_true", help="no DNS lookups at all")
    serve.add_argument("--no-clamd", action="store_true", help="do not start clamd (Anti-Virus is skipped)")
    serve.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2),
                       help="scan and rules workers each, as Lambda runs several instances (default: the core count)")
    serve.add_argument("--rules-workers", type=int, metavar="N",
                       help="rules workers in this process (default: --workers; 0: only `mailgate worker rules`)")
    worker = sub.add_parser("worker", help="a scan or rules worker in a process of its own, beside `serve`")
    worker.add_argument("step", choices=("scan", "rules"))
    worker.add_argument("--state-dir", default=".mailgate", help="the state directory `serve` runs with")
    worker.add_argument("--count", type=int, default=1, help="pollers in this process (default: 1)")
    from mailgate.local import token_cli  # noqa: PLC0415

    token_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "scan":
        return command_scan(args)
    if args.command == "explain":
        return command_explain(args)
    if args.command == "worker":
        from mailgate.local.worker import run_worker  # noqa: PLC0415

        try:
            return run_worker(Path(args.state_dir).resolve(), args.step, max(1, args.count))
        except FileNotFoundError as exc:
            sys.stderr.write(f"mailgate worker: {exc}\n")
            return 2
    if args.command == "token":
        return int(args.func(args))
    return command_serve(args)


if __name__ == "__main__":
    raise SystemExit(main())
