"""Scheduler benchmark: `python -m bench.bench_scheduler` (not a test).

1. A tick over 10,000 and 100,000 parked cases with nothing due. Every case looks like
   a real one waiting for something: a timer a few months away, an open task due next
   month with a pending reminder, and history (a reminder sent, one cancelled, a
   completed task that was escalated). Budget: 100 ms at 100,000; memory flat.
2. One tick sending 10,000 due reminders (two staff with e-mail per organisation, so
   20,000 outbox mails are written too; SMTP is off). Budget: 10 s.

Rows are bulk-inserted into a SQLite file in a temporary directory; no case is ever
loaded by a tick, so their state is a placeholder.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, sessionmaker

from engine import directory, versions
from engine.audit import Actor
from engine.bpmn.clock import FixedClock
from engine.crypto import Cipher
from engine.db import make_engine, make_sessionmaker, migrate
from engine.db.context import Services
from engine.models import (
    Case,
    CaseTeamMember,
    Organisation,
    ProcessVersion,
    Reminder,
    Task,
    User,
)
from engine.schedule.mail import MailSettings
from engine.schedule.scheduler import TickReport, tick

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CHUNK = 5_000
NO_MAIL = MailSettings(smtp_url=None, base_url="https://nbassist.example")
DEMO = Path(__file__).resolve().parent.parent / "tests" / "data" / "demo_case.bpmn"


def table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


class World:
    """A migrated SQLite database with the directory, one process and staff."""

    def __init__(self, folder: str) -> None:
        url = f"sqlite:///{folder}/bench.db"
        migrate(url)
        self.engine = make_engine(url)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        self.services = Services(cipher=Cipher(b"b" * 32), clock=FixedClock(NOW))
        with self.sessions() as session:
            directory.seed_directory(session)
            versions.deploy_files(
                session, {"demo_case.bpmn": DEMO.read_bytes()}, NOW, Actor.system()
            )
            session.commit()
            self.version_id = session.scalar(select(ProcessVersion.id))
            self.coordinators = [
                o.id for o in session.scalars(select(Organisation)) if "coordinator" in o.roles
            ]
            self._add_staff(session)
        self.cases = 0

    def _add_staff(self, session: Session) -> None:
        rows = [
            {
                "username": f"staff-{org}-{n}",
                "organisation_id": org,
                "email": f"staff-{org}-{n}@ngo.example",
                "created_at": NOW,
                "active": True,
                "is_admin": False,
                "locale": "en",
            }
            for org in self.coordinators
            for n in range(2)
        ]
        session.execute(insert(table(User)), rows)
        session.commit()

    def add_cases(self, count: int, due_reminders: bool = False) -> None:
        """`count` more parked cases; with `due_reminders`, each has one reminder due."""
        with self.sessions() as session:
            for start in range(0, count, CHUNK):
                size = min(CHUNK, count - start)
                self._insert_chunk(session, size, due_reminders)
                session.commit()

    def _insert_chunk(self, session: Session, size: int, due: bool) -> None:
        cases, team, tasks, reminders = [], [], [], []
        for _ in range(size):
            self.cases += 1
            n = self.cases
            case_id, task_id, old_task = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
            org = self.coordinators[n % len(self.coordinators)]
            created = NOW - timedelta(days=40 + n % 200)
            cases.append(
                {
                    "id": case_id,
                    "reference": f"SE-B{n:07d}",
                    "process_version_id": self.version_id,
                    "status": "open",
                    "stage": "demo_case",
                    "host_country": "SE",
                    "state": b"parked",
                    "revision": 3,
                    "next_timer_at": NOW + timedelta(days=30 + n % 300),
                    "created_at": created,
                    "updated_at": created,
                    "opened_by_org_id": org,
                }
            )
            team.append({"case_id": case_id, "role": "coordinator", "organisation_id": org})
            task_due = NOW + (DAY if due else timedelta(days=20 + n % 60))
            for tid, state, due_at, escalated in (
                (task_id, "open", task_due, None),
                (old_task, "completed", created + 2 * DAY, created + 4 * DAY),
            ):
                tasks.append(
                    {
                        "id": tid,
                        "case_id": case_id,
                        "name": "inform_rights",
                        "title": "Inform her of her rights",
                        "process_id": "demo_case",
                        "role": "coordinator",
                        "organisation_id": org,
                        "form": "inform_rights",
                        "state": state,
                        "created_at": created,
                        "due_at": due_at,
                        "reminders": ["P3D", "P1D"],
                        "escalated_at": escalated,
                    }
                )
            for lead, remind_at, sent, cancelled in (
                ("P1D", task_due - DAY, None, None),  # pending (due now when `due`)
                ("P3D", created, created, None),  # history: sent
                ("PT1H", created + DAY, None, created + DAY),  # history: cancelled
            ):
                reminders.append(
                    {
                        "key": f"{case_id}:{task_id}:{lead}",
                        "case_id": case_id,
                        "task_id": task_id,
                        "subject": "inform_rights",
                        "lead": lead,
                        "due_at": task_due,
                        "remind_at": remind_at,
                        "organisation_id": org,
                        "sent_at": sent,
                        "cancelled_at": cancelled,
                    }
                )
        for model, rows in ((Case, cases), (CaseTeamMember, team), (Task, tasks)):
            session.execute(insert(table(model)), rows)
        session.execute(insert(table(Reminder)), reminders)

    def tick(self) -> TickReport:
        return tick(self.sessions, self.services, NOW, NO_MAIL)


def timed(work: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time in ms over `runs`, and the last result."""
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def peak_kib(work: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def idle_ticks() -> Iterator[tuple[int, float, float, float]]:
    with tempfile.TemporaryDirectory() as folder:
        world = World(folder)
        for target in (10_000, 100_000):
            began = time.perf_counter()
            world.add_cases(target - world.cases)
            inserted = time.perf_counter() - began
            world.tick()  # warm caches, like a long-running scheduler
            ms, report = timed(world.tick, runs=20)
            assert not report.lines(), report.summary()
            yield target, ms, peak_kib(world.tick), inserted
        world.engine.dispose()


def due_reminders(count: int = 10_000) -> tuple[float, TickReport]:
    with tempfile.TemporaryDirectory() as folder:
        world = World(folder)
        world.add_cases(count, due_reminders=True)
        began = time.perf_counter()
        report = world.tick()
        seconds = time.perf_counter() - began
        world.engine.dispose()
        return seconds, report


def main() -> int:
    print("scheduler benchmark (SQLite file, one process)", flush=True)
    idle = list(idle_ticks())
    (n1, ms1, kib1, ins1), (n2, ms2, kib2, ins2) = idle
    seconds, report = due_reminders()
    rows = [
        ("parked cases", f"{n1:,}", f"{n2:,}", "growth"),
        ("idle tick, median of 20", f"{ms1:.2f} ms", f"{ms2:.2f} ms", f"x{ms2 / ms1:.2f}"),
        (
            "idle tick, peak Python memory",
            f"{kib1:.0f} KiB",
            f"{kib2:.0f} KiB",
            f"x{kib2 / kib1:.2f}",
        ),
        ("(bulk insert of the cases)", f"{ins1:.1f} s", f"{ins2:.1f} s", ""),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(
        f"{len(report.reminders):,} due reminders in one tick: {seconds:.2f} s "
        f"({len(report.reminders) / seconds:,.0f}/s; budget 10 s)"
    )
    print(f"budget for the idle tick at 100,000 cases: 100 ms -> {'ok' if ms2 <= 100 else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
