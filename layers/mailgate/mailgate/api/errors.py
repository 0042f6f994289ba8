"""The API's error hierarchy: each error knows its HTTP status and machine-readable code.

The handler maps every one of them to `{"error": code, "message": sentence, ...extra}` in one place.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


class BadRequest(ApiError):
    """Input that passed the schema but means nothing: a forged cursor, an impossible date."""


class Unauthenticated(ApiError):
    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "version_conflict"


class Invalid(ApiError):
    """Every problem of a document at once, each with its JSON path."""

    status = 422
    code = "validation_error"

    def __init__(self, problems: list[dict[str, str]], what: str = "request") -> None:
        first = f"{problems[0]['path']}: {problems[0]['message']}" if problems else "invalid"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"invalid {what}: {first}{more}", problems=problems)
        self.problems = problems


class TooLarge(ApiError):
    status = 422
    code = "range_too_large"
