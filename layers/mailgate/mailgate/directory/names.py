"""Display names folded the way a reader's eye folds them: case, spacing, word order, look-alike letters.

'Jane Doe', 'DOE, Jane', 'jane  doe' and 'J\u0430ne Doe' (a Cyrillic a) all fold to one key, so a
directory name is recognised in an external sender's display name however it is dressed up. The
confusable folding is the anti-phishing scanner's skeleton (Unicode TR39 idea): one table for both.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_QUOTES = "\"'`\u2018\u2019\u201c\u201d "


@lru_cache(maxsize=65536)
def fold_name(name: str) -> str:
    """The comparison key of a display name; empty for a name with nothing to compare."""
    from mailgate.scanners.antiphishing.skeleton import skeleton  # noqa: PLC0415 - the scanner's package is heavy

    text = _INVISIBLE.sub("", name)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = " ".join(text.split()).strip(_QUOTES)
    if "," in text:  # 'Doe, Jane'
        last, _, first = text.partition(",")
        text = f"{first} {last}"
    return " ".join(sorted(skeleton(text).split()))


def search_form(text: str) -> str:
    """Lower case without accents, for prefix search ('Zoë' is found by 'zoe')."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c)).strip()
