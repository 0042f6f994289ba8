"""The gateway's errors: one hierarchy, each error knowing how the admin API answers it.

`http_status` and `error_code` are what a client sees: `{"error": error_code, "message": ..., **extra}`
with that status. An error whose `http_status` is None is not the client's doing (a delivery that
failed, a sync that broke): if one ever reaches the API it is answered as a bug, a 500 with a
correlation id and nothing of its text. Built-in exceptions (ValueError, KeyError) are never a
client's error: code that refuses a client's input raises a child of `RequestError`.
"""

from __future__ import annotations

from typing import Any, ClassVar


def problems_sentence(problems: list[dict[str, str]], what: str) -> str:
    """`invalid settings: rules.0.name: required (and 2 more)`: the first problem of a list, counted."""
    first = f"{problems[0]['path']}: {problems[0]['message']}" if problems else "invalid"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"invalid {what}: {first}{more}"


class MailgateError(Exception):
    http_status: ClassVar[int | None] = None  # None: a client cannot cause it; the API answers 500
    error_code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The API's answer: `{error, message, ...extra}` (`problems` for documents with several faults)."""
        return {"error": self.error_code, "message": self.message, **self.extra}


class RequestError(MailgateError):
    """A client's request the gateway refuses, wherever it is noticed (a view, an adapter reading a cursor)."""

    http_status = 400
    error_code = "bad_request"


class InvalidPageToken(RequestError, ValueError):
    """A page token (cursor) the gateway did not write for this query: forged, truncated or from another.
    Still a ValueError for the adapters' callers; the API answers it 400 as every RequestError."""

    def __init__(self, message: str = "invalid page token") -> None:
        super().__init__(message, field="cursor")


class SettingsError(MailgateError):
    """A settings change that cannot be made."""


class DirectoryError(MailgateError):
    """A directory connection or synchronisation problem."""


class DeliveryFailure(MailgateError):
    """A delivery that did not happen (mailgate.delivery.errors has its two classes: retry, bounce)."""
