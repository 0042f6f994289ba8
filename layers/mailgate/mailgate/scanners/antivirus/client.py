"""Talking to clamd: one INSTREAM per stream through `clamav-client`, every failure named.

clamav-client raises a different exception (or none of its own) for each way a stream can fail;
this module turns them into a `StreamAnswer` so the scanner never mistakes a failure for "OK".
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal, cast

from clamav_client.clamd import (
    BufferTooLongError,
    ClamdError,
    ClamdNetworkSocket,
    ClamdUnixSocket,
    CommunicationError,
    ResponseError,
)

Failure = Literal["unreachable", "timeout", "size_limit", "engine"]


@dataclass(frozen=True)
class ClamdAddress:
    """Where clamd listens: "host:port" (IPv6 as "[::1]:3310") or a unix socket path."""

    host: str | None = None
    port: int | None = None
    path: str | None = None

    @classmethod
    def parse(cls, text: str) -> ClamdAddress:
        text = text.strip()
        if text.startswith("unix://"):
            text = text[len("unix://"):]
        if text.startswith(("/", ".")):
            return cls(path=text)
        host, sep, port = text.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"clamd address must be HOST:PORT or a unix socket path, not {text!r}")
        return cls(host=host.strip("[]"), port=int(port))

    def __str__(self) -> str:
        if self.path is not None:
            return self.path
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class StreamAnswer:
    """clamd's word on one stream: `found` with the name, `ok`, or `failed` with why."""

    status: Literal["ok", "found", "failed"]
    name: str | None = None
    failure: Failure | None = None
    detail: str = ""


class ClamdClient:
    def __init__(self, address: ClamdAddress, timeout_seconds: float) -> None:
        self.address = address
        self.timeout = timeout_seconds

    def _connection(self) -> ClamdNetworkSocket:
        if self.address.path is not None:
            # clamav-client annotates the unix timeout as int; socket.settimeout takes the float as is
            return ClamdUnixSocket(self.address.path, timeout=cast(int, self.timeout))
        return ClamdNetworkSocket(str(self.address.host), int(self.address.port or 3310), timeout=self.timeout)

    def instream(self, data: bytes) -> StreamAnswer:
        try:
            answer = self._connection().instream(io.BytesIO(data))  # BytesIO shares the bytes, no copy
        except (ClamdError, OSError) as exc:
            return _failed(exc)
        status, name = answer.get("stream", ("ERROR", "no answer for the stream"))
        if status == "FOUND" and name:
            return StreamAnswer("found", name=name)
        if status == "OK":
            return StreamAnswer("ok")
        return StreamAnswer("failed", failure="engine", detail=f"clamd answered: {name} {status}"[:300])

    def version(self) -> str:
        """clamd's VERSION line, e.g. "ClamAV 1.4.6/27500/Tue Dec 10 09:33:15 2024"; raises ClamdError."""
        return self._connection().version()

    def reload(self) -> str:
        """Ask clamd to re-read its database directory ("RELOADING"); raises ClamdError."""
        return str(self._connection().reload())

    def ping(self) -> bool:
        try:
            return self._connection().ping() == "PONG"
        except (ClamdError, OSError):
            return False


def _failed(exc: ClamdError | OSError) -> StreamAnswer:
    """Each way clamav-client reports a failed stream, named."""
    failure: Failure = "engine"
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, BufferTooLongError):
        failure, detail = "size_limit", str(exc)
    elif isinstance(exc, CommunicationError):
        reading = str(exc).startswith("Error while reading")
        failure = "timeout" if isinstance(exc.__cause__, TimeoutError) else "engine" if reading else "unreachable"
        detail = str(exc)
    elif isinstance(exc, ResponseError):
        detail = f"clamd answered: {exc}"
    elif isinstance(exc, TimeoutError):  # sendall's timeout is not wrapped by clamav-client
        failure, detail = "timeout", f"sending to clamd: {exc}"
    elif isinstance(exc, BrokenPipeError | ConnectionResetError):
        detail = (f"clamd closed the stream while receiving it ({exc}); "
                  "a StreamMaxLength below max_stream_bytes does this")
    return StreamAnswer("failed", failure=failure, detail=detail[:300])
