"""Messages whose header fields are as large and as badly shaped as a sender can make them: a 1 MB subject,
a 100,000-character display name, 10,000 addresses, runs of the characters scanners' patterns key on.
Shared by the test that scans them and by bench/hostile_headers.py."""

from __future__ import annotations

BASE = [b"From: Alice <alice@sender.test>", b"To: bob@example.test", b"Message-ID: <hostile@sender.test>",
        b"Date: Fri, 04 Dec 2026 10:00:00 +0000"]
# Runs that make backtracking patterns work hard: capitals (l33t tests), digits (money and ticket tests),
# spaced and dotted letters (obfuscation tests), address-like and encoded-word-like text.
RUNS = {"capitals": b"A", "digits": b"1", "capital-digit": b"A0", "spaced": b"a ", "dotted": b"a.",
        "at-signs": b"a@", "percent": b"1 %", "free": b"free ", "encoded-word": b"=?", "angle": b"<a",
        "non-ascii": "\u13aaa".encode()}


def _message(headers: list[bytes]) -> bytes:
    return b"\r\n".join(headers) + b"\r\n\r\nHello.\r\n"


def _fill(run: bytes, size: int) -> bytes:
    return (run * (size // len(run) + 1))[:size]


def hostile_messages() -> dict[str, bytes]:
    """name → message bytes."""
    found: dict[str, bytes] = {}
    for name, run in RUNS.items():
        found[f"subject-1mb-{name}"] = _message([b"Subject: " + _fill(run, 1_000_000), *BASE])
        found[f"display-name-100k-{name}"] = _message([
            b'From: "' + _fill(run, 100_000).replace(b'"', b"") + b'" <alice@sender.test>',
            b"To: bob@example.test", b"Subject: hello"])
    found["to-10k-addresses"] = _message([
        b"From: alice@sender.test", b"Subject: hello",
        b"To: " + b",\r\n ".join(b'"User %d" <user%d@example.test>' % (i, i) for i in range(10_000))])
    found["subject-folded-1mb"] = _message([
        b"Subject: " + b"\r\n ".join(_fill(b"A", 76) for _ in range(13_000)), *BASE])
    return found
