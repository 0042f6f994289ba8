"""Users and tokens for local mode from moto's Cognito, and what API Gateway's authorizer does with them.

`LocalCognito.create` makes a user pool with the four role groups and one user per role (random
passwords, written to the state folder for `mailgate token`). `TokenVerifier` checks a Bearer ID
token the way API Gateway's Cognito authorizer does: RS256 signature, issuer, audience (the app client),
expiry and `token_use`.

What local mode trusts: moto signs every pool's tokens with one private key that ships inside moto (key id
`dummy`), so anyone could mint an Administrator token with it. Local mode therefore signs the ID tokens it
hands out (`mailgate token`) with a key of its own, made on the first start and kept in the state folder (mode
0600), and its authorizer accepts only that key. Whoever can read the state folder can make tokens. Each start
makes a new pool in moto (a new issuer): a restart keeps the key and trusts the pools of the last runs, so a
token fetched before a restart works until it expires; one signed with a key no longer kept is refused with
the command that fetches a new one.

moto also does not enforce an app client's write attributes. Cognito does: a user's own access token cannot
change `email` or `custom:addresses` (the pool's app client may not write them, as the CDK construct says),
so local mode applies the same rule to moto's UpdateUserAttributes.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jwt

from mailgate.api.roles import Role

# user name → (group, e-mail address)
LOCAL_USERS: dict[str, tuple[Role, str]] = {
    "admin": (Role.ADMINISTRATOR, "admin@mailgate.local"),
    "officer": (Role.SECURITY_OFFICER, "officer@mailgate.local"),
    "auditor": (Role.AUDITOR, "auditor@mailgate.local"),
    "user": (Role.PERSONAL_USER, "bob@example.test"),
}


EARLIER_POOLS = 24  # restarts whose tokens stay valid (a token lives an hour)
NEW_TOKEN = "fetch a new one with `mailgate token --user <name>`"  # noqa: S105 - words, not a password


class InvalidToken(Exception):
    """The token is missing, forged, expired or not an ID token of our pool: 401."""


# What the app client may write, as in the CDK construct: never what says which mail is the user's.
CLIENT_WRITE_ATTRIBUTES = ["name"]
CLIENT_READ_ATTRIBUTES = ["email", "email_verified", "name", "custom:addresses"]


@dataclass
class LocalCognito:
    endpoint: str  # moto's URL
    region: str
    pool_id: str
    client_id: str
    passwords: dict[str, str] = field(default_factory=dict)
    signing_key: str = ""  # PEM of this state folder's token key (never moto's bundled one)
    key_id: str = ""
    earlier_pools: list[list[str]] = field(default_factory=list)  # [pool id, client id] of earlier runs

    def carry_over(self, earlier: LocalCognito) -> None:
        """Keep an earlier run's key and trust the tokens of its pools: a restart does not log anyone out."""
        if earlier.signing_key and earlier.key_id:
            self.signing_key, self.key_id = earlier.signing_key, earlier.key_id
            pools = [*earlier.earlier_pools, [earlier.pool_id, earlier.client_id]]
            self.earlier_pools = [list(p) for p in pools if p[0] != self.pool_id][-EARLIER_POOLS:]

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"

    @classmethod
    def create(cls, endpoint: str, region: str, users: dict[str, tuple[Role, str]] | None = None) -> LocalCognito:
        from mailgate.aws.clients import client  # noqa: PLC0415

        idp = client("cognito-idp")
        pool_id = idp.create_user_pool(
            PoolName="mailgate-local",
            Schema=[{"Name": "addresses", "AttributeDataType": "String", "Mutable": True}],
            UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
        )["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="mailgate-admin-api", ReadAttributes=CLIENT_READ_ATTRIBUTES,
            WriteAttributes=CLIENT_WRITE_ATTRIBUTES,
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        for role in Role:
            idp.create_group(UserPoolId=pool_id, GroupName=role.value)
        enforce_client_write_attributes()
        cognito = cls(endpoint, region, pool_id, client_id, signing_key=_new_key(), key_id=secrets.token_hex(8))
        for name, (role, address) in (users or LOCAL_USERS).items():
            cognito.add_user(name, address, role)
        return cognito

    def add_user(self, name: str, address: str, *roles: Role) -> None:
        from mailgate.aws.clients import client  # noqa: PLC0415

        idp = client("cognito-idp")
        password = "Mg-1x" + secrets.token_urlsafe(18)  # upper, lower, digit and symbol: the default policy
        idp.admin_create_user(UserPoolId=self.pool_id, Username=name, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": address},
                                              {"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=self.pool_id, Username=name, Password=password, Permanent=True)
        for role in roles:
            idp.admin_add_user_to_group(UserPoolId=self.pool_id, Username=name, GroupName=role.value)
        self.passwords[name] = password

    def token(self, user: str, password: str | None = None) -> str:
        """An ID token for the user: what a browser gets from the hosted UI, what API Gateway checks. moto
        issues it; local mode signs its claims again with this run's key (see the module's docstring)."""
        return self.sign(self.tokens(user, password)["IdToken"])

    def tokens(self, user: str, password: str | None = None) -> dict[str, str]:
        """moto's AuthenticationResult for the user (its AccessToken is what a user changes attributes with)."""
        from mailgate.aws.clients import client  # noqa: PLC0415

        reply = client("cognito-idp").admin_initiate_auth(
            UserPoolId=self.pool_id, ClientId=self.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": password or self.passwords[user]})
        return dict(reply["AuthenticationResult"])

    def sign(self, moto_token: str) -> str:
        claims = jwt.decode(moto_token, options={"verify_signature": False})  # straight from moto on loopback
        return jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": self.key_id})

    def jwks(self) -> dict[str, Any]:
        """This run's public key, as a user pool publishes its keys."""
        public = jwt.algorithms.RSAAlgorithm.to_jwk(_private(self.signing_key).public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.key_id, "alg": "RS256", "use": "sig"}]}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))
        path.chmod(0o600)

    @classmethod
    def load(cls, path: Path) -> LocalCognito:
        return cls(**json.loads(path.read_text()))


class TokenVerifier:
    def __init__(self, jwks: dict[str, Any], issuer: str, audience: str,
                 earlier: list[tuple[str, str]] | None = None) -> None:
        self.keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys}
        self.issuer = issuer
        self.audience = audience
        self.earlier = dict(earlier or [])  # issuer → audience of the pools of earlier runs, same key

    @classmethod
    def for_pool(cls, cognito: LocalCognito) -> TokenVerifier:
        """Trusts the state folder's key only: a token signed with moto's bundled key is refused."""
        earlier = [(f"https://cognito-idp.{cognito.region}.amazonaws.com/{pool}", client)
                   for pool, client in cognito.earlier_pools]
        return cls(cognito.jwks(), cognito.issuer, cognito.client_id, earlier)

    def claims(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of `Authorization: Bearer <token>`; InvalidToken otherwise."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("expected 'Authorization: Bearer <ID token>'")
        try:
            key = self.keys.get(jwt.get_unverified_header(token.strip()).get("kid"))
            if key is None:
                raise InvalidToken("the token was not signed by this user pool (it may come from a run of the "
                                   f"local gateway whose state folder is gone): {NEW_TOKEN}")
            issuer = str(jwt.decode(token.strip(), options={"verify_signature": False}).get("iss", ""))
            issuer = issuer if issuer in self.earlier else self.issuer
            claims: dict[str, Any] = jwt.decode(
                token.strip(), key=key, algorithms=["RS256"], issuer=issuer,
                audience=self.earlier.get(issuer, self.audience),
                options={"require": ["exp", "iss", "sub", "token_use"]})
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken(f"invalid token: {exc}: {NEW_TOKEN}") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken(f"invalid token: {exc}: it was issued by an earlier run of the local gateway "
                               f"that this one no longer trusts; {NEW_TOKEN}") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc
        if claims.get("token_use") != "id":
            raise InvalidToken("an ID token is required")
        return claims


def _new_key() -> str:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _private(pem: str) -> Any:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    return serialization.load_pem_private_key(pem.encode(), password=None)


def enforce_client_write_attributes() -> None:
    """moto's UpdateUserAttributes (a user's own access token) made to honour the app client's WriteAttributes,
    as Cognito does ("A client attempted to write unauthorized attribute"). Once per process."""
    from moto.cognitoidp.exceptions import NotAuthorizedError  # noqa: PLC0415
    from moto.cognitoidp.models import CognitoIdpBackend  # noqa: PLC0415

    original = CognitoIdpBackend.update_user_attributes
    if getattr(original, "mailgate_enforced", False):
        return

    def update_user_attributes(self: Any, access_token: str, attributes: list[dict[str, str]]) -> None:
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                client_id, _user = pool.access_tokens[access_token]
                allowed = pool.clients[client_id].extended_config.get("WriteAttributes")
                if allowed is not None and any(a["Name"] not in allowed for a in attributes):
                    raise NotAuthorizedError("A client attempted to write unauthorized attribute")
        original(self, access_token, attributes)

    update_user_attributes.mailgate_enforced = True  # type: ignore[attr-defined]
    CognitoIdpBackend.update_user_attributes = update_user_attributes  # type: ignore[method-assign]


def authorizer_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as API Gateway's Cognito authorizer passes them: every value a string, lists joined."""
    return {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in claims.items()}
