"""The admin API over plain HTTP: each request wrapped in an API Gateway REST event.

It also plays API Gateway's Cognito authorizer: a request with an `Authorization` header is
answered 401 here unless the Bearer token verifies, and the verified claims travel in
`requestContext.authorizer.claims` as API Gateway puts them. A request without the header reaches
the handler without claims, and the handler answers 401 for every route that needs a role.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from mailgate.local.functions import Handler, LocalLambdaContext

if TYPE_CHECKING:
    from mailgate.local.cognito import TokenVerifier


def api_gateway_event(method: str, target: str, headers: dict[str, str], body: bytes,
                      claims: dict[str, str] | None = None) -> dict[str, Any]:
    parts = urlsplit(target)
    query = parse_qs(parts.query, keep_blank_values=True)
    context: dict[str, Any] = {"httpMethod": method, "path": parts.path, "stage": "local",
                               "requestId": "local", "identity": {"sourceIp": "127.0.0.1"}}
    if claims is not None:
        context["authorizer"] = {"claims": claims}
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
        "requestContext": context,
        "body": body.decode("utf-8", "replace") if body else None,
        "isBase64Encoded": False,
    }


def _unauthorized(message: str) -> dict[str, Any]:
    return {"statusCode": 401, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"error": "unauthorized", "message": message})}


class ApiServer:
    def __init__(self, handler: Handler, host: str, port: int, verifier: TokenVerifier | None = None) -> None:
        api = handler

        def authorize_and_call(method: str, target: str, headers: dict[str, str], body: bytes) -> Any:
            claims = None
            authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
            if authorization is not None and verifier is not None:
                from mailgate.local.cognito import InvalidToken, authorizer_claims  # noqa: PLC0415

                try:
                    claims = authorizer_claims(verifier.claims(authorization))
                except InvalidToken as exc:
                    return _unauthorized(str(exc))
            event = api_gateway_event(method, target, headers, body, claims)
            return api(event, LocalLambdaContext("mailgate-api"))

        class RequestHandler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                reply = authorize_and_call(self.command, self.path, dict(self.headers.items()), body)
                payload = (reply.get("body") or "").encode()
                self.send_response(int(reply.get("statusCode", 500)))
                for name, value in (reply.get("headers") or {}).items():
                    self.send_header(name, str(value))
                for name, values in (reply.get("multiValueHeaders") or {}).items():
                    for value in values:
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


def call(method: str, url: str, token: str | None = None, body: Any = None) -> tuple[int, dict[str, str], bytes]:
    """A tiny client for the README and the tests: (status, headers, raw body)."""
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 - loopback URL we built
            return reply.status, dict(reply.headers.items()), reply.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def get_json(url: str, token: str | None = None) -> tuple[int, Any]:
    status, _headers, raw = call("GET", url, token)
    return status, json.loads(raw or b"null")
