"""The servers local mode starts in process groups of their own. Stopping one is production code too
(the Lambda image stops its clamd the same way), so it lives in `mailgate.processes`; local mode and the
tests' fixtures import it from here or from there."""

from __future__ import annotations

from mailgate.processes import stop_process_group

__all__ = ["stop_process_group"]
