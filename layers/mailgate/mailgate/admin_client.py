"""A small client of the admin API for the command line: a base URL, a bearer token, JSON in and out.

The token is given (`--token`, `MAILGATE_TOKEN`) or, for the local gateway, made from its state folder for one
of its users (`--state-dir`, `--user`), as `mailgate token` makes it.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIMEOUT_SECONDS = 60.0
LOCAL_API = "http://127.0.0.1:8025"


class ApiRefused(Exception):
    """The API answered with an error: its status and its message (which says what to do)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class ApiUnreachable(Exception):
    """No answer at the API's address."""


@dataclass(frozen=True)
class AdminClient:
    base_url: str
    token: str

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        params = {k: ("true" if v is True else "false" if v is False else v) for k, v in (query or {}).items()
                  if v is not None}
        url = _web(self.base_url.rstrip("/") + path + (f"?{urllib.parse.urlencode(params, doseq=True)}"
                                                      if params else ""))
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={  # noqa: S310 - http(s) only
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - the given API
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise ApiRefused(exc.code, _message(exc.read())) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise ApiUnreachable(f"no answer from the admin API at {self.base_url} ({exc}): give its URL with --api "
                                 "(the local gateway's is printed by `mailgate serve`)") from None


def _message(body: bytes) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        return body.decode(errors="replace")[:500]
    if isinstance(answer, dict):
        problems = answer.get("problems") or answer.get("detail")
        text = str(answer.get("message") or answer.get("error") or answer)
        return f"{text} {json.dumps(problems)}" if problems else text
    return str(answer)[:500]


def _web(url: str) -> str:
    """Only http and https: an API URL, or a download URL an API answered, never opens a local file."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url[:200]!r}")
    return url


def fetch(url: str, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """A pre-signed URL's object."""
    url = _web(url)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - a URL the API signed
            return bytes(answer.read())
    except urllib.error.HTTPError as exc:
        raise ApiRefused(exc.code, f"the download link was refused: {_message(exc.read())}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise ApiUnreachable(f"the download link did not answer: {exc}") from None


def connect(api: str | None, token: str | None, state_dir: Path | None, user: str) -> AdminClient:
    """The client the options describe; a local gateway's token when only its state folder is given."""
    token = token or os.environ.get("MAILGATE_TOKEN")
    base = api or os.environ.get("MAILGATE_API") or LOCAL_API
    if token:
        return AdminClient(base, token)
    from mailgate.local.token_cli import NoLocalGateway, local_token  # noqa: PLC0415 - local mode only

    try:
        return AdminClient(base, local_token(state_dir or Path(".mailgate"), user))
    except NoLocalGateway as exc:
        raise ApiUnreachable(f"no token: give --token (or MAILGATE_TOKEN), or the local gateway's --state-dir "
                             f"({exc})") from None
