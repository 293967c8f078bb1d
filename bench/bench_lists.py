"""Lists at 10,000 and 100,000 cases: `python -m bench lists` (a benchmark, not a test).

Cases, their teams and tasks are bulk-inserted (no engine runs per case), spread over
the eight countries of the directory with a third of them in Sweden, over three years;
a third are open. Each case has a team of four (coordinator, NGO support, police, social
services; every tenth a return partner abroad), three completed tasks, and while open
two open tasks (the coordinator's, due from a week ago to three weeks ahead, and the
police's). Lists are read as the Swedish coordinator, who sees about 33,000 cases and
holds about 11,000 open tasks at 100,000: the heaviest organisation, not a typical one.

Each list is timed through the Flask test client (routing, authentication, the engine
query, JSON or HTML) as the median of many requests after a warm-up; beside it the
engine call alone. SQLite always (a file in a temporary folder); PostgreSQL when
NBASSIST_BENCH_DATABASE_URL names a database, which is emptied first.
Budgets: API case list and task list first page <= 20 ms, the HTML task list <= 100 ms
and <= 100 KB; a search by her alias or by a reference <= 200 ms (every case has an
alias, "Woman <n>", in its encrypted profile and keyed hash).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, Table, insert, select, text
from sqlalchemy.orm import Session

from engine import directory, versions
from engine.accounts import sessions, users
from engine.audit import Actor
from engine.bpmn.clock import FixedClock
from engine.case import read_models
from engine.case.list_facts import case_facts
from engine.crypto import Cipher
from engine.db import analyse, make_engine, make_sessionmaker, migrate, normalise_url
from engine.db.context import Services
from engine.models import Case, CaseTeamMember, Organisation, ProcessVersion, Task, User
from engine.settings import Settings
from web import create_app

SIZES = (10_000, 100_000)
RUNS = 30
CHUNK = 5_000
DAY = timedelta(days=1)
DATA_KEY = b"b" * 32
DEMO = Path(__file__).resolve().parent.parent / "tests" / "data" / "demo_case.bpmn"
# A third of the network's cases in Sweden: its coordinator is the heaviest reader.
WEIGHTS = {"SE": 33, "NO": 14, "DK": 14, "FI": 14, "LV": 8, "LT": 7, "EE": 6, "IS": 4}
READER = ("bench-se", "se-roks")
TEAM_ROLES = ("coordinator", "ngo_support", "police", "social_services")


def table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


class World:
    """A migrated database with the directory, one process version and the reader."""

    def __init__(self, url: str, now: datetime) -> None:
        if normalise_url(url).startswith("postgresql"):
            reset = make_engine(url)
            with reset.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            reset.dispose()
        migrate(url)
        self.url, self.now, self.cases = url, now, 0
        self.random = random.Random(8)
        self.cipher = Cipher(DATA_KEY)
        self.engine: Engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        with self.sessions() as session:
            directory.seed_directory(session)
            versions.deploy_files(
                session, {"demo_case.bpmn": DEMO.read_bytes()}, now, Actor.system()
            )
            users.create_user(session, READER[0], READER[1], None, now)
            self.token = users.issue_token(session, READER[0], now)
            session.commit()
            self.version_id = session.scalar(select(ProcessVersion.id))
            self.reader_id = session.scalar(select(User.id).where(User.username == READER[0]))
            self.teams = self._teams(session)

    def _teams(self, session: Session) -> dict[str, dict[str, int]]:
        """country → role → the organisation that fills it by default."""
        teams: dict[str, dict[str, int]] = {}
        for org in session.scalars(select(Organisation).order_by(Organisation.id)):
            for role in (*TEAM_ROLES, "return_partner"):
                if role in org.default_for or (role == "return_partner" and role in org.roles):
                    teams.setdefault(org.country, {}).setdefault(role, org.id)
        return teams

    def grow_to(self, count: int) -> float:
        """Insert cases up to `count`, then analyse; the seconds it took."""
        began = time.perf_counter()
        with self.sessions() as session:
            while self.cases < count:
                self._insert_chunk(session, min(CHUNK, count - self.cases))
                session.commit()
        analyse(self.url)
        if self.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk insert: without the visibility map
            # PostgreSQL cannot answer the counts from the index alone.
            with self.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")
        return time.perf_counter() - began

    def _insert_chunk(self, session: Session, size: int) -> None:
        cases: list[dict[str, Any]] = []
        team: list[dict[str, Any]] = []
        tasks: list[dict[str, Any]] = []
        countries, weights = list(WEIGHTS), list(WEIGHTS.values())
        for _ in range(size):
            self.cases += 1
            n, rnd = self.cases, self.random
            country = rnd.choices(countries, weights)[0]
            roles = self.teams[country]
            created = self.now - timedelta(minutes=rnd.randrange(3 * 365 * 24 * 60))
            status = "open" if n % 3 == 0 else ("closed" if n % 10 else "withdrawn")
            case_id = str(uuid.uuid4())
            cases.append(
                {
                    "id": case_id,
                    "reference": f"{country}-L{n:07d}",
                    "process_version_id": self.version_id,
                    "status": status,
                    "stage": "bench",
                    "host_country": country,
                    "state": b"placeholder",
                    "revision": 5,
                    "next_timer_at": None,
                    "created_at": created,
                    "updated_at": created + DAY,
                    "closed_at": None if status == "open" else created + 90 * DAY,
                    "opened_by_org_id": roles["coordinator"],
                    "profile": self.cipher.encrypt_json(
                        {"alias": f"Woman {n}", "year_of_birth": 1980 + n % 30},
                        f"{case_id}:profile",
                    ),
                    "alias_key": self.cipher.lookup_hash(f"Woman {n}"),
                }
            )
            members = {role: roles[role] for role in TEAM_ROLES}
            if n % 10 == 1:
                abroad = self.teams[countries[(countries.index(country) + 1) % len(countries)]]
                members["return_partner"] = abroad["return_partner"]
            team += [
                {"case_id": case_id, "role": role, "organisation_id": org}
                for role, org in members.items()
            ]
            done = [("coordinator", "inform_rights"), ("police", "non_punishment_notice")]
            done.append(("social_services", "assess_needs"))
            for k, (role, name) in enumerate(done):
                tasks.append(
                    self._task(case_id, role, name, members[role], created + k * DAY, "completed")
                )
            if status == "open":
                due = self.now + timedelta(hours=rnd.randrange(-7 * 24, 21 * 24))
                coordinator_task = self._task(
                    case_id, "coordinator", "immediate_safety", members["coordinator"], created
                )
                coordinator_task["due_at"] = due
                if n % 20 == 0:
                    coordinator_task["claimed_by_id"] = self.reader_id
                tasks.append(coordinator_task)
                tasks.append(
                    self._task(case_id, "police", "record_statement", members["police"], created)
                )
        for model, rows in ((Case, cases), (CaseTeamMember, team), (Task, tasks)):
            session.execute(insert(table(model)), rows)

    def _task(
        self, case_id: str, role: str, name: str, org: int, at: datetime, state: str = "open"
    ) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "case_id": case_id,
            "name": name,
            "title": name.replace("_", " ").capitalize(),
            "process_id": "bench",
            "role": role,
            "organisation_id": org,
            "form": name,
            "state": state,
            "claimed_by_id": None,
            "created_at": at,
            "due_at": at + 14 * DAY if state == "completed" else None,
            "reminders": [],
            "completed_at": at + DAY if state == "completed" else None,
            "escalated_at": None,
        }

    def app(self) -> Flask:
        settings = Settings(
            env="development",
            database_url=self.url,
            secret_key="bench-" + "x" * 40,
            data_key=base64.urlsafe_b64decode(base64.urlsafe_b64encode(DATA_KEY)),
            smtp_url=None,
            base_url="http://127.0.0.1",
        )
        return create_app({"settings": settings, "engine": self.engine})

    def actor(self) -> Actor:
        with self.sessions() as session:
            org = session.scalar(select(Organisation.id).where(Organisation.slug == READER[1]))
        return Actor(user_id=self.reader_id, organisation_id=org, username=READER[0])


def median_ms(work: Callable[[], Any], runs: int = RUNS) -> float:
    for _ in range(3):
        work()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def signed_in(world: World, app: Flask) -> FlaskClient:
    """A browser signed in as the reader: a recorded session, as signing in makes."""
    with world.sessions() as db:
        user = db.get(User, world.reader_id)
        session_id = sessions.begin_session(db, user, datetime.now(UTC))
        db.commit()
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["sid"] = session_id
    return client


def get(client: FlaskClient, path: str, **kwargs: Any) -> bytes:
    response = client.get(path, **kwargs)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.data[:300]!r}")
    return response.data


def measure(world: World) -> Iterator[tuple[str, str]]:
    """(what, figure) for each list, as the reader."""
    app = world.app()
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {world.token}"}
    page = signed_in(world, app)
    actor = world.actor()
    first = get(api, "/api/v1/cases", headers=bearer)
    assert b'"items": []' not in first and b'"items":[]' not in first, "the reader sees no case"
    yield (
        "API case list, first page (HTTP)",
        _ms(lambda: get(api, "/api/v1/cases", headers=bearer), 20),
    )
    yield (
        "API task list, first page (HTTP)",
        _ms(lambda: get(api, "/api/v1/tasks", headers=bearer), 20),
    )
    # A case the reader sees: one of its own (the Swedish cases are every third or so).
    row = get(api, "/api/v1/cases?limit=1", headers=bearer)
    reference = json.loads(row)["items"][0]["reference"]
    alias = "Woman " + str(int(reference.split("-L")[1]))
    found = json.loads(get(api, "/api/v1/cases", headers=bearer, query_string={"q": alias}))
    assert [c["alias"] for c in found["items"]] == [alias], found
    yield (
        "API case search by her alias (HTTP)",
        _ms(lambda: get(api, "/api/v1/cases", headers=bearer, query_string={"q": alias}), 200),
    )
    yield (
        "API case search by reference (HTTP)",
        _ms(
            lambda: get(api, "/api/v1/cases", headers=bearer, query_string={"q": reference}),
            200,
        ),
    )
    with world.sessions() as session:

        def cases() -> None:
            read_models.list_cases(session, actor)
            session.rollback()

        def tasks() -> None:
            read_models.list_tasks(session, actor, world.now)
            session.rollback()

        listed = [c["id"] for c in read_models.list_cases(session, actor).items]
        services = Services(cipher=Cipher(DATA_KEY), clock=FixedClock(world.now))

        def facts() -> None:
            case_facts(session, services, actor, listed, world.now)
            session.rollback()

        yield "  engine call list_cases", _ms(cases, 20)
        yield "  engine call case_facts (a page of 50)", _ms(facts, 20)
        yield "  engine call list_tasks", _ms(tasks, 20)
    for path in ("/", "/?view=overdue", "/?view=mine", "/?sort=case"):
        size = len(get(page, path)) / 1024
        figure = _ms(lambda path=path: get(page, path), 100)  # type: ignore[misc]
        yield (
            f"HTML task list {path}",
            f"{figure}, {size:.0f} KB" + ("" if size <= 100 else " OVER"),
        )
    yield (
        "HTML case list search by alias",
        _ms(lambda: get(page, "/cases", query_string={"q": alias, "status": "all"}), 200),
    )


def _ms(work: Callable[[], Any], budget: float) -> str:
    ms = median_ms(work)
    return f"{ms:.1f} ms" + ("" if ms <= budget else " OVER")


def run(name: str, url: str, sizes: tuple[int, ...]) -> list[tuple[str, ...]]:
    now = datetime.now(UTC).replace(microsecond=0)
    world = World(url, now)
    columns: list[list[tuple[str, str]]] = []
    loads: list[str] = []
    for size in sizes:
        loads.append(f"{world.grow_to(size):.0f} s")
        columns.append(list(measure(world)))
        print(f"  {name}: {size:,} cases measured", flush=True)
    world.engine.dispose()
    rows = [(f"{name}: cases", *(f"{size:,}" for size in sizes))]
    for i, (what, _) in enumerate(columns[0]):
        rows.append((what, *(column[i][1] for column in columns)))
    rows.append(("(bulk insert and analyse)", *loads))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench lists")
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="numbers of cases, comma-separated"
    )
    sizes = tuple(int(n) for n in parser.parse_args(argv).sizes.split(","))
    print("list benchmark: median ms as the Swedish coordinator (Flask test client)", flush=True)
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory() as folder:
        rows += run("SQLite", f"sqlite:///{folder}/lists.db", sizes)
    postgres = os.environ.get("NBASSIST_BENCH_DATABASE_URL")
    if postgres:
        rows += run("PostgreSQL", postgres, sizes)
    else:
        print("  (PostgreSQL skipped: set NBASSIST_BENCH_DATABASE_URL to a database to empty)")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
