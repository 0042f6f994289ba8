"""The pages of local mode's stand-in for Cognito's hosted login: the sign-in form and the refusal page.

Server-rendered HTML that passes the console's own Content-Security-Policy: no inline script, no style
attribute, one stylesheet served from the same origin (`STYLESHEET_PATH`). Every field has a label; every value
written into a page is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

STYLESHEET_PATH = "/idp/login.css"
INCORRECT = "Incorrect user name or password."  # Cognito's words, which never say which of the two was wrong

STYLESHEET = """\
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
main { width: min(24rem, 90vw); padding: 2rem; border: 1px solid GrayText; border-radius: 0.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 0.25rem; }
h2 { font-size: 1rem; font-weight: normal; margin: 0 0 1.5rem; }
label { display: block; margin: 1rem 0 0.25rem; font-weight: 600; }
input[type=text], input[type=password] { box-sizing: border-box; width: 100%; padding: 0.5rem; font: inherit; }
button { margin-top: 1.5rem; width: 100%; padding: 0.6rem; font: inherit; font-weight: 600; cursor: pointer; }
.error { border-left: 0.25rem solid #b3261e; padding: 0.5rem 0.75rem; margin: 0 0 1rem; }
.hint { font-size: 0.85rem; margin-top: 1.5rem; }
code { font-size: 0.85rem; }
"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{STYLESHEET_PATH}">\n'
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def login_page(hidden: Mapping[str, str], username: str = "", error: str | None = None,
               passwords_hint: str = "") -> str:
    """The sign-in form: `username`, `password`, "Sign in", posting the authorization request back with it."""
    fields = "\n".join(f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
                       for name, value in hidden.items())
    alert = f'<p class="error" role="alert" id="login-error">{escape(error)}</p>\n' if error else ""
    hint = f'<p class="hint">{escape(passwords_hint)}</p>\n' if passwords_hint else ""
    return _page("Sign in · mailgate", (
        "<h1>mailgate</h1>\n<h2>Sign in to the web console (local mode)</h2>\n"
        f"{alert}"
        '<form method="post" action="/idp/login">\n'
        f"{fields}\n"
        '<label for="username">User name</label>\n'
        f'<input type="text" id="username" name="username" value="{escape(username)}" autocomplete="username" '
        'autocapitalize="none" spellcheck="false" required>\n'
        '<label for="password">Password</label>\n'
        '<input type="password" id="password" name="password" autocomplete="current-password" required>\n'
        '<button type="submit" id="sign-in">Sign in</button>\n'
        "</form>\n"
        f"{hint}"
    ))


def refusal_page(reason: str) -> str:
    """An authorization request that gets no form (400): says why, and sends the browser nowhere."""
    return _page("Sign-in request refused · mailgate", (
        "<h1>This sign-in request is not valid</h1>\n"
        f'<p id="refusal">{escape(reason)}</p>\n'
        "<p>Open the web console's address again to start a new sign-in.</p>"
    ))
