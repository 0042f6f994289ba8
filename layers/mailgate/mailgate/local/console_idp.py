"""The rules of local mode's stand-in for Cognito's hosted login, as plain functions over plain data.

Cognito's managed login gives the console an authorization code (OAuth 2.0, RFC 6749 §4.1) bound to a PKCE
challenge (RFC 7636, S256 only), sends the browser back only to a registered callback URL, and exchanges a
code once, within minutes, for the user's tokens. `console_server` speaks HTTP; this module decides: whether
an authorization request may be answered with a login form, whether a code may be exchanged, and what the
discovery document says. Nothing here knows HTTP, moto or the clock of the wall.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mailgate.web_console import CALLBACK_PATH

CODE_LIFETIME_SECONDS = 300.0  # Cognito's authorization codes live five minutes
MAX_PARAMETER_LENGTH = 2048  # state and nonce: opaque to us, bounded all the same
# RFC 7636 §4.1: a verifier is 43 to 128 unreserved characters; an S256 challenge is 43 base64url characters
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


class AuthorizationError(Exception):
    """An authorization request that gets no login form; the message says what is wrong (shown on a 400 page,
    never sent to the redirect URI, which may be the wrong one)."""


class InvalidGrant(Exception):
    """A token request the token endpoint refuses with OAuth's `invalid_grant`."""


def s256(verifier: str) -> str:
    """BASE64URL(SHA256(ASCII(code_verifier))) without padding, RFC 7636 §4.2."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_matches(verifier: str, challenge: str) -> bool:
    """Whether the token request's verifier is the one the authorization request's S256 challenge was made of."""
    if not _VERIFIER.fullmatch(verifier):
        return False
    return hmac.compare_digest(s256(verifier), challenge)


def redirect_problem(redirect_uri: str, origin: str) -> str | None:
    """None when the browser may be sent to `redirect_uri`: exactly the console's callback on its own origin,
    as Cognito allows only an app client's registered callback URLs. Otherwise what is wrong with it."""
    expected = origin.rstrip("/") + CALLBACK_PATH
    if redirect_uri == expected:
        return None
    parts = urlsplit(redirect_uri)
    if not parts.scheme or not parts.netloc:
        return f"redirect_uri must be an absolute URL: {expected}"
    if f"{parts.scheme}://{parts.netloc}" != origin.rstrip("/"):
        return f"redirect_uri is not on this console's origin ({origin}): only {expected} is registered"
    return f"redirect_uri is not the console's callback: only {expected} is registered"


@dataclass(frozen=True)
class AuthorizationRequest:
    """What `/oauth2/authorize` was asked, checked: the login form carries it in hidden fields and checks it again."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    state: str = ""
    scope: str = "openid"
    nonce: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, str], client_id: str, origin: str) -> AuthorizationRequest:
        """The request when a login form may answer it; AuthorizationError saying what is wrong otherwise."""
        if params.get("client_id") != client_id:
            raise AuthorizationError("client_id is not the console's app client of this user pool")
        redirect_uri = params.get("redirect_uri", "")
        if problem := redirect_problem(redirect_uri, origin):
            raise AuthorizationError(problem)
        if params.get("response_type") != "code":
            raise AuthorizationError("response_type must be 'code' (the authorization-code flow)")
        if params.get("code_challenge_method") != "S256":
            raise AuthorizationError("code_challenge_method must be 'S256': PKCE is required")
        challenge = params.get("code_challenge", "")
        if not _CHALLENGE.fullmatch(challenge):
            raise AuthorizationError("code_challenge must be the 43-character base64url SHA-256 of the verifier")
        scope = params.get("scope") or "openid"
        if "openid" not in scope.split():
            raise AuthorizationError("scope must include 'openid': the console needs an ID token")
        state, nonce = params.get("state", ""), params.get("nonce", "")
        if len(state) > MAX_PARAMETER_LENGTH or len(nonce) > MAX_PARAMETER_LENGTH:
            raise AuthorizationError(f"state and nonce may be at most {MAX_PARAMETER_LENGTH} characters")
        return cls(client_id=client_id, redirect_uri=redirect_uri, code_challenge=challenge, state=state,
                   scope=scope, nonce=nonce)

    def hidden_fields(self) -> dict[str, str]:
        """The request as the login form posts it back."""
        return {"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
                "state": self.state, "code_challenge": self.code_challenge, "code_challenge_method": "S256",
                "scope": self.scope, "nonce": self.nonce}


@dataclass(frozen=True)
class Grant:
    """What a code stands for: the request it answers and the signed-in user's tokens (moto's)."""

    request: AuthorizationRequest
    user: str
    tokens: Mapping[str, Any]
    expires: float


@dataclass
class CodeStore:
    """Single-use codes with a five-minute life. A code that is named in a token request is spent, whether the
    exchange succeeds or not (RFC 6749 §4.1.2: a code is used once). Thread-safe: the server is threaded."""

    clock: Callable[[], float] = time.monotonic
    lifetime: float = CODE_LIFETIME_SECONDS
    _grants: dict[str, Grant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, request: AuthorizationRequest, user: str, tokens: Mapping[str, Any]) -> str:
        code = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._grants = {c: g for c, g in self._grants.items() if g.expires > now}  # forget the expired
            self._grants[code] = Grant(request, user, dict(tokens), now + self.lifetime)
        return code

    def redeem(self, code: str, client_id: str, redirect_uri: str, verifier: str) -> Grant:
        """The grant of an unused, unexpired code asked for by the same client, with the same redirect URI and
        the verifier of its challenge; InvalidGrant otherwise."""
        with self._lock:
            grant = self._grants.pop(code, None)
        if grant is None:
            raise InvalidGrant("the code is unknown or was already used")
        if self.clock() >= grant.expires:
            raise InvalidGrant("the code has expired")
        if client_id != grant.request.client_id:
            raise InvalidGrant("the code was issued to another client")
        if redirect_uri != grant.request.redirect_uri:
            raise InvalidGrant("redirect_uri differs from the authorization request's")
        if not pkce_matches(verifier, grant.request.code_challenge):
            raise InvalidGrant("code_verifier does not match the code_challenge")
        return grant


def discovery_document(origin: str, issuer: str) -> dict[str, Any]:
    """`/.well-known/openid-configuration` of the local login, shaped like a user pool's (its endpoints on
    this server, its issuer the pool's, which is what the ID tokens say and the API's authorizer checks)."""
    idp = origin.rstrip("/") + "/idp"
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{idp}/oauth2/authorize",
        "token_endpoint": f"{idp}/oauth2/token",
        "jwks_uri": f"{idp}/.well-known/jwks.json",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "email", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none"],  # a public client: PKCE instead of a secret
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "email", "email_verified",
                             "cognito:username", "cognito:groups", "token_use"],
    }
