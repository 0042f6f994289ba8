"""The web console in local mode: its built files, its `config.json`, and a stand-in for Cognito's hosted login.

In AWS, CloudFront serves `console/dist` with the headers of `mailgate.web_console`, and the single-page app
logs in through the user pool's managed login (authorization code + PKCE; oidc-client-ts finds the endpoints
in the issuer's discovery document). Here one threaded werkzeug server on loopback does both:

- `/config.json`: `web_console.config_document` with the local API, `<this origin>/idp` as the authority and
  the local pool's app client;
- `/idp/...`: an OpenID Connect provider shaped like the hosted login, for oidc-client-ts:
  `/idp/.well-known/openid-configuration` and `/idp/.well-known/jwks.json` (the key local mode signs ID
  tokens with, `LocalCognito.jwks`); `GET /idp/oauth2/authorize` checks the request (`console_idp`) and shows a
  sign-in form, or a 400 page that redirects nowhere; `POST /idp/login` checks the password with moto
  (`LocalCognito.tokens`) and sends the browser to the console's callback with a single-use code bound to the
  PKCE challenge; `POST /idp/oauth2/token` exchanges the code for `{id_token, access_token, expires_in,
  token_type}`, the ID token moto's claims (plus the request's `nonce`) signed with local mode's key, which the
  local API's authorizer trusts. No refresh tokens: the `refresh_token` grant is refused
  (`unsupported_grant_type`); a console whose hour is up signs in again. `GET /idp/logout` returns to the
  console's root (the hosted login's `/logout` forgets its session; this one keeps none);
- anything else: a file of `web_console.dist_folder()`, or `index.html` (the app routes), or a 503 page that
  says how to build the console.

Why the form needs no CSRF token: whatever it is made to post yields only a code bound to a PKCE challenge,
sent only to the console's own callback, where oidc-client-ts accepts it only for a sign-in it started itself
(its `state` is in the tab's storage). Every answer carries the console's security headers; a request whose
Host is not this server's address (a DNS-rebinding page, or `localhost` in place of `127.0.0.1`) is sent to
the address, so the page, the login and the token endpoint always share one origin.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import jwt
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from mailgate import web_console
from mailgate.local.console_idp import (
    AuthorizationError,
    AuthorizationRequest,
    CodeStore,
    InvalidGrant,
    discovery_document,
)
from mailgate.local.console_pages import INCORRECT, STYLESHEET, STYLESHEET_PATH, login_page, refusal_page

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from mailgate.local.cognito import LocalCognito

log = logging.getLogger(__name__)

NOT_BUILT = ("The web console is not built: there is no index.html in {folder}.\n"
             "Run scripts/setup.sh serve (it builds console/dist), then reload this page.\n")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".json": "application/json", ".map": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".ico": "image/x-icon", ".webp": "image/webp", ".woff2": "font/woff2",
    ".woff": "font/woff", ".txt": "text/plain; charset=utf-8", ".webmanifest": "application/manifest+json",
}
IMMUTABLE = "public, max-age=31536000, immutable"  # vite's assets/ carry their content hash in the name
# Cognito's answers to a wrong user name or password: one page for all of them
WRONG_CREDENTIALS = {"NotAuthorizedException", "UserNotFoundException", "InvalidParameterException",
                     "PasswordResetRequiredException", "UserNotConfirmedException"}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def dist_file(dist: Path, url_path: str) -> Path | None:
    """The file of the build a (decoded) URL path names; None when it names none, and for any path that tries
    to leave the folder (`..`, a symbolic link out) or names a hidden file. Folders are never listed."""
    parts = [p for p in url_path.split("/") if p]
    if any(p.startswith(".") or "\\" in p or "\0" in p for p in parts):
        return None
    root = dist.resolve()
    candidate = root.joinpath(*parts).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _unsafe(url_path: str) -> bool:
    return any(p in (".", "..") or "\\" in p or "\0" in p for p in url_path.split("/"))


class ConsoleServer:
    def __init__(self, cognito: LocalCognito, host: str, port: int, api_url: str,
                 dist: Callable[[], Path] = web_console.dist_folder, passwords_hint: str = "",
                 codes: CodeStore | None = None) -> None:
        self.cognito = cognito
        self.api_url = api_url.rstrip("/")
        self._dist = dist
        self._passwords_hint = passwords_hint
        self.codes = codes or CodeStore()
        self.server = make_server(host, port, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.port = self.server.server_port
        self.address = f"{host}:{self.port}"
        self.origin = f"http://{self.address}"
        api = urlsplit(self.api_url)
        self._headers = web_console.security_headers(connect=[f"{api.scheme}://{api.netloc}"])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="console")
        self._routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", f"/{web_console.CONFIG_FILE}"): self._config,
            ("GET", "/idp/.well-known/openid-configuration"): self._discovery,
            ("GET", "/idp/.well-known/jwks.json"): lambda _r: self._json(self.cognito.jwks()),
            ("GET", "/idp/oauth2/authorize"): self._authorize,
            ("POST", "/idp/login"): self._login,
            ("POST", "/idp/oauth2/token"): self._token,
            ("GET", "/idp/logout"): self._logout,
            ("GET", STYLESHEET_PATH): lambda _r: Response(STYLESHEET, content_type="text/css; charset=utf-8"),
        }

    @property
    def authority(self) -> str:
        return f"{self.origin}/idp"

    # -- the console's files and configuration

    def _config(self, _request: Request) -> Response:
        document = web_console.config_document(api_url=self.api_url, authority=self.authority,
                                               client_id=self.cognito.client_id, logout_url=None, local=True)
        return self._json(document, cache="no-cache")

    def _static(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("method not allowed\n", status=405, content_type="text/plain; charset=utf-8",
                            headers={"Allow": "GET, HEAD"})
        if _unsafe(request.path):
            return Response("not found\n", status=404, content_type="text/plain; charset=utf-8")
        dist = self._dist()
        index = dist / "index.html"
        if not index.is_file():
            return Response(NOT_BUILT.format(folder=dist), status=503, content_type="text/plain; charset=utf-8",
                            headers={"Retry-After": "30", "Cache-Control": "no-store"})
        found = dist_file(dist, request.path) or index.resolve()
        immutable = found.parent.name == "assets" and found.parent.parent == dist.resolve()
        return Response(found.read_bytes(), content_type=content_type(found),
                        headers={"Cache-Control": IMMUTABLE if immutable else "no-cache"})

    # -- the stand-in for the hosted login

    def _discovery(self, _request: Request) -> Response:
        return self._json(discovery_document(self.origin, self.cognito.issuer))

    def _authorize(self, request: Request) -> Response:
        try:
            authorization = AuthorizationRequest.parse(request.args.to_dict(), self.cognito.client_id, self.origin)
        except AuthorizationError as exc:
            return self._html(refusal_page(str(exc)), 400)
        return self._html(login_page(authorization.hidden_fields(), passwords_hint=self._passwords_hint))

    def _login(self, request: Request) -> Response:
        form = request.form.to_dict()
        try:
            authorization = AuthorizationRequest.parse(form, self.cognito.client_id, self.origin)
        except AuthorizationError as exc:
            return self._html(refusal_page(str(exc)), 400)
        username, password = form.get("username", "").strip(), form.get("password", "")
        tokens = self._check_password(username, password) if username and password else None
        if tokens is None:
            page = login_page(authorization.hidden_fields(), username=username, error=INCORRECT,
                              passwords_hint=self._passwords_hint)
            return self._html(page, 401)
        code = self.codes.issue(authorization, username, tokens)
        query = {"code": code, **({"state": authorization.state} if authorization.state else {})}
        return Response(status=302, headers={"Location": f"{authorization.redirect_uri}?{urlencode(query)}",
                                             "Cache-Control": "no-store"})

    def _check_password(self, username: str, password: str) -> dict[str, str] | None:
        """moto's tokens for the user, or None for a wrong user name or password (never which of the two)."""
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            return self.cognito.tokens(username, password)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in WRONG_CREDENTIALS:
                return None
            raise

    def _token(self, request: Request) -> Response:
        form = request.form
        grant_type = form.get("grant_type", "")
        if grant_type != "authorization_code":
            return self._oauth_error("unsupported_grant_type", "only the authorization_code grant is offered "
                                     "(local mode gives no refresh tokens)")
        missing = [name for name in ("code", "redirect_uri", "client_id", "code_verifier") if not form.get(name)]
        if missing:
            return self._oauth_error("invalid_request", f"missing: {', '.join(missing)}")
        try:
            grant = self.codes.redeem(form["code"], form["client_id"], form["redirect_uri"], form["code_verifier"])
        except InvalidGrant as exc:
            return self._oauth_error("invalid_grant", str(exc))
        claims = jwt.decode(grant.tokens["IdToken"], options={"verify_signature": False})
        if grant.request.nonce:
            claims["nonce"] = grant.request.nonce
        # LocalCognito.sign re-signs a token's claims with local mode's key; these claims carry the nonce too
        id_token = self.cognito.sign(jwt.encode(claims, "", algorithm="none"))
        return self._json({"id_token": id_token, "access_token": grant.tokens["AccessToken"],
                           "expires_in": int(grant.tokens.get("ExpiresIn", 3600)), "token_type": "Bearer"},
                          cache="no-store")

    def _logout(self, request: Request) -> Response:
        """Back to the console (to `logout_uri` when it is on the console's origin), as the hosted login's
        `/logout` does after forgetting its session cookie."""
        target = request.args.get("logout_uri") or request.args.get("post_logout_redirect_uri") or ""
        parts = urlsplit(target)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            target = f"{self.origin}/"
        return Response(status=302, headers={"Location": target, "Cache-Control": "no-store"})

    # -- plumbing

    @staticmethod
    def _json(document: Any, status: int = 200, cache: str = "no-cache") -> Response:
        return Response(json.dumps(document), status=status, content_type="application/json",
                        headers={"Cache-Control": cache})

    @staticmethod
    def _html(page: str, status: int = 200) -> Response:
        return Response(page, status=status, content_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    def _oauth_error(self, error: str, description: str) -> Response:
        response = self._json({"error": error, "error_description": description}, 400, cache="no-store")
        response.headers["Pragma"] = "no-cache"
        return response

    def _answer(self, request: Request) -> Response:
        if request.host != self.address:
            if request.method in ("GET", "HEAD"):
                return Response(status=302, headers={"Location": f"{self.origin}{request.full_path.rstrip('?')}"})
            return Response(f"use {self.origin}\n", status=421, content_type="text/plain; charset=utf-8")
        route = self._routes.get(("GET" if request.method == "HEAD" else request.method, request.path))
        if route is not None:
            return route(request)
        if any(path == request.path for _method, path in self._routes):
            return Response("method not allowed\n", status=405, content_type="text/plain; charset=utf-8")
        if request.path.startswith("/idp/"):
            return Response("not found\n", status=404, content_type="text/plain; charset=utf-8")
        return self._static(request)

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = 64 * 1024  # a sign-in or a token request, nothing bigger
        request.max_form_memory_size = 64 * 1024
        try:
            response = self._answer(request)
        except HTTPException as exc:  # a body over the limit, a malformed form
            response = Response(f"{exc.description}\n", status=exc.code or 400,
                                content_type="text/plain; charset=utf-8")
        except Exception:
            log.exception("the console server failed on %s %s", request.method, request.path)
            response = Response("the local console server failed; its log says why\n", status=500,
                                content_type="text/plain; charset=utf-8")
        response.headers.update(self._headers)
        return response(environ, start_response)

    def start(self) -> ConsoleServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
