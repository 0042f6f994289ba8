"""Anti-Virus as one record: clamd's verdict → the rule's actions for infected, unscannable and error;
infected attachments are cut out when every threat sits in one that can be removed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailgate.config import AntivirusSettings
from mailgate.rules.decision import DELETE, DELETE_ATTACHMENT, PartRemoval
from mailgate.rules.table import AntivirusModule, VerdictAction
from mailgate.scanners.antivirus.catalog import TESTS
from mailgate.scanners.antivirus.details import AntivirusDetails
from mailgate.scanners.plugin import ScannerDeps, ScannerPlugin

if TYPE_CHECKING:
    from mailgate.rules.requests import Judging, Request
    from mailgate.scan.report import ScannerResult
    from mailgate.scanners.base import Scanner


def build(deps: ScannerDeps) -> Scanner:
    from mailgate.scanners.antivirus.scanner import AntivirusScanner  # noqa: PLC0415  # scan step only

    return AntivirusScanner(deps.config.antivirus)


def judge(module: AntivirusModule, result: ScannerResult | None, judging: Judging) -> list[Request]:
    if not module.enabled:
        judging.note("disabled in this rule")
        return []
    if result is None or result.verdict == "skipped":
        judging.note("not scanned (no clamd configured)")
        return []
    if result.verdict == "clean":
        judging.note("clean")
        return []
    details = AntivirusDetails.of(result.details)
    if result.verdict == "infected":
        return [_infected(module.infected, details, judging)]
    why = _first_reason(details) or result.verdict
    if result.verdict == "unscannable":
        return [judging.ask("unscannable", module.unscannable,
                            f"the message could not be scanned for viruses ({why})", why)]
    return [judging.ask("error", module.error, f"the anti-virus scan failed ({why})", why)]


def _infected(options: VerdictAction, details: AntivirusDetails, judging: Judging) -> Request:
    """Removing parts needs every threat to sit in a removable attachment; otherwise the whole message goes.
    The scanner's `on_infected: remove_parts` turns the default delete_message into removing the parts."""
    threats = ", ".join(details.threats) or "a threat"
    infected = [p for p in details.parts if p.verdict == "infected" and p.part_path]
    wants_removal = options.action == "delete_attachment" or (
        options.action == "delete_message" and details.on_infected == "remove_parts")
    if wants_removal and details.removable and infected:
        removals = tuple(PartRemoval(str(p.part_path), p.filename, f"infected: {', '.join(p.threats) or 'a threat'}")
                         for p in infected)
        names = ", ".join(p.filename or f"part {p.part_path}" for p in infected)
        return judging.ask("infected", options, f"infected attachments removed ({threats})",
                           f"{threats} in {names} only: those attachments are removed", removals, DELETE_ATTACHMENT)
    reason = f"the message contains a virus or malware ({threats})"
    if options.action == "delete_attachment":  # the threat is outside the attachments: nothing else is safe
        return judging.ask("infected", options, reason, f"{threats}, not only in attachments", action=DELETE)
    return judging.ask("infected", options, reason, threats)


def _first_reason(details: AntivirusDetails) -> str | None:
    for stream in (details.message, *details.parts):
        if stream.verdict != "clean" and stream.reason:
            return stream.reason
    return None


PLUGIN = ScannerPlugin(name="antivirus", label="Anti-Virus", module=AntivirusModule, tests=TESTS, build=build,
                       judge=judge, settings=AntivirusSettings, settings_field="antivirus")
