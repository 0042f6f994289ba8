"""Users and tokens for local mode from moto's Cognito, and what API Gateway's authorizer does with them.

`LocalCognito.create` makes a user pool with the four role groups and one user per role (random
passwords, written to the state folder for `mailgate token`). `TokenVerifier` checks a Bearer ID
token the way API Gateway's Cognito authorizer does: RS256 signature against the pool's JWKS,
issuer, audience (the app client), expiry and `token_use`.
"""

from __future__ import annotations

import json
import secrets
import urllib.request
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


class InvalidToken(Exception):
    """The token is missing, forged, expired or not an ID token of our pool: 401."""


@dataclass
class LocalCognito:
    endpoint: str  # moto's URL
    region: str
    pool_id: str
    client_id: str
    passwords: dict[str, str] = field(default_factory=dict)

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
        pool_id = idp.create_user_pool(PoolName="mailgate-local")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="mailgate-admin-api", ReadAttributes=["email"],
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        for role in Role:
            idp.create_group(UserPoolId=pool_id, GroupName=role.value)
        cognito = cls(endpoint, region, pool_id, client_id)
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
        """An ID token for the user: what a browser gets from the hosted UI, what API Gateway checks."""
        from mailgate.aws.clients import client  # noqa: PLC0415

        reply = client("cognito-idp").admin_initiate_auth(
            UserPoolId=self.pool_id, ClientId=self.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": password or self.passwords[user]})
        return str(reply["AuthenticationResult"]["IdToken"])

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))
        path.chmod(0o600)

    @classmethod
    def load(cls, path: Path) -> LocalCognito:
        return cls(**json.loads(path.read_text()))


class TokenVerifier:
    def __init__(self, jwks: dict[str, Any], issuer: str, audience: str) -> None:
        self.keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys}
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def for_pool(cls, cognito: LocalCognito) -> TokenVerifier:
        with urllib.request.urlopen(cognito.jwks_url, timeout=10) as reply:  # noqa: S310 - moto on loopback
            jwks = json.loads(reply.read())
        return cls(jwks, cognito.issuer, cognito.client_id)

    def claims(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of `Authorization: Bearer <token>`; InvalidToken otherwise."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("expected 'Authorization: Bearer <ID token>'")
        try:
            key = self.keys.get(jwt.get_unverified_header(token.strip()).get("kid"))
            if key is None:
                raise InvalidToken("the token was not signed by this user pool")
            claims: dict[str, Any] = jwt.decode(
                token.strip(), key=key, algorithms=["RS256"], issuer=self.issuer, audience=self.audience,
                options={"require": ["exp", "iss", "sub", "token_use"]})
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc
        if claims.get("token_use") != "id":
            raise InvalidToken("an ID token is required")
        return claims


def authorizer_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as API Gateway's Cognito authorizer passes them: every value a string, lists joined."""
    return {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in claims.items()}
