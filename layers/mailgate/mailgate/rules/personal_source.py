"""Each recipient's personal lists as the rules function sees them: read once per address and kept for a
minute (a user's change reaches warm functions within that), at most 10,000 addresses per process."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from mailgate.directory.index import DirectoryIndex
from mailgate.rules.sender_lists import CompiledLists, PersonalLists

REFRESH_SECONDS = 60.0
MAX_ADDRESSES = 10_000


class PersonalListSource:
    def __init__(self, fetch: Callable[[str], PersonalLists | None], refresh_seconds: float = REFRESH_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.fetch = fetch
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self._kept: OrderedDict[str, tuple[float, CompiledLists | None]] = OrderedDict()

    def _lists(self, address: str) -> CompiledLists | None:
        now = self.clock()
        kept = self._kept.get(address)
        if kept is not None and now - kept[0] < self.refresh_seconds:
            self._kept.move_to_end(address)
            return kept[1]
        found = self.fetch(address)
        compiled = found.compiled() if found is not None and (found.allow or found.deny) else None
        self._kept[address] = (now, compiled)
        self._kept.move_to_end(address)
        while len(self._kept) > MAX_ADDRESSES:
            self._kept.popitem(last=False)
        return compiled

    def __call__(self, recipient: str, directory: DirectoryIndex | None) -> tuple[CompiledLists | None, str | None]:
        """The recipient's lists (kept under any of the account's addresses), or why none apply."""
        address = recipient.strip().lower()
        resolution = directory.resolve(address) if directory is not None else None
        if resolution is not None and not resolution.personal_allowed:
            return None, (f"personal lists do not apply to {address}: the directory has duplicates for this "
                          f"account ({', '.join(resolution.duplicates)})")
        candidates = [address]
        if resolution is not None and resolution.account is not None:
            candidates += [a for a in resolution.account.addresses if a != address]
        for candidate in candidates:
            lists = self._lists(candidate)
            if lists is not None:
                return lists, None
        return None, None
