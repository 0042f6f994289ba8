"""A message uploaded to the API in base64: bounded by what API Gateway and Lambda carry."""

from __future__ import annotations

import base64
import binascii

from mailgate.api.errors import ApiError, Invalid

# API Gateway and Lambda carry at most 6 MB per request: 3 MiB of message is 4 MiB in base64.
MAX_UPLOAD_BYTES = 3 * 2**20
MAX_UPLOAD_CHARS = 4 * MAX_UPLOAD_BYTES // 3 + 4


class MessageTooLarge(ApiError):
    http_status = 413
    error_code = "message_too_large"


def decode_upload(message: str, instead: str) -> bytes:
    """The raw message; 413 beyond the bound (`instead` says what to do then), 422 for broken base64."""
    if len(message) > MAX_UPLOAD_CHARS:
        raise MessageTooLarge(f"the uploaded message is larger than {MAX_UPLOAD_BYTES} bytes; {instead}")
    try:
        raw = base64.b64decode(message, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid([{"path": "body.message", "message": "not valid base64"}]) from None
    if len(raw) > MAX_UPLOAD_BYTES:
        raise MessageTooLarge(f"the uploaded message is larger than {MAX_UPLOAD_BYTES} bytes; {instead}")
    return raw
