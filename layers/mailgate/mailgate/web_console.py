"""What the web console is served with, in AWS (CloudFront) and in local mode alike: its security headers
and the `config.json` that tells the single-page application where the API and the login are.

The console is static files; everything it knows at run time comes from `config.json`, so one build serves
every deployment. The headers forbid inline script and framing, and let the page talk only to its own origin,
the admin API and the login service.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mailgate.environment import Env

CONFIG_FILE = "config.json"
CALLBACK_PATH = "/callback"  # where the login sends the browser back with the authorization code
SCOPES = "openid email profile"
# What the console sends the admin API and reads from its answers: the CORS the API allows, in API Gateway's
# preflight (the CDK construct) and in the function's own answers (mailgate.api.app) alike.
API_ALLOW_HEADERS = ("Authorization", "Content-Type")
API_EXPOSE_HEADERS = ("X-Next-Cursor",)
PREFLIGHT_MAX_AGE_SECONDS = 600


def content_security_policy(connect: list[str]) -> str:
    """No inline script or style, no plug-ins, no framing; `connect` are the API's and the login's origins."""
    sources = " ".join(["'self'", *connect])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src {sources}",
        "object-src 'none'",
        "base-uri 'none'",
        f"form-action {sources}",
        "frame-ancestors 'none'",
    ])


HSTS_SECONDS = 63072000  # two years, as hstspreload.org asks


def security_headers(connect: list[str]) -> dict[str, str]:
    """The response headers of every console file (CloudFront's response headers policy says the same)."""
    return {
        "Content-Security-Policy": content_security_policy(connect),
        "Strict-Transport-Security": f"max-age={HSTS_SECONDS}; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


def config_document(api_url: str, authority: str, client_id: str, logout_url: str | None,
                    local: bool = False) -> dict[str, Any]:
    """`config.json`: the API's base URL, the OpenID Connect authority (the user pool's issuer, whose
    discovery document names the login's endpoints), the console's app client, and where sign-out goes."""
    return {"apiUrl": api_url.rstrip("/"), "authority": authority, "clientId": client_id, "scope": SCOPES,
            "callbackPath": CALLBACK_PATH, "logoutUrl": logout_url, "local": local}


def dist_folder() -> Path:
    """The console's production build: `console/dist` of this checkout (`scripts/setup.sh` builds it), or
    `$MAILGATE_CONSOLE_DIST`."""
    configured = os.environ.get("MAILGATE_CONSOLE_DIST")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "console" / "dist"


def console_origin(environ: Mapping[str, str] = os.environ) -> str | None:
    """The one origin the admin API answers CORS for (`MAILGATE_CONSOLE_ORIGIN`), or None: no CORS headers.

    An origin is a scheme and a host (and port), nothing else; `*` or a URL with a path is a deployment
    defect and stops the cold start rather than opening the API to every page or to none."""
    value = environ.get(Env.CONSOLE_ORIGIN, "").strip()
    if not value:
        return None
    parts = urlsplit(value.rstrip("/"))
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise ValueError(f"{Env.CONSOLE_ORIGIN} must be the console's origin, e.g. https://console.example.org "
                         f"(a scheme and a host, no path, never '*'): {value!r}")
    return f"{parts.scheme}://{parts.netloc}"
