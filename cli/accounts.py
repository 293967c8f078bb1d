"""The `nbassist` commands that end access and check the audit trail (API.md):
deactivating a person, setting her password, listing and revoking API tokens, and
`audit verify`. Each change is one unit of work, audited as done by the system."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from sqlalchemy.orm import Session

from engine import audit
from engine.accounts import users
from engine.audit import Actor
from engine.bpmn.clock import SystemClock
from engine.db import make_engine, make_sessionmaker
from engine.db.unit_of_work import in_transaction
from engine.errors import EngineError
from engine.models import ApiToken
from engine.settings import Settings


def _session(settings: Settings) -> Session:
    audit.use_data_key(settings.data_key)
    return make_sessionmaker(make_engine(settings.database_url))()


def cmd_users_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        in_transaction(
            session,
            lambda: users.deactivate(session, args.username, SystemClock().now(), Actor.system()),
        )
    print(f"{args.username} deactivated: signed out everywhere, API tokens revoked")
    return 0


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise EngineError("give the password with --password-stdin")
    password = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != password:
        raise EngineError("the two passwords are not the same")
    return password


def cmd_users_password(args: argparse.Namespace, settings: Settings) -> int:
    password = _new_password(args.password_stdin)
    with _session(settings) as session:

        def change() -> int:
            user = users.user_by_username(session, args.username)
            return users.set_password(session, user, password, SystemClock().now(), Actor.system())

        ended = in_transaction(session, change)
    print(f"password of {args.username} set; {ended} session(s) ended")
    return 0


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def token_row(token: ApiToken) -> dict[str, Any]:
    """What is shown of a token: never the secret, which is not kept anyway."""
    return {
        "id": token.id,
        "created_at": _iso(token.created_at),
        "last_used_at": _iso(token.last_used_at),
        "expires_at": _iso(token.expires_at),
        "revoked_at": _iso(token.revoked_at),
    }


def cmd_users_tokens(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        rows = [token_row(token) for token in users.tokens_of(session, args.username)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"{args.username} has no API tokens")
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        used = row["last_used_at"] or "never"
        print(
            f"{row['id']:>6}  created {row['created_at']}  last used {used}"
            f"  expires {row['expires_at'] or 'never'}  {state}"
        )
    return 0


def cmd_tokens_revoke(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        in_transaction(
            session,
            lambda: users.revoke_token(session, args.token_id, SystemClock().now(), Actor.system()),
        )
    print(f"API token {args.token_id} revoked")
    return 0


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        report = audit.verify_trail(session)
    first = report.first
    if first is None:
        print(f"audit trail intact: {report.events} events in {report.chains} chains")
        return 0
    more = len(report.problems) - 1
    print(
        f"audit trail broken: {first.line()}"
        + (f" ({more} more problem{'s' if more > 1 else ''} after it)" if more else ""),
        file=sys.stderr,
    )
    return 1


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    users_sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    p = users_sub.add_parser("deactivate", help="end a person's access at once (audited)")
    p.add_argument("username")
    p.set_defaults(func=cmd_users_deactivate)
    p = users_sub.add_parser("password", help="set a new password; ends her sessions")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd_users_password)
    p = users_sub.add_parser("tokens", help="list a person's API tokens (never the secret)")
    p.add_argument("username")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_users_tokens)

    tokens = sub.add_parser("tokens", help="API tokens").add_subparsers(
        dest="action", required=True
    )
    p = tokens.add_parser("revoke", help="revoke an API token at once (audited)")
    p.add_argument("token_id", type=int, metavar="TOKEN_ID")
    p.set_defaults(func=cmd_tokens_revoke)

    checks = sub.add_parser("audit", help="the audit trail").add_subparsers(
        dest="action", required=True
    )
    checks.add_parser("verify", help="check every event and chain").set_defaults(
        func=cmd_audit_verify
    )
