"""What every DynamoDB adapter needs: the table handle, number conversion, opaque page tokens."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from mailgate.aws.clients import resource
from mailgate.errors import InvalidPageToken
from mailgate.safe_text import storable


def table(name: str) -> Any:
    return resource("dynamodb").Table(name)


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
