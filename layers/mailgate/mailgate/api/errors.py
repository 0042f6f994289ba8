"""The API's own errors: children of the gateway's one hierarchy (mailgate.errors), each with its HTTP status
and machine-readable code. The resolver answers every MailgateError with `{"error", "message", ...extra}`
in one handler; see mailgate.api.app.
"""

from __future__ import annotations

from mailgate.errors import RequestError, problems_sentence


class ApiError(RequestError):
    """A request the API refuses; 400 `bad_request` unless a child says otherwise."""


class BadRequest(ApiError):
    """Input that passed the schema but means nothing: a forged cursor, an impossible date."""


class Unauthenticated(ApiError):
    http_status = 401
    error_code = "unauthorized"


class Forbidden(ApiError):
    http_status = 403
    error_code = "forbidden"


class NotFound(ApiError):
    http_status = 404
    error_code = "not_found"


class Conflict(ApiError):
    http_status = 409
    error_code = "version_conflict"


class Invalid(ApiError):
    """Every problem of a document at once, each with its JSON path."""

    http_status = 422
    error_code = "validation_error"

    def __init__(self, problems: list[dict[str, str]], what: str = "request") -> None:
        super().__init__(problems_sentence(problems, what), problems=problems)
        self.problems = problems


class TooLarge(ApiError):
    http_status = 422
    error_code = "range_too_large"
