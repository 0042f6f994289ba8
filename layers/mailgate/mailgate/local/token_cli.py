"""`mailgate token --user admin`: an ID token from the running local gateway's user pool, for curl;
`mailgate token --show-passwords`: the local users' passwords, for the web console's sign-in form."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from mailgate.local.cognito import LOCAL_USERS


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("token", help="print an admin API token of the running local gateway")
    parser.add_argument("--user", default="admin", choices=sorted(LOCAL_USERS),
                        help="admin (Administrator), officer (SecurityOfficer), auditor (Auditor), "
                             "user (PersonalUser, bob@example.test)")
    parser.add_argument("--state-dir", type=Path, default=Path(".mailgate"),
                        help="the local gateway's state folder (default .mailgate)")
    parser.add_argument("--show-passwords", action="store_true",
                        help="print each local user's password (for the web console's sign-in) instead of a token "
                             "(default: print a token)")
    parser.set_defaults(func=run)


class NoLocalGateway(Exception):
    """No state folder of a running local gateway where one was expected; the message says what to do."""


def local_token(state_dir: Path, user: str) -> str:
    """An ID token of one of the local gateway's users, made with its state folder's key."""
    from mailgate.local.cognito import LocalCognito  # noqa: PLC0415

    saved = state_dir / "cognito.json"
    if not saved.is_file():
        raise NoLocalGateway(f"{saved} not found: is `mailgate serve` running with this state folder?")
    if user not in LOCAL_USERS:
        raise NoLocalGateway(f"no local user {user!r}: one of {', '.join(sorted(LOCAL_USERS))}")
    cognito = LocalCognito.load(saved)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ["AWS_ENDPOINT_URL"] = cognito.endpoint
    os.environ["AWS_DEFAULT_REGION"] = cognito.region
    return cognito.token(user)


def local_passwords(state_dir: Path) -> dict[str, str]:
    """The local users' passwords, from the state folder (readable by its owner only, as the key is)."""
    from mailgate.local.cognito import LocalCognito  # noqa: PLC0415

    saved = state_dir / "cognito.json"
    if not saved.is_file():
        raise NoLocalGateway(f"{saved} not found: is `mailgate serve` running with this state folder?")
    return dict(LocalCognito.load(saved).passwords)


def run(args: argparse.Namespace) -> int:
    try:
        if args.show_passwords:
            for user, password in local_passwords(args.state_dir).items():
                role = LOCAL_USERS[user][0].value if user in LOCAL_USERS else ""
                print(f"{user:<8} {password}  {role}".rstrip())
            return 0
        print(local_token(args.state_dir, args.user))
    except NoLocalGateway as exc:
        raise SystemExit(f"mailgate token: {exc}") from None
    return 0
