"""Every recipient of a stored scan report decided under one configuration, outside the mail path.

The rules step's `mailgate.rules.current.decide` keeps ONE compiled table and ONE compiled allow/deny list per
process; deciding alternately under the live and a proposed configuration would recompile both on every call.
A `Decider` compiles its configuration's table and lists once and decides through the same engine
(`mailgate.rules.engine.decide` with `mailgate.rules.sender_lists.evaluate`), as `current.decide` does.

The stored report carries the scan's facts. What the scan read from the settings and the report lets us read
again is read again under the Decider's settings: the Anti-Spam thresholds and disabled tests (`antispam`) turn
the stored score into the verdict the scanner would have given (its own `decide`, as a rule's thresholds do).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from mailgate.config import AntispamSettings, GatewayConfig
from mailgate.directory.index import DirectoryIndex
from mailgate.replay.diff import Side
from mailgate.rules import engine
from mailgate.rules.current import PersonalLookup
from mailgate.rules.dry_run import compiled_rules
from mailgate.rules.sender_lists import CompiledLists, ListOutcome, evaluate
from mailgate.scan.report import ScanReport
from mailgate.scanners.antispam.details import AntispamDetails
from mailgate.scanners.antispam.verdict import MASS_MAILING, NOT_SPAM, PROBABLE_SPAM, SPAM, decide

READ_AGAIN = frozenset({SPAM, PROBABLE_SPAM, MASS_MAILING, NOT_SPAM})  # verdicts the score decided


def read_antispam(report: ScanReport, settings: AntispamSettings) -> ScanReport:
    """The report with its Anti-Spam verdict as these settings read the stored score: tests they disable no longer
    count, their thresholds apply. A blocklist hit stays blacklisted; the same settings leave the report as is."""
    result = report.result("antispam")
    if result is None or result.verdict not in READ_AGAIN:  # blacklisted stays; a skipped or failed scan too
        return report
    details = AntispamDetails.of(result.details)
    disabled = {name.lower() for name in settings.disabled_tests}
    dropped = [c for c in result.reasons if c.test.lower() in disabled]
    if not dropped and (details.thresholds.probable_spam, details.thresholds.spam) == (
            settings.probable_threshold, settings.spam_threshold):
        return report
    score = result.score - sum(c.score for c in dropped)
    newsletter = result.verdict == MASS_MAILING or bool(details.bulk)
    verdict = decide(score, False, newsletter, settings, details.authenticated_from is not None)
    read = msgspec.structs.replace(result, verdict=verdict, score=score,
                                   reasons=tuple(c for c in result.reasons if c not in dropped),
                                   details={**result.details, "thresholds": {
                                       "probable_spam": settings.probable_threshold, "spam": settings.spam_threshold}})
    return msgspec.structs.replace(report, results=tuple(read if r is result else r for r in report.results))


class Decider:
    """`rescan`: gives the report as this configuration's scan would have made it from the original (None: the
    original is gone); used for what the stored report cannot answer (mailgate.replay.rescan)."""

    def __init__(self, config: GatewayConfig, rescan: Callable[[ScanReport], ScanReport | None] | None = None) -> None:
        self.config = config
        self.rescan = rescan
        self.table = compiled_rules(config)
        lists = config.lists
        self.lists = CompiledLists.of(lists.allow, lists.deny, True, lists.allow_skips_antiphishing,
                                      lists.allow_skips_authentication) if lists.allow or lists.deny else None

    def prepare(self, report: ScanReport) -> tuple[ScanReport, bool]:
        """The stored report as this configuration reads it; False when it wanted the original and it is gone."""
        fresh = True
        if self.rescan is not None:
            rescanned = self.rescan(report)
            fresh = rescanned is not None
            report = rescanned or report
        return read_antispam(report, self.config.antispam), fresh

    def sides(self, report: ScanReport, directory: DirectoryIndex | None = None,
              personal: PersonalLookup | None = None, prepared: bool = False) -> list[tuple[str, Side]]:
        """(recipient, what its decision does) for each envelope recipient, in envelope order; `prepared`: the
        report is `prepare`'s already."""
        if not prepared:
            report = self.prepare(report)[0]
        auth = report.result("authentication")
        client_ip = report.envelope.client_ip
        found: list[tuple[str, Side]] = []
        for recipient in report.envelope.recipients:
            own, note = personal(recipient, directory) if personal is not None else (None, None)
            outcome = evaluate(self.lists, own, report.envelope.mail_from, str(client_ip) if client_ip else None,
                               auth.details if auth is not None else None)
            if note:
                outcome = ListOutcome(outcome.blacklisted, outcome.skip_antispam, outcome.skip_antiphishing,
                                      outcome.skip_authentication, (note, *outcome.notes))
            found.append((recipient, Side.of(engine.decide(report, recipient, self.table, directory, outcome))))
        return found
