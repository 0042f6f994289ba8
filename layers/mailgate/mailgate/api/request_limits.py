"""What a request body may be before anything parses it: no larger than Lambda carries, no deeper than
any document of ours. Python's JSON parser recurses once per level, so a body nested 100,000 deep would
end in RecursionError (a 5xx) instead of a clear 4xx."""

from __future__ import annotations

from mailgate.api.errors import ApiError

MAX_BODY_BYTES = 6 * 2**20  # Lambda's synchronous payload limit; API Gateway allows no more either
MAX_DEPTH = 32  # our deepest document (a rule's module action's headers) is under 10 levels


class BodyTooLarge(ApiError):
    http_status = 413
    error_code = "body_too_large"


class BodyTooDeep(ApiError):
    error_code = "body_too_deep"


def check_body(body: str | bytes | None) -> None:
    """Raise a 4xx ApiError for a body too large or too deeply nested; nothing is parsed here."""
    if not body:
        return
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if len(text) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"the request body is larger than {MAX_BODY_BYTES} bytes: send less per request")
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
        raise BodyTooDeep(f"the JSON body is nested deeper than {MAX_DEPTH} levels: no request of this API "
                          "needs that; check what produced it")


def nesting_depth(text: str) -> int:
    """The deepest [ or { nesting outside strings, stopping early once past MAX_DEPTH."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest
