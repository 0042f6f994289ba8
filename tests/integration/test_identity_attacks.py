"""Who a caller is and what they may change, as an attacker with a token of their own would probe it."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from pathlib import Path

import jwt
import pytest

from mailgate.api.roles import Role
from mailgate.local.api_server import call
from tests.support.cognito import api

pytestmark = pytest.mark.integration


def test_an_auditor_changes_nothing_not_even_their_own_personal_lists(gateway) -> None:
    status, own = api(gateway, "GET", "/lists/personal", role=Role.AUDITOR)
    assert status == 200
    status, reply = api(gateway, "PUT", "/lists/personal", role=Role.AUDITOR,
                        body={"version": own["version"], "allow": ["friend@partner.test"], "deny": []})
    assert (status, reply["error"]) == (403, "forbidden")
    assert api(gateway, "GET", "/lists/personal", role=Role.AUDITOR)[1]["allow"] == own["allow"]
    status, mine = api(gateway, "GET", "/lists/personal", role=Role.PERSONAL_USER)
    status, saved = api(gateway, "PUT", "/lists/personal", role=Role.PERSONAL_USER,
                        body={"version": mine["version"], "allow": mine["allow"], "deny": mine["deny"]})
    assert status == 200, saved


def _held_for(owner: str, tag: str) -> None:
    from mailgate.aws.backup_table import DynamoBackupIndex
    from mailgate.backup.model import BackupRecord
    from mailgate.local.gateway import BACKUP_TABLE

    DynamoBackupIndex(BACKUP_TABLE).put(BackupRecord(f"{tag}.{owner}", f"m-{tag}", (owner,), "x@sender.test",
                                                     "held", "test", f"incoming/m-{tag}"))


def _backup_of(gateway, bearer: str, tag: str) -> list[str]:
    status, _headers, raw = call("GET", f"{gateway.api_url}/backup?limit=500", bearer)
    assert status == 200, raw
    return [i["backup_id"] for i in json.loads(raw)["items"] if i["message_id"] == f"m-{tag}"]


def test_a_personal_user_cannot_make_a_colleagues_address_their_own(gateway) -> None:
    """The attack: with their own access token, a user sets `email` (or `custom:addresses`) to a colleague's
    address, takes a new ID token and reads Backup. The pool's app client may not write either attribute."""
    from mailgate.aws.clients import client

    tag = uuid.uuid4().hex[:8]
    for owner in ("bob@example.test", "carol@example.test"):
        _held_for(owner, tag)
    idp = client("cognito-idp")
    access = gateway.cognito.tokens("user")["AccessToken"]
    for attribute in ("email", "custom:addresses"):
        with pytest.raises(idp.exceptions.NotAuthorizedException, match="unauthorized attribute"):
            idp.update_user_attributes(AccessToken=access,
                                       UserAttributes=[{"Name": attribute, "Value": "carol@example.test"}])
    assert _backup_of(gateway, gateway.cognito.token("user"), tag) == [f"{tag}.bob@example.test"]


def test_an_unverified_email_gives_no_mailbox(gateway) -> None:
    """Defence in depth in the API: an address the pool has not verified is not the caller's."""
    from mailgate.aws.clients import client

    tag = uuid.uuid4().hex[:8]
    _held_for("carol@example.test", tag)
    name = f"mallory{tag}"
    gateway.cognito.add_user(name, "carol@example.test", Role.PERSONAL_USER)
    client("cognito-idp").admin_update_user_attributes(
        UserPoolId=gateway.cognito.pool_id, Username=name,
        UserAttributes=[{"Name": "email_verified", "Value": "false"}])
    status, _headers, raw = call("GET", f"{gateway.api_url}/backup?limit=500", gateway.cognito.token(name))
    assert status == 403 and b"no e-mail address" in raw  # carol's mail is not theirs: no mailbox at all


def test_a_token_signed_with_motos_bundled_key_is_refused(gateway) -> None:
    """moto signs every pool's tokens with one key it ships; local mode trusts only its own per-run key."""
    import moto.cognitoidp

    bundled = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-private.json.gz"
    jwk = json.loads(gzip.decompress(bundled.read_bytes()))
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
    claims = {"sub": "forged", "cognito:username": "forged", "cognito:groups": ["Administrator"],
              "email": "forged@example.test", "email_verified": True, "token_use": "id",
              "iss": gateway.cognito.issuer, "aud": gateway.cognito.client_id, "exp": int(time.time()) + 600}
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": jwk.get("kid", "dummy")})
    status, _headers, raw = call("GET", f"{gateway.api_url}/settings/general", forged)
    assert (status, json.loads(raw)["error"]) == (401, "unauthorized")
    assert call("GET", f"{gateway.api_url}/settings/general", gateway.cognito.token("admin"))[0] == 200
