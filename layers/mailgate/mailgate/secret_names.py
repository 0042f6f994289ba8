"""Where each kind of secret lives in Secrets Manager: one name prefix per use, so that each function may
read only the secrets it needs (its IAM policy and its secret reader both say so).

An administrator names secrets in settings (a DKIM key, an SMTP login, an LDAP bind password). Without
these bounds a setting could name any secret of the gateway and send it where the administrator points
(an LDAP bind to a host they control carries the password): an Administrator must not be able to read
every secret through a setting.
"""

from __future__ import annotations

import re

ROOT = "mailgate/"
LDAP = f"{ROOT}ldap/"  # LDAP/AD bind passwords (the admin API writes them, ldap_sync reads them)
DKIM = f"{ROOT}dkim/"  # DKIM signing keys (PEM)
ARC = f"{ROOT}arc/"  # the ARC sealing key (PEM)
SMTP = f"{ROOT}smtp/"  # SMTP relay logins: JSON {"username", "password"}
LINKS = f"{ROOT}links/"  # the digest links' signing keys: JSON {"keys": [oldest, ..., newest]}
LINK_KEYS = f"{LINKS}keys"  # the one secret there (the api function reads it)
DELIVERY = (DKIM, ARC, SMTP)  # what the rules function reads when it signs, seals and relays

_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")  # Secrets Manager's name characters (never an ARN)


def is_under(name: str, prefixes: tuple[str, ...]) -> bool:
    """Whether `name` is a plain secret name below one of `prefixes` (an ARN or a name elsewhere is not)."""
    return bool(_NAME.match(name)) and any(name.startswith(p) and len(name) > len(p) for p in prefixes)
