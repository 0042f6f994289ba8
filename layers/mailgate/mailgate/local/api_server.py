"""The admin API over plain HTTP, as the deployed stack's API Gateway REST API puts it in front of `api`.

The stack (`infra/mailgate_infra/api.py`) gives the REST API two resources, `/` and `/{proxy+}`, each with
method `ANY` and a Lambda proxy integration, behind a Cognito user pool authorizer. This server plays that
part with werkzeug's threaded WSGI server, and each request reaches the same handler as this event:

- `path`: the request path as the client sent it, still percent-encoded (API Gateway REST APIs do not
  decode it; HTTP APIs do); `resource` is `/` or `/{proxy+}`, and `pathParameters` is `{"proxy": ...}`
  with the path after the first `/` percent-decoded (null for `/`), as API Gateway decodes path variables;
- `queryStringParameters` and `multiValueQueryStringParameters`: the query decoded (`%XX`, and `+` as a
  space), blank values kept, the last value of a repeated name in the single-value map;
- `headers` (the last value of a repeated header) and `multiValueHeaders`;
- `requestContext`: `resourcePath`, `httpMethod`, `path` with the stage, `stage`, a fresh `requestId`,
  `identity.sourceIp`, and the verified claims in `authorizer.claims` (strings, as API Gateway puts them);
- `body` as text and `isBase64Encoded` false: the stack configures no binary media types, so API Gateway
  passes every body as text (uploads travel in base64 inside JSON).

One request at a time reaches the function, as one Lambda instance gets them: the api function keeps per-request
state in Powertools' resolver (the current event on its class, the principal in the app's context), which
concurrent calls in one process would cross. The server still reads and answers connections in threads.

What the handler answers goes back as it is, also for a method no route has and for HEAD and OPTIONS:
`ANY` sends every method to the function, so the handler's JSON answer is the answer in the cloud too (for
HEAD without its body, as HTTP says). This server never answers with an HTML page of its own.

The authorizer: a request with an `Authorization` header is answered 401 here unless the Bearer token
verifies (moto's Cognito). A request without the header reaches the handler without claims, and the
handler answers 401 for every route that needs a role. A body over API Gateway's 10 MB payload quota is
answered 413 here; the handler bounds what Lambda carries (6 MB) itself.

CORS: the function answers the web console's origin (`$MAILGATE_CONSOLE_ORIGIN`) itself. In the cloud API Gateway
answers the preflights with a mock integration; here an OPTIONS request (which carries no token) reaches the
function, whose CORS answers it with the same origin, headers and max age. The answers this server gives of its
own (401, 413, 502) carry the origin as the stack's gateway responses do, so that the console can read why it
was refused.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from mailgate import web_console
from mailgate.environment import Env
from mailgate.local.functions import Handler, LocalLambdaContext

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from mailgate.local.cognito import TokenVerifier

STAGE = "local"
MAX_PAYLOAD_BYTES = 10 * 2**20  # API Gateway's payload quota for REST APIs
ROOT, PROXY = "/", "/{proxy+}"  # the stack's two resources, each with method ANY


def _multi(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in pairs:
        found.setdefault(name, []).append(value)
    return found


def api_gateway_event(method: str, target: str, headers: Mapping[str, str] | Iterable[tuple[str, str]],
                      body: bytes, claims: dict[str, str] | None = None,
                      source_ip: str = "127.0.0.1") -> dict[str, Any]:
    """API Gateway's REST proxy event for a request target (path and query as the client sent them)."""
    parts = urlsplit(target)
    path = parts.path or "/"
    query = _multi(parse_qsl(parts.query, keep_blank_values=True))
    multi_headers = _multi(headers.items() if isinstance(headers, Mapping) else headers)
    resource, path_parameters = (ROOT, None) if path == "/" else (PROXY, {"proxy": unquote(path[1:])})
    context: dict[str, Any] = {
        "resourcePath": resource, "httpMethod": method, "path": f"/{STAGE}{path}", "stage": STAGE,
        "requestId": str(uuid.uuid4()), "requestTimeEpoch": int(time.time() * 1000), "protocol": "HTTP/1.1",
        "accountId": "123456789012", "apiId": "local", "identity": {"sourceIp": source_ip},
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": context,
        "body": body.decode("utf-8", "replace") if body else None,
        "isBase64Encoded": False,
    }


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    """An answer of API Gateway's own (a gateway response), readable by the web console."""
    headers = {"Content-Type": "application/json"}
    if origin := os.environ.get(Env.CONSOLE_ORIGIN):  # the stack's Cors4xx and Cors5xx gateway responses
        headers.update({"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                        "Access-Control-Expose-Headers": ",".join(web_console.API_EXPOSE_HEADERS)})
    return {"statusCode": status, "headers": headers, "body": json.dumps({"error": code, "message": message})}


class _Reply(Response):
    default_mimetype = None  # the handler's Content-Type, or none


def _response(reply: Mapping[str, Any]) -> Response:
    """The Lambda proxy reply as HTTP."""
    import base64  # noqa: PLC0415

    raw = reply.get("body") or ""
    payload = base64.b64decode(raw) if reply.get("isBase64Encoded") else str(raw).encode()
    headers = Headers()
    for name, value in (reply.get("headers") or {}).items():
        headers.set(name, str(value))
    for name, values in (reply.get("multiValueHeaders") or {}).items():
        headers.remove(name)
        for value in values:
            headers.add(name, str(value))
    return _Reply(payload, status=int(reply.get("statusCode", 500)), headers=headers)


def _request_target(environ: WSGIEnvironment) -> str:
    """The path and query as the client sent them: werkzeug's PATH_INFO is already decoded."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw).encode("latin-1").decode("utf-8", "replace")  # undo WSGI's latin-1 dance
    query = environ.get("QUERY_STRING", "")
    return quote(environ.get("PATH_INFO", "/")) + (f"?{query}" if query else "")


class _QuietHandler(WSGIRequestHandler):
    """No access log; and what http.server refuses before any handler runs (a malformed request line, an
    over-long header) is answered in the API's JSON error shape, not with its HTML page."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        status = HTTPStatus(code)
        payload = json.dumps({"error": status.phrase.lower().replace(" ", "_"),
                              "message": message or status.description}).encode()
        self.send_response(code, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(payload)


class ApiServer:
    def __init__(self, handler: Handler, host: str, port: int, verifier: TokenVerifier | None = None) -> None:
        self._handler = handler
        self._one_instance = threading.Lock()  # see the module's docstring: one request at a time, as Lambda
        self._verifier = verifier
        self.server = make_server(host, port, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.port = self.server.server_port
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="api")

    def _claims(self, headers: Headers) -> dict[str, str] | None:
        """The authorizer's part: the verified token's claims; InvalidToken for a bad one."""
        authorization = headers.get("Authorization")
        if authorization is None or self._verifier is None:
            return None
        from mailgate.local.cognito import authorizer_claims  # noqa: PLC0415

        return authorizer_claims(self._verifier.claims(authorization))

    def _answer(self, request: Request) -> dict[str, Any]:
        from mailgate.local.cognito import InvalidToken  # noqa: PLC0415

        request.max_content_length = MAX_PAYLOAD_BYTES
        try:
            body = request.get_data(cache=False)
        except RequestEntityTooLarge:
            return _error(413, "body_too_large", f"the request is larger than API Gateway's {MAX_PAYLOAD_BYTES} "
                                                 "bytes: send less per request")
        try:
            claims = self._claims(request.headers)
        except InvalidToken as exc:
            return _error(401, "unauthorized", str(exc))
        event = api_gateway_event(request.method, _request_target(request.environ), request.headers.items(),
                                  body, claims, source_ip=request.remote_addr or "127.0.0.1")
        with self._one_instance:
            reply: dict[str, Any] = self._handler(event, LocalLambdaContext("mailgate-api"))
        return reply

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            reply = self._answer(Request(environ))
        except Exception:  # a function that crashes: API Gateway answers 502, werkzeug would send HTML
            logging.getLogger(__name__).exception("the api function raised")
            reply = _error(502, "internal_error", "the api function failed; its log says why")
        return _response(reply)(environ, start_response)

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
