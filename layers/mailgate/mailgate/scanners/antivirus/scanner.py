"""The anti-virus scanner: the whole message and each decoded attachment streamed to clamd.

clamd unpacks MIME and archives itself, so the whole-message stream sees what our parser could not
list; the per-attachment streams name the part a threat sits in (what "remove the infected parts"
needs). Each stream ends as infected, error, unscannable or clean; the message takes the strongest
(infected > error > unscannable > clean) and every verdict is explained by named tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mailgate.config import AntivirusSettings
from mailgate.message.defects import HIDES_CONTENT, DefectKind
from mailgate.scan.report import Contribution, ScannerResult
from mailgate.scanners.antivirus.catalog import CLEAN, INFECTED, SKIPPED, SKIPPED_TEST, hit, strongest, verdict_of
from mailgate.scanners.antivirus.client import ClamdAddress, ClamdClient, StreamAnswer
from mailgate.scanners.antivirus.freshness import SignatureInfo, parse_version
from mailgate.scanners.antivirus.threats import PuaPolicy, is_pua, unscannable_test

if TYPE_CHECKING:
    from mailgate.message.model import Attachment, Message
    from mailgate.scanners.base import ScanContext

FAILURE_TESTS = {"unreachable": "AV_ERROR_UNREACHABLE", "timeout": "AV_ERROR_TIMEOUT",
                 "size_limit": "AV_ERROR_SIZE_LIMIT", "engine": "AV_ERROR_ENGINE"}
# Decided on the parser's defect kinds, never on its sentences (it keeps only the first 200 of those). Its cuts
# of MIME structure or decoded content (HIDES_CONTENT) leave content no per-part stream saw; its other cuts (URLs
# collected, HTML rendered, archive listings) do not: clamd unpacks archives itself and names its own limits
# (AlertExceedsMax).
MAX_CLEAN_PARTS_LISTED = 50  # every part that is not clean is listed; clean ones up to this many
SIGNATURE_INFO_TTL_SECONDS = 300.0
MESSAGE = "message"  # the whole-message stream's name in evidence and details


@dataclass(frozen=True)
class Finding:
    test: str
    evidence: str  # names the stream: "Win.Test.EICAR in part 2 (eicar.com)"
    threat: str | None = None  # the detection name when the test is AV_INFECTED or AV_PUA


@dataclass
class StreamVerdict:
    """One stream (the whole message or one attachment) and the named tests that decided it."""

    part_path: str
    filename: str | None
    findings: list[Finding] = field(default_factory=list)
    threats: list[str] = field(default_factory=list)  # names that count as infection
    pua: list[str] = field(default_factory=list)  # every PUA name clamd reported, counted or not

    @property
    def verdict(self) -> str:
        return strongest([verdict_of(f.test) for f in self.findings])

    @property
    def label(self) -> str:
        if self.part_path == MESSAGE:
            return "the message"
        return f"part {self.part_path}" + (f" ({self.filename})" if self.filename else "")

    def add(self, test: str, evidence: str, threat: str | None = None) -> None:
        finding = Finding(test, f"{evidence} in {self.label}", threat)
        if finding not in self.findings:
            self.findings.append(finding)

    def to_dict(self) -> dict[str, Any]:
        verdict = self.verdict
        decided = [f"{f.test}: {f.evidence}" for f in self.findings if verdict_of(f.test) == verdict]
        return {"part_path": self.part_path, "filename": self.filename, "verdict": verdict,
                "threats": list(self.threats), "reason": "; ".join(decided) or None}


class _Budget:
    """The message's time budget and whether clamd is known to be down: after the first
    unreachable answer, the other streams are not tried (each would wait for a connect)."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.down: StreamAnswer | None = None

    def refusal(self) -> StreamAnswer | None:
        if self.down is not None:
            return self.down
        if time.monotonic() > self.deadline:
            return StreamAnswer("failed", failure="timeout", detail="the message's time budget for clamd is spent")
        return None


class AntivirusScanner:
    """Scanner protocol: verdict infected (details.threats), error, unscannable, clean, or skipped."""

    name = "antivirus"

    def __init__(self, settings: AntivirusSettings | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings or AntivirusSettings()
        self.pua_policy = PuaPolicy(self.settings.detect_pua, self.settings.pua_include, self.settings.pua_exclude)
        self.client = (ClamdClient(ClamdAddress.parse(self.settings.clamd), self.settings.timeout_seconds)
                       if self.settings.clamd else None)
        self._clock = clock
        self._signatures: tuple[float, SignatureInfo | None] | None = None

    def signature_info(self) -> SignatureInfo | None:
        """clamd's engine and database version and date, asked at most every five minutes;
        None without clamd or when it does not answer."""
        if self.client is None:
            return None
        now = self._clock()
        if self._signatures is None or now - self._signatures[0] > SIGNATURE_INFO_TTL_SECONDS:
            try:
                info: SignatureInfo | None = parse_version(self.client.version())
            except Exception:  # a health probe reports "unknown", it does not raise
                info = None
            self._signatures = (now, info)
        return self._signatures[1]

    def scan(self, message: Message, context: ScanContext) -> ScannerResult:
        del context  # malware is malware whoever receives it
        started = time.perf_counter()
        if self.client is None:
            return ScannerResult(self.name, SKIPPED, reasons=(SKIPPED_TEST,), details={"clamd": None})
        budget = _Budget(self.settings.total_timeout_seconds)
        whole = StreamVerdict(MESSAGE, None)
        self._stream(whole, message.raw, budget)
        if message.content_hidden:
            whole.add("AV_UNSCANNABLE_INCOMPLETE", "the parser's limits left content unseen: " + ", ".join(
                f"{kind} x{count}" for kind, count in sorted(message.defect_kinds.items()) if kind in HIDES_CONTENT))
        parts = [self._attachment(attachment, budget) for attachment in message.attachments]
        streams = [whole, *parts]
        reasons = _contributions(whole, parts)
        verdict = strongest([s.verdict for s in streams])
        return ScannerResult(
            scanner=self.name,
            verdict=verdict,
            score=round(sum(c.score for c in reasons), 3),
            reasons=reasons,
            details=self._details(whole, parts, budget),
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def _attachment(self, attachment: Attachment, budget: _Budget) -> StreamVerdict:
        part = StreamVerdict(attachment.part_path, attachment.filename)
        if attachment.content:
            self._stream(part, attachment.content, budget)
        if attachment.encrypted or any(m.encrypted for m in attachment.archive_members):
            part.add("AV_UNSCANNABLE_ENCRYPTED", attachment.detected_type or attachment.declared_type)
        if attachment.archive_bomb:
            bomb = next((d for d in attachment.defects if d.startswith("archive bomb")), "archive bomb")
            part.add("AV_UNSCANNABLE_ARCHIVE_BOMB", bomb[:300])
        if attachment.truncated:
            part.add("AV_UNSCANNABLE_TRUNCATED", f"{attachment.size} bytes kept")
        if DefectKind.ARCHIVE_DAMAGED in attachment.defect_kinds:
            part.add("AV_UNSCANNABLE_CORRUPTED", "; ".join(attachment.defects)[:300])
        return part

    def _stream(self, stream: StreamVerdict, data: bytes, budget: _Budget) -> None:
        if len(data) > self.settings.max_stream_bytes:
            stream.add("AV_UNSCANNABLE_TOO_LARGE", f"{len(data)} bytes > max_stream_bytes "
                                                   f"{self.settings.max_stream_bytes}")
            return
        assert self.client is not None
        answer = budget.refusal() or self.client.instream(data)
        if answer.failure == "unreachable":
            budget.down = answer
        if answer.status == "failed":
            stream.add(FAILURE_TESTS[answer.failure or "engine"], f"{answer.detail} ({self.settings.clamd})")
        elif answer.status == "found" and answer.name:
            self._found(stream, answer.name)

    def _found(self, stream: StreamVerdict, name: str) -> None:
        if (test := unscannable_test(name)) is not None:
            stream.add(test, name)
        elif is_pua(name):
            stream.pua.append(name)
            if self.pua_policy.counts(name):
                stream.threats.append(name)
                stream.add("AV_PUA", name, threat=name)
        else:
            stream.threats.append(name)
            stream.add("AV_INFECTED", name, threat=name)

    def _details(self, whole: StreamVerdict, parts: list[StreamVerdict], budget: _Budget) -> dict[str, Any]:
        streams = [whole, *parts]
        signatures = self.signature_info() if budget.down is None else None
        return {
            "clamd": self.settings.clamd,
            "threats": sorted({t for s in streams for t in s.threats}),
            "pua": sorted({n for s in streams for n in s.pua}),
            "message": whole.to_dict(),
            "parts": _listed(parts),
            "parts_count": len(parts),
            "removable": _removable(whole, parts),
            "on_infected": self.settings.on_infected,
            "signatures": signatures.to_dict(self.settings.max_signature_age_hours) if signatures else None,
        }


def _contributions(whole: StreamVerdict, parts: list[StreamVerdict]) -> tuple[Contribution, ...]:
    """A threat found in an attachment is named there; the whole-message stream adds only what no
    attachment explains (a threat in the body or in a part the parser did not list, a limit)."""
    named_in_parts = {t for p in parts for t in p.threats}
    kept = [f for f in whole.findings if f.threat is None or f.threat not in named_in_parts]
    return tuple(hit(f.test, f.evidence) for f in [*kept, *(f for p in parts for f in p.findings)])


def _removable(whole: StreamVerdict, parts: list[StreamVerdict]) -> bool:
    """Whether cutting out the infected attachments leaves a message known to be clean: every threat
    the whole-message stream saw is in an infected attachment, and nothing else failed or went unseen.
    clamd names one threat per stream, so the rules step should scan the message again after cutting."""
    infected = [p for p in parts if p.verdict == INFECTED]
    whole_rest = [f for f in whole.findings if f.threat is None]
    return bool(infected) and not whole_rest and set(whole.threats) <= {t for p in infected for t in p.threats} \
        and all(p.verdict in (INFECTED, CLEAN) for p in parts)


def _listed(parts: list[StreamVerdict]) -> list[dict[str, Any]]:
    """Every part that is not clean, and the first clean ones: the report stays small for 500 parts."""
    listed, clean = [], 0
    for part in parts:
        if part.verdict == CLEAN:
            clean += 1
            if clean > MAX_CLEAN_PARTS_LISTED:
                continue
        listed.append(part.to_dict())
    return listed
