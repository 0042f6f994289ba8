"""The admin API over plain HTTP: each request wrapped in an API Gateway REST event."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mailgate.local.functions import Handler, LocalLambdaContext


def api_gateway_event(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    parts = urlsplit(target)
    query = parse_qs(parts.query, keep_blank_values=True)
    return {
        "resource": parts.path,
        "path": parts.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"httpMethod": method, "path": parts.path, "stage": "local",
                           "requestId": "local", "identity": {"sourceIp": "127.0.0.1"}},
        "body": body.decode("utf-8", "replace") if body else None,
        "isBase64Encoded": False,
    }


class ApiServer:
    def __init__(self, handler: Handler, host: str, port: int) -> None:
        api = handler

        class RequestHandler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                event = api_gateway_event(self.command, self.path, dict(self.headers.items()), body)
                reply = api(event, LocalLambdaContext("mailgate-api"))
                payload = (reply.get("body") or "").encode()
                self.send_response(int(reply.get("statusCode", 500)))
                for name, value in (reply.get("headers") or {}).items():
                    self.send_header(name, str(value))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((host, port), RequestHandler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="api")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def get_json(url: str) -> tuple[int, Any]:
    """A tiny client for the README and the tests."""
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    try:
        with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - loopback URL we built
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")
