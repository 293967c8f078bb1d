"""The `nbassist` command line (see API.md). Every failure is one readable line on
stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from cli import accounts, retention
from engine import audit, directory, review, versions
from engine.accounts import second_factor, users
from engine.audit import Actor
from engine.bpmn.clock import SystemClock
from engine.crypto import Cipher
from engine.db import analyse, make_engine, make_sessionmaker, migrate
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import EngineError, NeedsConfirmation
from engine.form_library import use_database_forms
from engine.retention.rules import seed_retention_rules
from engine.schedule import quarantine, scheduler
from engine.schedule.mail import MailSettings
from engine.settings import PROCESSES_DIR, Settings, generate_data_key, load_settings


def _sessions(settings: Settings) -> sessionmaker[Session]:
    audit.use_data_key(settings.data_key)
    sessions = make_sessionmaker(make_engine(settings.database_url))
    # A task whose form was imported beside its diagram may open in any process.
    use_database_forms(sessions)
    return sessions


def _session(settings: Settings) -> Session:
    return _sessions(settings)()


def report_deployed(deployed: list[versions.Deployed], out: Callable[[str], None]) -> None:
    for item in deployed:
        state = "deployed" if item.created else "unchanged"
        if item.review_state == versions.PROPOSED:
            state += ", not current: waits for another organisation's approval (/admin/proposals)"
        elif item.review_state == versions.REJECTED:
            state += ", not current: this model was rejected (see /admin/proposals)"
        elif not item.current:  # the same as a version rolled back from: say how to return
            state += f", not current (nbassist processes activate {item.process_id} {item.version})"
        out(f"process {item.process_id} v{item.version} {state}")
        for warning in item.warnings:
            out(f"  warning: {warning}")


def initialise(settings: Settings, demo: bool = False, out: Callable[[str], None] = print) -> None:
    """Create or migrate the schema, seed the directory, deploy `processes/`; idempotent."""
    migrate(settings.database_url)
    now = SystemClock().now()
    with _session(settings) as session:

        def seed() -> tuple[int, list[versions.Deployed]]:
            added = directory.seed_directory(session)
            seed_retention_rules(session, now)
            deployed = versions.deploy_directory(
                session, PROCESSES_DIR, now, Actor.system(), four_eyes=settings.four_eyes
            )
            return added, deployed

        added, deployed = in_transaction(session, seed)
    out(f"database ready: {added} organisations added")
    report_deployed(deployed, out)
    if demo:
        from cli.demo import seed_demo  # noqa: PLC0415 - demo data is optional and heavy

        seed_demo(settings, out)
    analyse(settings.database_url)  # the planner's statistics, now that the data is in


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    initialise(settings, demo=args.demo)
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from web import create_app  # noqa: PLC0415 - only `serve` needs Flask loaded

    app = create_app({"settings": settings})
    if os.environ.get("NBASSIST_SCHEDULER") == "inprocess":
        # `make run` only: production runs `nbassist scheduler run` as its own service.
        app_state = app.extensions["nbassist"]
        scheduler.start_in_process(
            app_state.sessions, app_state.services, mail=_mail_settings(settings)
        )
        print("scheduler running in this process (NBASSIST_SCHEDULER=inprocess)")
    # Threaded, like gunicorn's workers are concurrent: units of work take SQLite's
    # write lock up front and wait their turn (busy timeout), so requests never clash.
    app.run(host=args.host, port=args.port, threaded=True)
    return 0


def _mail_settings(settings: Settings) -> MailSettings:
    return MailSettings(smtp_url=settings.smtp_url, base_url=settings.base_url)


def _scheduler_parts(settings: Settings) -> tuple[sessionmaker[Session], Services]:
    sessions = _sessions(settings)
    return sessions, Services(cipher=Cipher(settings.data_key), clock=SystemClock())


def cmd_scheduler_run(args: argparse.Namespace, settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per run is noise
    sessions, services = _scheduler_parts(settings)
    scheduler.run_forever(sessions, services, args.interval, mail=_mail_settings(settings))
    return 0


def cmd_scheduler_tick(args: argparse.Namespace, settings: Settings) -> int:
    at = SystemClock().now() if args.at is None else _instant(args.at)
    sessions, services = _scheduler_parts(settings)
    report = scheduler.tick(sessions, services, at, mail=_mail_settings(settings))
    for line in report.lines():
        print(line)
    print(report.summary())
    return 0


def cmd_scheduler_quarantined(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        for held in quarantine.quarantined_cases(session):
            when = held.at.strftime("%Y-%m-%d %H:%M")
            print(f"{held.reference}  {held.process_id} v{held.version}  {when}  {held.reason}")
    return 0


def cmd_scheduler_release(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        case = in_transaction(
            session,
            lambda: quarantine.release(
                session, args.reference, SystemClock().now(), Actor.system()
            ),
        )
    print(f"released {case.reference}: the next tick runs it again")
    return 0


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise EngineError(
            f"--at {text!r} is not an ISO 8601 date-time, e.g. 2026-03-01T09:00:00Z"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def cmd_organisations(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        rows = directory.list_organisations(session, args.country, args.role)
        if args.json:
            print(json.dumps([directory.as_dict(o) for o in rows], ensure_ascii=False, indent=2))
        else:
            for o in rows:
                print(f"{o.slug:40} {o.country}  {o.name}  [{', '.join(o.roles)}]")
    return 0


def cmd_users_create(args: argparse.Namespace, settings: Settings) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
    else:
        password = None  # an API-only account: it signs in with tokens, not a password
    with _session(settings) as session:
        user = in_transaction(
            session,
            lambda: users.create_user(
                session, args.username, args.organisation, password, SystemClock().now(), args.admin
            ),
        )
        print(
            f"created {user.username} at {args.organisation}"
            + (" (administrator)" if args.admin else "")
        )
    return 0


def cmd_users_token(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        token = in_transaction(
            session, lambda: users.issue_token(session, args.username, SystemClock().now())
        )
    print(f"API token for {args.username} (shown once; keep it secret):")
    print(token)
    return 0


def cmd_users_reset_2fa(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:

        def reset() -> tuple[bool, bool]:
            is_admin = users.user_by_username(session, args.username).is_admin
            return is_admin, second_factor.reset(session, args.username, SystemClock().now())

        is_admin, cleared = in_transaction(session, reset)
    if not cleared:
        print(f"{args.username} has no second factor; nothing changed")
    elif is_admin:
        print(f"second factor of {args.username} cleared; they set up a new one at next sign-in")
    else:
        print(f"second factor of {args.username} cleared; they sign in with the password alone")
    return 0


def cmd_processes_list(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        if args.json:
            print(json.dumps(versions.library_rows(session), indent=2))
            return 0
        counts = versions.running_cases(session)
        for v in versions.list_versions(session):
            when = v.deployed_at.strftime("%Y-%m-%d %H:%M")
            mark = "current" if v.is_current else ""
            print(
                f"{v.process_id:30} v{v.version:<4} {mark:8}{counts.get(v.id, 0):>6} running  "
                f"{when}  {v.deployed_by or '':12} {v.name}"
            )
    return 0


def cmd_processes_activate(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        version = in_transaction(
            session,
            lambda: versions.activate(
                session, args.process, args.version, SystemClock().now(), Actor.system()
            ),
        )
    print(f"process {version.process_id} v{version.version} is current: new cases start on it")
    return 0


def cmd_processes_diff(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        old = versions.find_version(session, args.process, args.old)
        new = versions.find_version(session, args.process, args.new)
        for line in versions.diff_versions(old, new).lines():
            print(line)
    return 0


def cmd_processes_deploy(args: argparse.Namespace, settings: Settings) -> int:
    extra = {}
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            raise EngineError(f"{name}: no such file")
        extra[path.name] = path.read_bytes()
    confirmed = [t.strip() for t in (args.confirm_removed or "").split(",") if t.strip()]
    with _session(settings) as session:

        def deploy() -> list[versions.Deployed]:
            actor = Actor.system()
            if args.by:
                proposer = users.user_by_username(session, args.by)
                if not (proposer.is_admin and proposer.active):
                    raise EngineError(f"--by {args.by}: only an administrator proposes changes")
                actor = users.actor_for(proposer)
            return versions.deploy_directory(
                session,
                PROCESSES_DIR,
                SystemClock().now(),
                actor,
                extra=extra,
                four_eyes=settings.four_eyes,
                confirmed_removals=confirmed,
            )

        try:
            deployed = in_transaction(session, deploy)
        except NeedsConfirmation as refused:
            for line in refused.details:
                print(line)
            print(
                f"nbassist: {refused.message}; to deploy anyway, add "
                f"--confirm-removed {','.join(refused.confirm)}",
                file=sys.stderr,
            )
            return 1
    report_deployed(deployed, print)
    return 0


def cmd_processes_proposals(args: argparse.Namespace, settings: Settings) -> int:
    with _session(settings) as session:
        found = review.proposals(session)
        for proposal in found:
            v = proposal.version
            by = f"{v.deployed_by} ({v.proposed_by_org or 'no organisation'})"
            print(f"{v.process_id} v{v.version} proposed by {by} over v{v.proposed_over}")
            for line in v.review_diff or []:
                print(f"  {line}")
            for entry in proposal.entries:
                if entry.kind == "comment":
                    print(f"  comment by {entry.username}: {entry.body}")
        if not found:
            print("no proposals wait for approval")
    return 0


def cmd_keys_generate(args: argparse.Namespace, settings: Settings | None) -> int:
    print(generate_data_key())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nbassist", description="Nordic Baltic Assist")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "init", help="create or migrate the database, deploy processes, seed the directory"
    )
    p.add_argument("--demo", action="store_true", help="add demo users and cases")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="run the web application (development server)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.set_defaults(func=cmd_serve)

    orgs = sub.add_parser("organisations", help="the directory").add_subparsers(
        dest="action", required=True
    )
    p = orgs.add_parser("list")
    p.add_argument("--country")
    p.add_argument("--role")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_organisations)

    users = sub.add_parser("users", help="staff accounts").add_subparsers(
        dest="action", required=True
    )
    p = users.add_parser("create")
    p.add_argument("username")
    p.add_argument("--organisation", required=True, metavar="SLUG")
    p.add_argument("--admin", action="store_true")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd_users_create)
    p = users.add_parser("token")
    p.add_argument("username")
    p.set_defaults(func=cmd_users_token)
    p = users.add_parser("reset-2fa", help="clear a lost second factor (audited)")
    p.add_argument("username")
    p.set_defaults(func=cmd_users_reset_2fa)

    procs = sub.add_parser("processes", help="the process library").add_subparsers(
        dest="action", required=True
    )
    p = procs.add_parser("list")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_processes_list)
    p = procs.add_parser("activate", help="make a deployed version the one new cases start on")
    p.add_argument("process")
    p.add_argument("version", type=int)
    p.set_defaults(func=cmd_processes_activate)
    p = procs.add_parser("diff", help="the tasks added, removed and changed between versions")
    p.add_argument("process")
    p.add_argument("old", type=int)
    p.add_argument("new", type=int)
    p.set_defaults(func=cmd_processes_diff)
    p = procs.add_parser(
        "deploy", help="deploy, or with four eyes propose, changed diagrams (and their forms)"
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--by", metavar="USERNAME", help="the administrator proposing the change")
    p.add_argument(
        "--confirm-removed",
        metavar="TASK[,TASK]",
        help="confirm that the new version drops these relied-on tasks (the diff was read)",
    )
    p.set_defaults(func=cmd_processes_deploy)
    p = procs.add_parser("proposals", help="changes waiting for another organisation's approval")
    p.set_defaults(func=cmd_processes_proposals)

    sched = sub.add_parser("scheduler", help="timers, reminders, escalations").add_subparsers(
        dest="action", required=True
    )
    p = sched.add_parser("run", help="the long-running scheduler process")
    p.add_argument("--interval", type=float, default=30, metavar="SECONDS")
    p.set_defaults(func=cmd_scheduler_run)
    p = sched.add_parser("tick", help="one pass as of an instant, then exit")
    p.add_argument("--at", metavar="ISO-8601", help="the instant (default: now); UTC if no offset")
    p.set_defaults(func=cmd_scheduler_tick)
    sched.add_parser("quarantined", help="the cases set aside").set_defaults(
        func=cmd_scheduler_quarantined
    )
    p = sched.add_parser("release", help="let the scheduler run a quarantined case again")
    p.add_argument("reference")
    p.set_defaults(func=cmd_scheduler_release)

    accounts.add_commands(sub, users)
    retention.add_commands(sub, _instant)

    keys = sub.add_parser("keys", help="secrets").add_subparsers(dest="action", required=True)
    keys.add_parser("generate").set_defaults(func=cmd_keys_generate, needs_settings=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings() if getattr(args, "needs_settings", True) else None
        return int(args.func(args, settings))
    except EngineError as error:
        fields = getattr(error, "fields", None) or {}
        details = "".join(f"; {name}: {why}" for name, why in fields.items())
        print(f"nbassist: {error.message}{details}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        print(f"nbassist: database error: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
