"""What a name clamd reports means: a threat, a PUA, or a heuristic saying it could not see.

ClamAV reports its own limits and encrypted content as detections ("Heuristics.Limits.Exceeded.*",
"Heuristics.Encrypted.*", with AlertExceedsMax/AlertEncrypted on): those are not malware but
content it could not scan, so they become `unscannable`. PUA ("potentially unwanted applications":
riskware, adware, remote-admin tools) carry "PUA." in their names; ClamAV filters only its official
databases' PUA signatures by category, so the scanner applies the administrator's choice itself.
"""

from __future__ import annotations

from dataclasses import dataclass

UNSCANNABLE_PREFIXES = (
    ("Heuristics.Encrypted.", "AV_UNSCANNABLE_ENCRYPTED"),
    ("Heuristics.Limits.Exceeded", "AV_UNSCANNABLE_LIMIT"),
    ("Heuristics.Broken.", "AV_UNSCANNABLE_CORRUPTED"),
)


def unscannable_test(name: str) -> str | None:
    """The AV_UNSCANNABLE_* test a heuristic name stands for, or None for a real detection."""
    return next((test for prefix, test in UNSCANNABLE_PREFIXES if name.startswith(prefix)), None)


def is_pua(name: str) -> bool:
    return name.startswith("PUA.") or ".PUA" in name


@dataclass(frozen=True)
class PuaPolicy:
    """Whether a PUA detection makes the message infected: `detect` on, and its category counted.

    A category matches whole dot-separated words of the name: "Tool" matches
    "PUA.Win.Tool.Foo", "Win.Tool" too, "Too" does not.
    """

    detect: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def counts(self, name: str) -> bool:
        if not self.detect:
            return False
        dotted = f".{name}."
        if self.include:
            return any(f".{category}." in dotted for category in self.include)
        return not any(f".{category}." in dotted for category in self.exclude)
