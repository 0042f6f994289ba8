"""The web console in local mode: a newcomer opens it, is sent to the local stand-in for Cognito's hosted login,
signs in and lands in the console; what the login hands out works only once, only for the PKCE verifier it was
bound to, and only on the console's own callback; the console's files never leave their folder.

The browser tests drive Debian's chromium through the session's local gateway; the protocol's edges are plain
HTTP requests."""

from __future__ import annotations

import http.client
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from selenium.webdriver.common.by import By

from mailgate import web_console
from mailgate.local.cognito import TokenVerifier
from mailgate.local.console_idp import s256
from mailgate.local.console_pages import INCORRECT
from mailgate.local.gateway import LocalGateway
from tests.support.browser import APP_READY, axe_critical, console_errors, login, screenshot, sign_in, wait
from tests.support.cli import run_mailgate

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Pkce:
    verifier: str
    state: str
    nonce: str

    @classmethod
    def new(cls) -> Pkce:
        return cls(secrets.token_urlsafe(48), secrets.token_urlsafe(16), secrets.token_urlsafe(16))

    @property
    def challenge(self) -> str:
        return s256(self.verifier)


def origin(gateway: LocalGateway) -> str:
    assert gateway.console_url is not None
    return gateway.console_url


def callback(gateway: LocalGateway) -> str:
    return origin(gateway) + web_console.CALLBACK_PATH


def authorize_params(gateway: LocalGateway, pkce: Pkce, **changes: str) -> dict[str, str]:
    params = {"response_type": "code", "client_id": gateway.cognito.client_id, "redirect_uri": callback(gateway),
              "state": pkce.state, "code_challenge": pkce.challenge, "code_challenge_method": "S256",
              "scope": web_console.SCOPES, "nonce": pkce.nonce}
    return {**params, **changes}


def authorize_url(gateway: LocalGateway, pkce: Pkce, **changes: str) -> str:
    return f"{origin(gateway)}/idp/oauth2/authorize?{urlencode(authorize_params(gateway, pkce, **changes))}"


def sign_in_over_http(gateway: LocalGateway, pkce: Pkce, user: str = "admin",
                      password: str | None = None) -> requests.Response:
    form = {**authorize_params(gateway, pkce), "username": user,
            "password": gateway.cognito.passwords[user] if password is None else password}
    return requests.post(f"{origin(gateway)}/idp/login", data=form, allow_redirects=False, timeout=30)


def code_for(gateway: LocalGateway, pkce: Pkce, user: str = "admin") -> str:
    reply = sign_in_over_http(gateway, pkce, user)
    assert reply.status_code == 302, reply.text
    location = urlsplit(reply.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == callback(gateway)
    query = parse_qs(location.query)
    assert query["state"] == [pkce.state]
    return query["code"][0]


def exchange(gateway: LocalGateway, code: str, verifier: str, **changes: str) -> requests.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": callback(gateway),
            "client_id": gateway.cognito.client_id, "code_verifier": verifier, **changes}
    return requests.post(f"{origin(gateway)}/idp/oauth2/token", data=form, timeout=30)


def raw_get(gateway: LocalGateway, target: str) -> tuple[int, dict[str, str], bytes]:
    """A request target exactly as written: no client normalises its dots away."""
    parts = urlsplit(origin(gateway))
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        connection.endheaders()
        reply = connection.getresponse()
        return reply.status, dict(reply.getheaders()), reply.read()
    finally:
        connection.close()


@pytest.fixture
def throwaway_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small build beside a secret the server must never hand out."""
    (tmp_path / "secret.txt").write_text("SECRET-OUTSIDE-DIST")
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>throwaway</title>THROWAWAY-INDEX")
    for name, content in {"app-1.js": "console.log(1)", "app-1.css": "body{}", "logo.svg": "<svg/>",
                          "logo.png": "png", "font.woff2": "woff2"}.items():
        (dist / "assets" / name).write_text(content)
    (dist / ".env").write_text("HIDDEN")
    (dist / "assets" / "link.txt").symlink_to(tmp_path / "secret.txt")
    monkeypatch.setenv("MAILGATE_CONSOLE_DIST", str(dist))
    return dist


# -- in the browser


def test_the_login_form_labels_every_field_and_has_no_critical_accessibility_issue(browser, gateway):
    browser.get(authorize_url(gateway, Pkce.new()))
    fields = [f for f in browser.find_elements(By.CSS_SELECTOR, "input") if f.get_attribute("type") != "hidden"]
    assert {f.get_attribute("id") for f in fields} == {"username", "password"}
    for field in fields:
        assert browser.find_elements(By.CSS_SELECTOR, f'label[for="{field.get_attribute("id")}"]'), field
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.XPATH, "//button[normalize-space()='Sign in']")
    screenshot(browser, "login-form")
    assert axe_critical(browser, serious=True) == []
    assert console_errors(browser) == []  # no CSP violation: the form's stylesheet is its own origin's


def test_a_wrong_password_shows_the_error_and_hands_out_no_code(browser, gateway):
    browser.get(authorize_url(gateway, Pkce.new()))
    sign_in(browser, "admin", "Mg-1x-not-the-password")
    error = wait(browser).until(lambda d: d.find_elements(By.ID, "login-error"))
    assert error[0].text == INCORRECT
    assert urlsplit(browser.current_url).path == "/idp/login"
    assert "code=" not in browser.current_url
    assert browser.find_element(By.ID, "password").get_attribute("value") == ""  # not sent back


def needs_the_built_console() -> None:
    if not (web_console.dist_folder() / "index.html").is_file():
        pytest.skip(f"the console is not built in {web_console.dist_folder()}: run scripts/setup.sh")


def test_the_right_password_lands_in_the_console(browser, gateway):
    needs_the_built_console()
    login(browser, gateway, "admin")
    assert urlsplit(browser.current_url).netloc == urlsplit(origin(gateway)).netloc
    assert "code=" not in browser.current_url  # the app took the code out of the address
    assert "Loading the mailgate console" not in browser.find_element(By.TAG_NAME, "body").text
    screenshot(browser, "console-after-login")
    refused = [m for m in console_errors(browser) if "Content Security Policy" in m or "Uncaught" in m]
    assert refused == []


def test_a_personal_user_signs_in_the_same_way(browser, gateway):
    needs_the_built_console()
    login(browser, gateway, "user", path="/my/backup")
    assert "user" in browser.find_element(By.CSS_SELECTOR, APP_READY).text


# -- the protocol's edges


def test_the_code_gives_a_signed_id_token_with_the_nonce_that_the_api_accepts(gateway):
    pkce = Pkce.new()
    reply = exchange(gateway, code_for(gateway, pkce, "auditor"), pkce.verifier)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Cache-Control"] == "no-store"
    tokens = reply.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0 and tokens["access_token"]
    claims = TokenVerifier.for_pool(gateway.cognito).claims(f"Bearer {tokens['id_token']}")
    assert claims["nonce"] == pkce.nonce and claims["cognito:username"] == "auditor"
    me = requests.get(f"{gateway.api_url}/me", headers={"Authorization": f"Bearer {tokens['id_token']}"},
                      timeout=30)
    assert me.status_code == 200, me.text


def test_the_token_endpoint_refuses_a_wrong_verifier_and_a_reused_code(gateway):
    pkce = Pkce.new()
    wrong = exchange(gateway, code_for(gateway, pkce), Pkce.new().verifier)
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")

    code = code_for(gateway, pkce)
    assert exchange(gateway, code, pkce.verifier).status_code == 200
    again = exchange(gateway, code, pkce.verifier)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize("change", [{"redirect_uri": "https://evil.example/callback"}, {"client_id": "another"}])
def test_the_token_endpoint_refuses_a_code_asked_for_by_another_client_or_callback(gateway, change):
    pkce = Pkce.new()
    reply = exchange(gateway, code_for(gateway, pkce), pkce.verifier, **change)
    assert (reply.status_code, reply.json()["error"]) == (400, "invalid_grant")


def test_the_token_endpoint_offers_no_refresh_tokens(gateway):
    reply = requests.post(f"{origin(gateway)}/idp/oauth2/token", data={"grant_type": "refresh_token",
                          "refresh_token": "x", "client_id": gateway.cognito.client_id}, timeout=30)
    assert (reply.status_code, reply.json()["error"]) == (400, "unsupported_grant_type")


@pytest.mark.parametrize(("user", "password"), [("admin", ""), ("nobody", "Mg-1x-whatever"), ("admin", "wrong")])
def test_a_wrong_or_empty_password_or_unknown_user_gets_the_same_answer_and_no_code(gateway, user, password):
    form = {**authorize_params(gateway, Pkce.new()), "username": user, "password": password}
    reply = requests.post(f"{origin(gateway)}/idp/login", data=form, allow_redirects=False, timeout=30)
    assert reply.status_code == 401 and "Location" not in reply.headers
    assert INCORRECT in reply.text


@pytest.mark.parametrize("change", [
    {"redirect_uri": "https://evil.example/callback"},
    {"redirect_uri": "http://127.0.0.2:1/callback"},
    {"redirect_uri": "/callback"},
    {"client_id": "someone-else"},
    {"code_challenge": ""},
    {"code_challenge_method": "plain"},
    {"response_type": "token"},
])
def test_an_authorize_request_that_is_not_the_consoles_is_refused_without_a_redirect(gateway, change):
    reply = requests.get(authorize_url(gateway, Pkce.new(), **change), allow_redirects=False, timeout=30)
    assert reply.status_code == 400 and "Location" not in reply.headers
    assert "not valid" in reply.text and 'id="username"' not in reply.text


def test_a_callback_elsewhere_on_the_consoles_own_origin_is_refused_too(gateway):
    url = authorize_url(gateway, Pkce.new(), redirect_uri=origin(gateway) + "/elsewhere")
    reply = requests.get(url, allow_redirects=False, timeout=30)
    assert reply.status_code == 400 and "redirect_uri" in reply.text


def test_the_login_form_posted_with_a_foreign_redirect_uri_is_refused(gateway):
    form = {**authorize_params(gateway, Pkce.new(), redirect_uri="https://evil.example/callback"),
            "username": "admin", "password": gateway.cognito.passwords["admin"]}
    reply = requests.post(f"{origin(gateway)}/idp/login", data=form, allow_redirects=False, timeout=30)
    assert reply.status_code == 400 and "Location" not in reply.headers


def test_config_and_discovery_name_this_servers_login_and_the_local_api(gateway):
    config = requests.get(f"{origin(gateway)}/config.json", timeout=30).json()
    assert config == web_console.config_document(api_url=gateway.api_url, authority=f"{origin(gateway)}/idp",
                                                 client_id=gateway.cognito.client_id, logout_url=None, local=True)
    discovery = requests.get(f"{config['authority']}/.well-known/openid-configuration", timeout=30).json()
    assert discovery["issuer"] == gateway.cognito.issuer
    assert discovery["authorization_endpoint"] == f"{origin(gateway)}/idp/oauth2/authorize"
    assert discovery["token_endpoint"] == f"{origin(gateway)}/idp/oauth2/token"
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["response_types_supported"] == ["code"]
    assert requests.get(discovery["jwks_uri"], timeout=30).json() == gateway.cognito.jwks()


@pytest.mark.parametrize("path", ["/", "/config.json", "/idp/.well-known/openid-configuration",
                                  "/idp/oauth2/authorize", "/no/such/page", "/idp/login.css"])
def test_every_console_answer_carries_the_security_headers(gateway, path):
    reply = requests.get(origin(gateway) + path, allow_redirects=False, timeout=30)
    policy = reply.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert gateway.api_url in policy.split("connect-src", 1)[1].split(";", 1)[0]
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("target", ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                                    "/assets/../../secret.txt", "/%2e%2e/%2e%2e/etc/passwd", "/../../etc/passwd",
                                    "/assets/%2e%2e/%2e%2e/secret.txt", "/assets/link.txt", "/.env",
                                    "/%2e%2e%5csecret.txt"])
def test_a_path_never_leaves_the_console_folder(gateway, throwaway_dist, target):
    status, _headers, body = raw_get(gateway, target)
    assert b"SECRET-OUTSIDE-DIST" not in body and b"root:" not in body and b"HIDDEN" not in body
    assert status in (200, 404), status
    if status == 200:
        assert b"THROWAWAY-INDEX" in body


def test_the_app_routes_get_index_html_and_folders_are_never_listed(gateway, throwaway_dist):
    for path in ("/", "/trace/abc", "/assets/", "/callback?code=x&state=y"):
        reply = requests.get(origin(gateway) + path, timeout=30)
        assert reply.status_code == 200 and "THROWAWAY-INDEX" in reply.text, path
        assert reply.headers["Content-Type"].startswith("text/html")
        assert reply.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(("name", "content_type"), [
    ("app-1.js", "text/javascript"), ("app-1.css", "text/css"), ("logo.svg", "image/svg+xml"),
    ("logo.png", "image/png"), ("font.woff2", "font/woff2")])
def test_the_built_files_have_their_content_types(gateway, throwaway_dist, name, content_type):
    reply = requests.get(f"{origin(gateway)}/assets/{name}", timeout=30)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].split(";")[0] == content_type
    assert "immutable" in reply.headers["Cache-Control"]


def test_a_console_that_is_not_built_says_how_to_build_it(gateway, tmp_path, monkeypatch):
    monkeypatch.setenv("MAILGATE_CONSOLE_DIST", str(tmp_path / "nothing"))
    reply = requests.get(origin(gateway) + "/", timeout=30)
    assert reply.status_code == 503 and "scripts/setup.sh serve" in reply.text
    assert reply.headers["Content-Type"].startswith("text/plain")


def test_another_host_name_is_sent_to_the_consoles_own_address(gateway):
    port = urlsplit(origin(gateway)).port
    reply = requests.get(origin(gateway) + "/trace?x=1", headers={"Host": f"localhost:{port}"},
                         allow_redirects=False, timeout=30)
    assert reply.status_code == 302 and reply.headers["Location"] == origin(gateway) + "/trace?x=1"
    posted = requests.post(f"{origin(gateway)}/idp/oauth2/token", headers={"Host": "rebound.example"},
                           data={"grant_type": "authorization_code"}, timeout=30)
    assert posted.status_code == 421


def test_logout_returns_to_the_console_and_nowhere_else(gateway):
    for target in ("https://evil.example/", "//evil.example/", ""):
        reply = requests.get(f"{origin(gateway)}/idp/logout", params={"logout_uri": target},
                             allow_redirects=False, timeout=30)
        assert (reply.status_code, reply.headers["Location"]) == (302, origin(gateway) + "/")


# -- the API, seen from the console's origin


def test_the_apis_own_refusal_can_be_read_by_the_console(gateway):
    reply = requests.get(f"{gateway.api_url}/me", headers={"Authorization": "Bearer forged",
                                                           "Origin": origin(gateway)}, timeout=30)
    assert reply.status_code == 401
    assert reply.headers["Access-Control-Allow-Origin"] == origin(gateway)
    assert reply.headers["Access-Control-Expose-Headers"] == ",".join(web_console.API_EXPOSE_HEADERS)


def test_a_preflight_reaches_the_api_function_without_a_token(gateway):
    reply = requests.options(f"{gateway.api_url}/messages", timeout=30, headers={
        "Origin": origin(gateway), "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert reply.status_code < 300, reply.text  # not the authorizer's refusal
    assert reply.headers["Access-Control-Allow-Origin"] == origin(gateway)
    assert "authorization" in reply.headers["Access-Control-Allow-Headers"].lower()


# -- what `serve` tells a newcomer


def test_the_banner_names_the_console_and_how_to_get_the_passwords(gateway):
    banner = gateway.describe()
    assert f"{origin(gateway)}/" in banner and "admin, officer, auditor or user" in banner
    shown = run_mailgate("token", "--show-passwords", "--state-dir", str(gateway.state_dir))
    assert shown.returncode == 0, shown.stderr
    lines = {line.split()[0]: line.split()[1] for line in shown.stdout.splitlines()}
    assert lines == gateway.cognito.passwords
    assert "--show-passwords" in banner
    assert json.loads((gateway.state_dir / "cognito.json").read_text())["passwords"] == lines
