"""The anti-spam scanner's `details`, declared: what the rules engine reads (thresholds, bulk signals,
blocklist hits) as typed fields. The scanner writes them as JSON in the scan report (scanner.py); `of` reads
them back leniently: a malformed report reads as the defaults, never as a crash."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import msgspec


class _Details(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    pass


class Thresholds(_Details, frozen=True):
    probable_spam: float = 3.0
    spam: float = 6.0


class BlocklistDetails(_Details, frozen=True):
    hits: tuple[str, ...] = ()  # "zone: listed subject"


class AntispamDetails(_Details, frozen=True):
    bulk: tuple[str, ...] = ()  # bulk-mail signals found (List-Unsubscribe, an ESP's headers, ...)
    thresholds: Thresholds = Thresholds()  # the scanner's own, which a rule may override
    blocklists: BlocklistDetails = BlocklistDetails()

    @classmethod
    def of(cls, details: Mapping[str, Any] | None) -> AntispamDetails:
        data = dict(details or {})
        fields: dict[str, Any] = {}
        for name, kind in (("bulk", tuple[str, ...]), ("thresholds", Thresholds), ("blocklists", BlocklistDetails)):
            if name in data:
                with contextlib.suppress(msgspec.ValidationError):  # malformed: the default
                    fields[name] = msgspec.convert(data[name], kind, strict=False)
        return cls(**fields)
