"""Every recipient of a stored scan report decided under one configuration, outside the mail path.

The rules step's `mailgate.rules.current.decide` keeps ONE compiled table and ONE compiled allow/deny list per
process; deciding alternately under the live and a proposed configuration would recompile both on every call.
A `Decider` compiles its configuration's table and lists once and decides through the same engine
(`mailgate.rules.engine.decide` with `mailgate.rules.sender_lists.evaluate`), as `current.decide` does.
"""

from __future__ import annotations

from mailgate.config import GatewayConfig
from mailgate.directory.index import DirectoryIndex
from mailgate.replay.diff import Side
from mailgate.rules import engine
from mailgate.rules.current import PersonalLookup
from mailgate.rules.dry_run import compiled_rules
from mailgate.rules.sender_lists import CompiledLists, ListOutcome, evaluate
from mailgate.scan.report import ScanReport


class Decider:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.table = compiled_rules(config)
        lists = config.lists
        self.lists = CompiledLists.of(lists.allow, lists.deny, True, lists.allow_skips_antiphishing,
                                      lists.allow_skips_authentication) if lists.allow or lists.deny else None

    def sides(self, report: ScanReport, directory: DirectoryIndex | None = None,
              personal: PersonalLookup | None = None) -> list[tuple[str, Side]]:
        """(recipient, what its decision does) for each envelope recipient, in envelope order."""
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
