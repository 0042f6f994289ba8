"""Rule evaluation benchmark (figures, not tests): the time one recipient's decision takes with a rule
table of 200 rules holding 10,000 list entries. The issue's target: p50 ≤ 0.2 ms per recipient.

    .venv/bin/python bench/rules.py

Pinned to one core, in-process. The table is synthetic but shaped like a real one: partner rules on
sender addresses, domains and masks, a few regular expressions and sender networks, and recipient
rules on addresses and directory groups (a 2,000-user directory with 40 nested groups). Measured:
`decide` for a scan report with every module's result, for recipients that fall through to the Default
rule (every rule is tried: the worst case), for a mix of senders that match rules at any position, and
for that mix with 10,000 more entries in the organisation's allow/deny lists and a 500-entry personal list
per recipient (read through the rules function's per-address cache, warm). Writes bench/results/rules.json.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))

from mailgate.directory.index import DirectoryIndex  # noqa: E402
from mailgate.directory.model import Entry, Snapshot, normalise  # noqa: E402
from mailgate.rules.engine import decide  # noqa: E402
from mailgate.rules.matching import CompiledTable, compile_table  # noqa: E402
from mailgate.rules.personal_source import PersonalListSource  # noqa: E402
from mailgate.rules.sender_lists import CompiledLists, PersonalLists, evaluate  # noqa: E402
from mailgate.scan.envelope import Envelope  # noqa: E402
from mailgate.scan.report import Contribution, ScannerResult, ScanReport  # noqa: E402

RULES = 200
ENTRIES = 10_000
USERS = 2_000
GROUPS = 40
SAMPLES = 20_000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def directory() -> DirectoryIndex:
    users = [Entry(key=f"u{i}", kind="user", dn=f"CN=User {i},OU=Staff,DC=example,DC=test",
                   addresses=(f"user{i}@example.test", f"u.{i}@example.test"), primary=f"user{i}@example.test",
                   display_name=f"User {i}") for i in range(USERS)]
    groups = []
    for g in range(GROUPS):
        members = [normalise(users[i].dn) for i in range(g, USERS, GROUPS)]
        if g % 4 == 0 and g + 1 < GROUPS:  # every fourth group nests the next one
            members.append(normalise(f"CN=Group {g + 1},OU=Groups,DC=example,DC=test"))
        groups.append(Entry(key=f"g{g}", kind="group", dn=f"CN=Group {g},OU=Groups,DC=example,DC=test",
                            addresses=(f"group{g}@example.test",), primary=f"group{g}@example.test",
                            display_name=f"Group {g}", members=tuple(members)))
    return DirectoryIndex([Snapshot(connection_id="corp", domain="example.test", entries=(*users, *groups))])


def rule_table() -> tuple[dict[str, Any], list[str]]:
    """200 rules, 10,000 entries; also returns senders that some rule names exactly."""
    per_rule = ENTRIES // RULES
    rules: list[dict[str, Any]] = []
    listed: list[str] = []
    for r in range(RULES):
        partner = f"partner{r}.test"
        addresses = [f"contact{i}@{partner}" for i in range(per_rule - 20)]
        listed.extend(addresses[:3])
        senders: dict[str, Any] = {
            "addresses": addresses,
            "domains": [f"sub{i}.vendor{r}.test" for i in range(12)],
            "masks": [f"sales{i}*@{partner}" for i in range(5)] + [f"*@*.mask{r}-{i}.test" for i in range(3)],
        }
        if r % 10 == 0:
            senders["regexes"] = [rf"^billing\d+@bank{r}\.test$"]
        if r % 10 == 5:
            senders["networks"] = [f"10.{r}.{i}.0/24" for i in range(4)]
        recipients: dict[str, Any] = {}
        if r % 20 == 0:
            recipients["groups"] = [f"Group {r // 20}"]
        rules.append({"name": f"Rule {r}", "senders": senders, "recipients": recipients,
                      "modules": {"antispam": {"probable_spam": {"subject_tag": f"[R{r}]"}}}})
    rules.append({"name": "Default"})
    count = sum(len(v) for rule in rules for side in ("senders", "recipients")
                for v in rule.get(side, {}).values() if isinstance(v, list))
    assert count >= ENTRIES, count
    return {"rules": rules}, listed


def scan_report(sender: str, recipients: list[str]) -> ScanReport:
    results = (
        ScannerResult("authentication", "pass", details={"dmarc": {"result": "pass", "from_domain": "x.test"},
                                                          "spf": {"result": "pass"}, "dkim": [{"result": "pass"}]}),
        ScannerResult("antivirus", "clean"),
        ScannerResult("links", "clean"),
        ScannerResult("antiphishing", "not_phishing", 0.5),
        ScannerResult("antispam", "probable_spam", 4.2, (Contribution("BAYES_80", 4.2, "model"),),
                      {"thresholds": {"spam": 6.0, "probable_spam": 3.0}}),
        ScannerResult("content_filter", "clean"),
    )
    return ScanReport("bench", {"bucket": "b", "key": "k"},
                      Envelope(sender, tuple(recipients), "192.0.2.10"), {}, results)


def sender_lists() -> tuple[CompiledLists, PersonalListSource]:
    """10,000 organisation entries (allow and deny: addresses, domains, masks, networks) and a 500-entry
    personal list for every staff member, read through the rules function's per-address cache."""
    allow = [f"news{i}@shop{i % 300}.test" for i in range(3000)] + [f"trusted{i}.test" for i in range(1500)] \
        + [f"*@mail{i}.trusted.test" for i in range(400)] + [f"172.16.{i}.0/24" for i in range(100)]
    deny = [f"bad{i}@spam{i % 500}.test" for i in range(3000)] + [f"spam{i}.test" for i in range(1500)] \
        + [f"*{i}@promo.test" for i in range(400)] + [f"203.0.{i}.0/24" for i in range(100)]
    assert len(allow) + len(deny) == ENTRIES
    personal = PersonalLists(allow=tuple(f"friend{i}@mail{i % 50}.test" for i in range(300)),
                             deny=tuple(f"pest{i}.test" for i in range(200)))
    return CompiledLists.of(allow, deny), PersonalListSource(lambda address: personal)


def timed(table: CompiledTable, index: DirectoryIndex, cases: list[tuple[ScanReport, str]],
          lists: tuple[CompiledLists, PersonalListSource] | None = None) -> dict[str, Any]:
    elapsed: list[float] = []
    rules: dict[str, int] = {}
    for report, recipient in cases:
        started = time.perf_counter()
        if lists is not None:
            own, _note = lists[1](recipient, index)
            auth = report.result("authentication")
            outcome = evaluate(lists[0], own, str(report.envelope["mail_from"]), "192.0.2.10",
                               auth.details if auth else None)
            decision = decide(report, recipient, table, index, outcome)
        else:
            decision = decide(report, recipient, table, index)
        elapsed.append((time.perf_counter() - started) * 1000)
        rules[decision.rule] = rules.get(decision.rule, 0) + 1
    return {"decisions": len(cases), "p50_ms": round(percentile(elapsed, 0.50), 4),
            "p95_ms": round(percentile(elapsed, 0.95), 4), "p99_ms": round(percentile(elapsed, 0.99), 4),
            "max_ms": round(max(elapsed), 3), "distinct_rules": len(rules),
            "to_default": rules.get("Default", 0)}


def main() -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    rng = random.Random(7)
    index = directory()
    document, listed = rule_table()
    started = time.perf_counter()
    table = compile_table(document)
    compile_ms = (time.perf_counter() - started) * 1000
    staff = [f"user{i}@example.test" for i in range(USERS)]
    outsiders = [f"someone{i}@stranger{i % 97}.test" for i in range(500)]
    fall_through = [(scan_report(rng.choice(outsiders), []), rng.choice(staff)) for _ in range(SAMPLES)]
    mixed = [(scan_report(rng.choice(listed + outsiders), []), rng.choice(staff)) for _ in range(SAMPLES)]
    timed(table, index, fall_through[:2000])  # warm up
    started = time.perf_counter()
    lists = sender_lists()
    lists_compile_ms = (time.perf_counter() - started) * 1000
    timed(table, index, mixed[:4000], lists)  # warm up: every staff member's personal list read once
    results = {"rules": len(table.rules), "entries": ENTRIES, "directory_users": USERS, "groups": GROUPS,
               "compile_ms": round(compile_ms, 1), "lists_compile_ms": round(lists_compile_ms, 1),
               "fall_through_to_default": timed(table, index, fall_through),
               "mixed": timed(table, index, mixed),
               "mixed_with_10000_list_entries_and_personal_lists": timed(table, index, mixed, lists)}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "rules.json").write_text(json.dumps(results, indent=2))
    print(f"rule table: {results['rules']} rules, {ENTRIES} list entries, {USERS}-user directory; "
          f"compiled in {results['compile_ms']} ms; per recipient decision, one core:")
    for name in ("fall_through_to_default", "mixed", "mixed_with_10000_list_entries_and_personal_lists"):
        r = results[name]
        print(f"  {name:50s} p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, "
              f"max {r['max_ms']} ms ({r['distinct_rules']} rules decided, {r['to_default']} by Default)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
