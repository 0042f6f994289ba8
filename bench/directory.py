"""Directory benchmarks (figures, not tests): a 5,000-user sync and the cache's queries over 50,000 accounts.

Run: `.venv/bin/python bench/directory.py` (needs slapd: scripts/setup.sh installs it). Writes
bench/results/directory.json.

1. sync: 5,000 users (plus 50 groups of 100) loaded into a real OpenLDAP with `slapadd`, then
   `run_sync` end to end: LDAPS paged searches, snapshot, publish to DynamoDB (moto in-process),
   status. The issue's target: within 60 s.
2. cache: an index over 50,000 synthetic accounts: snapshot size, load (decode + index build) time,
   and autocomplete/resolve latency p50/p95 over 2,000 random prefixes (target: p50 <= 50 ms).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "mailgate")]

from moto import mock_aws  # noqa: E402
from tests.support.slapd import ROOT_DN, ROOT_PASSWORD, SlapdServer  # noqa: E402

from mailgate.aws import clients, resources  # noqa: E402
from mailgate.aws.directory_table import DynamoDirectoryStore  # noqa: E402
from mailgate.directory.connection import parse_connection  # noqa: E402
from mailgate.directory.index import DirectoryIndex  # noqa: E402
from mailgate.directory.model import Entry, Snapshot  # noqa: E402
from mailgate.directory.runner import SyncEnvironment, run_sync  # noqa: E402

FIRST = ["Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niaj",
         "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Zoë"]
LAST = ["Able", "Baker", "Clark", "Dunn", "Evans", "Fox", "Green", "Hill", "Irwin", "Jones", "King", "Lewis",
        "Moore", "Nash", "Owens", "Price", "Quinn", "Reed", "Smith", "Turner"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def synthetic(accounts: int) -> Snapshot:
    rng = random.Random(1)
    entries = []
    for i in range(accounts):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        sam = f"{first[0]}{last}{i}".lower()
        entries.append(Entry(key=str(uuid.UUID(int=rng.getrandbits(128))), kind="user",
                             dn=f"CN={first} {last} {i},OU=Staff,DC=example,DC=com", display_name=f"{first} {last} {i}",
                             addresses=(f"{sam}@example.com", f"{first}.{last}.{i}@example.com".lower()),
                             primary=f"{sam}@example.com", upn=f"{sam}@example.com", sam=sam))
    return Snapshot(connection_id="bench", domain="example.com", netbios="EXAMPLE", entries=tuple(entries))


def bench_cache(accounts: int = 50_000, queries: int = 2_000) -> dict[str, float]:
    snapshot = synthetic(accounts)
    blob = snapshot.encode()
    started = time.perf_counter()
    index = DirectoryIndex([Snapshot.decode(blob)])
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    index.autocomplete("warm-up")  # builds the sorted term list once per loaded generation
    terms_s = time.perf_counter() - started
    started = time.perf_counter()
    index.spoofing_names()
    spoofing_s = time.perf_counter() - started
    rng = random.Random(2)
    prefixes = [rng.choice([rng.choice(FIRST)[:n], rng.choice(LAST)[:n], f"{rng.choice(FIRST)[0].lower()}"])
                for n in rng.choices([1, 2, 3, 4], k=queries)]
    timings = []
    for prefix in prefixes:
        started = time.perf_counter()
        index.autocomplete(prefix, 20)
        timings.append((time.perf_counter() - started) * 1000)
    addresses = [e.primary for e in rng.sample(snapshot.entries, queries)]
    resolve = []
    for address in addresses:
        started = time.perf_counter()
        index.resolve(address)
        resolve.append((time.perf_counter() - started) * 1000)
    return {"accounts": accounts, "snapshot_bytes": len(blob), "load_s": round(load_s, 3),
            "search_terms_build_s": round(terms_s, 3), "spoofing_names_build_s": round(spoofing_s, 3),
            "autocomplete_p50_ms": round(statistics.median(timings), 3),
            "autocomplete_p95_ms": round(percentile(timings, 0.95), 3),
            "resolve_p50_ms": round(statistics.median(resolve), 4)}


def _ldif(users: int, groups: int) -> str:
    lines = ["dn: ou=bench,dc=example,dc=test", "objectClass: top", "objectClass: organizationalUnit", "ou: bench", ""]
    dns = []
    for i in range(users):
        dn = f"cn=User {i},ou=bench,dc=example,dc=test"
        dns.append(dn)
        lines += [f"dn: {dn}", "objectClass: top", "objectClass: person", "objectClass: organizationalPerson",
                  "objectClass: user", f"cn: User {i}", f"sn: {i}", f"displayName: User {i}",
                  f"sAMAccountName: user{i}",
                  f"userPrincipalName: user{i}@example.test", f"mail: user{i}@example.test",
                  f"proxyAddresses: SMTP:user{i}@example.test", f"proxyAddresses: smtp:u{i}@example.test", ""]
    for g in range(groups):
        lines += [f"dn: cn=Group {g},ou=bench,dc=example,dc=test", "objectClass: top", "objectClass: group",
                  f"cn: Group {g}", f"mail: group{g}@example.test"]
        lines += [f"member: {dn}" for dn in dns[g * 100:(g + 1) * 100]] + [""]
    return "\n".join(lines) + "\n"


def bench_sync(users: int = 5_000) -> dict[str, float]:
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1"})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    clients.reset()
    with tempfile.TemporaryDirectory() as workdir:
        server = SlapdServer(Path(workdir))
        ldif = Path(workdir) / "bench.ldif"
        ldif.write_text(_ldif(users, users // 100))
        server.start()
        server.stop()  # slapadd wants the database closed
        started = time.perf_counter()
        subprocess.run(["slapadd", "-q", "-f", str(Path(workdir) / "slapd.conf"), "-l", str(ldif)], check=True,
                       capture_output=True)
        load_s = time.perf_counter() - started
        server.start()
        try:
            with mock_aws():
                resources.create_directory_table("bench")
                store = DynamoDirectoryStore("bench")
                conn = parse_connection({"connection_id": "bench", "name": "bench", "domain": "example.test",
                                         "kind": "ldap", "profile": "active_directory",
                                         "base_dn": "ou=bench,dc=example,dc=test", "bind_dn": ROOT_DN,
                                         "password_secret": "mailgate/ldap/bench", "ca_pem": server.ca_pem,
                                         "servers": [{"host": "127.0.0.1", "port": server.tls_port}]})
                store.put_connection(conn)
                started = time.perf_counter()
                run = run_sync(conn, SyncEnvironment(store, lambda _name: ROOT_PASSWORD))
                sync_s = time.perf_counter() - started
                assert run.state == "succeeded", run.errors
        finally:
            server.stop()
    return {"users": run.counts["users"], "groups": run.counts["groups"], "slapadd_s": round(load_s, 3),
            "sync_s": round(sync_s, 3)}


def main() -> None:
    results = {"sync": bench_sync(), "cache": bench_cache()}
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results" / "directory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
