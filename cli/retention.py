"""`nbassist retention apply` (API.md): erase the personal data of cases past their
country's retention period, keeping the anonymised history; `--dry-run` only says what
it would erase. Audited as done by the system."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime

from engine import audit
from engine.audit import Actor
from engine.bpmn.clock import SystemClock
from engine.db import make_engine, make_sessionmaker
from engine.retention.erasure import apply_retention, reclaim_space
from engine.settings import Settings


def cmd_retention_apply(
    args: argparse.Namespace, settings: Settings, instant: Callable[[str], datetime]
) -> int:
    at = SystemClock().now() if args.at is None else instant(args.at)
    audit.use_data_key(settings.data_key)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            report = apply_retention(session, Actor.system(), at, dry_run=args.dry_run)
        warning = reclaim_space(engine) if report.erased and not args.dry_run else None
    finally:
        engine.dispose()
    for line in report.lines(args.dry_run):
        print(line)
    if warning:
        print(warning, file=sys.stderr)
    return 0


def add_commands(
    sub: argparse._SubParsersAction,
    instant: Callable[[str], datetime],
) -> None:
    retention = sub.add_parser("retention", help="retention periods and erasure").add_subparsers(
        dest="action", required=True
    )
    p = retention.add_parser(
        "apply", help="erase the personal data of cases past their country's retention period"
    )
    p.add_argument("--at", help="as of this ISO 8601 instant (default: now)")
    p.add_argument(
        "--dry-run", action="store_true", help="say what would be erased; change nothing"
    )
    p.set_defaults(func=lambda args, settings: cmd_retention_apply(args, settings, instant))
