"""What every DynamoDB adapter needs: the table handle, number conversion, opaque page tokens."""

from __future__ import annotations

import base64
import json
import time
from decimal import Decimal
from typing import Any

from mailgate.aws.clients import resource
from mailgate.errors import InvalidPageToken
from mailgate.safe_text import storable


def table(name: str) -> Any:
    return resource("dynamodb").Table(name)


BATCH_GET = 100  # BatchGetItem's limit of keys per request
UNPROCESSED_ROUNDS = 8  # retries of the keys DynamoDB leaves unprocessed under load, with a growing pause


def batch_get(table: Any, keys: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    """The items of `table` (a resource Table) with these keys, 100 a request, what DynamoDB leaves unprocessed
    asked again with a growing pause; in no particular order, the missing ones left out. `what` names the items
    in the error when DynamoDB still leaves some unread."""
    client = table.meta.client  # the resource's client: plain values in and out
    found: list[dict[str, Any]] = []
    for first in range(0, len(keys), BATCH_GET):
        request: dict[str, Any] = {table.name: {"Keys": keys[first:first + BATCH_GET]}}
        for round_ in range(UNPROCESSED_ROUNDS + 1):
            answer = client.batch_get_item(RequestItems=request)
            found += answer.get("Responses", {}).get(table.name, [])
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
            if round_ == UNPROCESSED_ROUNDS:
                raise RuntimeError(f"DynamoDB left {what} unread after retries: try again")
            time.sleep(min(0.05 * 2 ** round_, 1.0))
    return found


def to_dynamo(value: Any) -> Any:
    """The resource layer rejects floats (records carry scores: Decimal) and strings that are not valid
    UTF-8 (a sender's bytes as lone surrogates: backslash escapes), so both are mapped here."""
    text = json.dumps(value)
    return storable(json.loads(text, parse_float=Decimal), text)


def from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    return value


def encode_token(state: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(from_dynamo(state)).encode()).decode()


def decode_token(token: str) -> Any:
    """Raises InvalidPageToken (400 in the API) for a token we did not write."""
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidPageToken from exc
