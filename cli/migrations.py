"""`nbassist processes migrate` and `revert-migration`: moving running cases to another
deployed version of their process (engine/case/migration.py) from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from engine import audit
from engine.audit import Actor
from engine.bpmn.clock import SystemClock
from engine.case import migration
from engine.crypto import Cipher
from engine.db import make_engine, make_sessionmaker
from engine.db.context import Services
from engine.settings import Settings


def _services(settings: Settings) -> Services:
    audit.use_data_key(settings.data_key)
    return Services(cipher=Cipher(settings.data_key), clock=SystemClock())


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    services = _services(settings)
    chosen = migration.Selection(
        args.process, args.source, args.target, args.case, args.country, args.stage
    )
    with make_sessionmaker(make_engine(settings.database_url))() as session:
        if args.dry_run:
            results = migration.plan(session, services, chosen)
        else:
            results = migration.migrate(session, services, Actor.system(), chosen)
    for result in results:
        print(result.line())
    moved = sum(r.migrated for r in results)
    safe = sum(r.safe for r in results)
    if args.dry_run:
        print(f"dry run: {safe} of {len(results)} case(s) can move to v{args.target}")
    else:
        print(f"{moved} of {len(results)} case(s) moved to v{args.target}")
    return 0 if safe == len(results) else 2


def cmd_revert(args: argparse.Namespace, settings: Settings) -> int:
    services = _services(settings)
    with make_sessionmaker(make_engine(settings.database_url))() as session:
        case = migration.revert(session, services, Actor.system(), args.reference)
        print(
            f"{case.reference} is back on {case.process_version.process_id} "
            f"v{case.process_version.version}"
        )
    return 0


def add_commands(processes: Any) -> None:
    """Add the commands to the `processes` sub-command group."""
    p = processes.add_parser(
        "migrate",
        help="move open cases to another deployed version (the safe ones; --dry-run first)",
    )
    p.add_argument("process")
    p.add_argument("--from", dest="source", type=int, required=True, metavar="N")
    p.add_argument("--to", dest="target", type=int, required=True, metavar="M")
    p.add_argument("--case", metavar="REF", help="only this case")
    p.add_argument("--country", metavar="CC", help="only cases hosted in this country")
    p.add_argument("--stage", help="only cases at this stage (the process they are in)")
    p.add_argument("--dry-run", action="store_true", help="say per case what would happen")
    p.set_defaults(func=cmd_migrate)
    p = processes.add_parser(
        "revert-migration", help="put a migrated case back while it has not moved on"
    )
    p.add_argument("reference")
    p.set_defaults(func=cmd_revert)
