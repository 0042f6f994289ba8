"""The mutable bookkeeping of one parse: budgets left and defects seen, shared by every step.

The model handed to scanners is immutable; this is the scratch pad that builds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailgate.message.defects import CUTS, DefectKind
from mailgate.message.limits import ParseLimits

MAX_DEFECTS = 200  # hostile input can produce a defect per line; keep the report readable
MAX_CUT_TEXTS = 50  # what a bound cut is said whatever came before it (there are few kinds of cut)


@dataclass
class ParseState:
    limits: ParseLimits
    defects: list[str] = field(default_factory=list)
    kinds: dict[DefectKind, int] = field(default_factory=dict)  # every defect counted, kept texts or not
    incomplete: bool = False  # some content was not parsed or inspected because a bound cut it
    parts: int = 0
    decoded_bytes: int = 0
    inspect_bytes: int = 0
    magic_lookups: int = 0
    archive_members: int = 0
    _dropped: int = 0
    _cut_texts: int = 0

    def defect(self, kind: DefectKind, text: str) -> None:
        """Malformed input: its kind counted for scanners, its text kept (up to MAX_DEFECTS) for people."""
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if kind in CUTS:
            self.incomplete = True
        if kind in CUTS and self._cut_texts < MAX_CUT_TEXTS:  # never crowded out by ordinary defects
            self._cut_texts += 1
            self.defects.append(text)
        elif kind not in CUTS and len(self.defects) - self._cut_texts < MAX_DEFECTS:
            self.defects.append(text)
        else:
            self._dropped += 1

    def cut(self, kind: DefectKind, text: str) -> None:
        """A bound stopped the parser: the message was not fully inspected."""
        self.defect(kind, text)

    def final_defects(self) -> tuple[str, ...]:
        if self._dropped:
            return (*self.defects, f"{self._dropped} further defects not recorded")
        return tuple(self.defects)

    def decode_allowance(self) -> int:
        """Bytes the next part may decode to, given both the per-part and the total bound."""
        left = self.limits.max_total_decoded_bytes - self.decoded_bytes
        return max(0, min(self.limits.max_part_decoded_bytes, left))

    def inspect_allowance(self) -> int:
        return max(0, self.limits.max_archive_inspect_bytes - self.inspect_bytes)
