"""The rules of local mode's stand-in for the hosted login: PKCE, the callback it may send a browser to, and a
code's single use and five-minute life."""

from __future__ import annotations

import pytest

from mailgate.local.console_idp import (
    AuthorizationError,
    AuthorizationRequest,
    CodeStore,
    InvalidGrant,
    discovery_document,
    pkce_matches,
    redirect_problem,
    s256,
)

ORIGIN = "http://127.0.0.1:8026"
CALLBACK = f"{ORIGIN}/callback"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 appendix B
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def request(**changes: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": "client", "redirect_uri": CALLBACK, "state": "s1",
            "code_challenge": CHALLENGE, "code_challenge_method": "S256", "scope": "openid email profile",
            "nonce": "n1", **changes}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_s256_is_rfc_7636s_example():
    assert s256(VERIFIER) == CHALLENGE
    assert pkce_matches(VERIFIER, CHALLENGE)


@pytest.mark.parametrize("verifier", [VERIFIER[:-1] + "Y", "short", VERIFIER + "!", ""])
def test_another_or_malformed_verifier_does_not_match(verifier):
    assert not pkce_matches(verifier, CHALLENGE)


def test_only_the_consoles_own_callback_is_a_redirect_target():
    assert redirect_problem(CALLBACK, ORIGIN) is None
    for uri in ("https://evil.example/callback", "http://127.0.0.1:9999/callback", f"{ORIGIN}/elsewhere",
                f"{CALLBACK}?next=https://evil.example", "/callback", f"{ORIGIN}/callback/", "", "javascript:x"):
        assert redirect_problem(uri, ORIGIN), uri


def test_a_valid_authorization_request_is_kept_for_the_form():
    parsed = AuthorizationRequest.parse(request(), "client", ORIGIN)
    assert (parsed.redirect_uri, parsed.code_challenge, parsed.state, parsed.nonce) == (CALLBACK, CHALLENGE, "s1", "n1")
    assert AuthorizationRequest.parse(parsed.hidden_fields(), "client", ORIGIN) == parsed


@pytest.mark.parametrize(("change", "words"), [
    ({"client_id": "other"}, "client_id"),
    ({"redirect_uri": "https://evil.example/callback"}, "origin"),
    ({"response_type": "token"}, "response_type"),
    ({"code_challenge_method": "plain"}, "S256"),
    ({"code_challenge": "abc"}, "code_challenge"),
    ({"scope": "email"}, "openid"),
    ({"state": "x" * 5000}, "at most"),
])
def test_an_authorization_request_is_refused_with_the_reason(change, words):
    with pytest.raises(AuthorizationError, match=words):
        AuthorizationRequest.parse(request(**change), "client", ORIGIN)


def test_a_code_is_exchanged_once_with_the_right_verifier():
    codes = CodeStore(clock=Clock())
    code = codes.issue(AuthorizationRequest.parse(request(), "client", ORIGIN), "admin", {"IdToken": "t"})
    grant = codes.redeem(code, "client", CALLBACK, VERIFIER)
    assert (grant.user, grant.tokens["IdToken"]) == ("admin", "t")
    with pytest.raises(InvalidGrant, match="already used"):
        codes.redeem(code, "client", CALLBACK, VERIFIER)


@pytest.mark.parametrize(("client", "callback", "verifier", "words"), [
    ("client", CALLBACK, "x" * 43, "code_verifier"),
    ("other", CALLBACK, VERIFIER, "another client"),
    ("client", f"{ORIGIN}/elsewhere", VERIFIER, "redirect_uri"),
])
def test_a_mismatch_spends_the_code(client, callback, verifier, words):
    codes = CodeStore(clock=Clock())
    code = codes.issue(AuthorizationRequest.parse(request(), "client", ORIGIN), "admin", {})
    with pytest.raises(InvalidGrant, match=words):
        codes.redeem(code, client, callback, verifier)
    with pytest.raises(InvalidGrant, match="already used"):
        codes.redeem(code, "client", CALLBACK, VERIFIER)


def test_a_code_lives_five_minutes():
    clock = Clock()
    codes = CodeStore(clock=clock)
    parsed = AuthorizationRequest.parse(request(), "client", ORIGIN)
    fresh, stale = codes.issue(parsed, "admin", {}), codes.issue(parsed, "admin", {})
    clock.now += 299
    codes.redeem(fresh, "client", CALLBACK, VERIFIER)
    clock.now += 1
    with pytest.raises(InvalidGrant, match="expired"):
        codes.redeem(stale, "client", CALLBACK, VERIFIER)


def test_expired_codes_are_forgotten():
    clock = Clock()
    codes = CodeStore(clock=clock)
    parsed = AuthorizationRequest.parse(request(), "client", ORIGIN)
    old = codes.issue(parsed, "admin", {})
    clock.now += 301
    codes.issue(parsed, "admin", {})
    with pytest.raises(InvalidGrant, match="unknown"):
        codes.redeem(old, "client", CALLBACK, VERIFIER)


def test_discovery_names_this_origins_endpoints_and_the_pools_issuer():
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x"
    document = discovery_document(ORIGIN, issuer)
    assert document["issuer"] == issuer
    assert document["authorization_endpoint"] == f"{ORIGIN}/idp/oauth2/authorize"
    assert document["token_endpoint"] == f"{ORIGIN}/idp/oauth2/token"
    assert document["jwks_uri"] == f"{ORIGIN}/idp/.well-known/jwks.json"
    assert document["code_challenge_methods_supported"] == ["S256"]
