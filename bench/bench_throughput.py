"""Throughput with people working at once, served the way production serves.

`python -m bench throughput [--seconds 30] [--clients 8] [--workers 2]` starts
`gunicorn -w 2 -c gunicorn.conf.py` on a fresh SQLite file and then on a fresh
PostgreSQL database, and lets N clients (threads with keep-alive-less http.client, as
gunicorn's sync workers close each connection) each complete the recurring task of
its own case (bench/data/bench_loop.bpmn, the two-task case) over the JSON API for
the given time. Per database it prints steps/s, errors by status, and the median and
p95 latency of a completion; then SQLite's throughput as a share of PostgreSQL's, and
with one client the two-task case's open, its complete on a fresh case, and its
complete on a case with 200 completed tasks (DESIGN.md: at most 1.5× the fresh one).

Targets (issue 8): 0 errors on SQLite, SQLite ≥ 80 % of PostgreSQL's steps/s in the
same run, open and complete ≤ 10 ms median with one client.

PostgreSQL: `--postgres URL` names a server and a database the benchmark may drop and
create (default postgresql+psycopg://postgres@127.0.0.1:5432/nbassist_bench_throughput;
NBASSIST_BENCH_POSTGRES_URL overrides it). When it cannot be reached, only SQLite runs.
"""

from __future__ import annotations

import argparse
import base64
import collections
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from engine import directory, versions
from engine.accounts import users
from engine.audit import Actor
from engine.db import make_engine, make_sessionmaker, migrate, normalise_url
from engine.db.unit_of_work import in_transaction

ROOT = Path(__file__).resolve().parent.parent
DIAGRAM = Path(__file__).parent / "data" / "bench_loop.bpmn"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DATA_KEY = base64.urlsafe_b64encode(b"t" * 32).decode()
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/nbassist_bench_throughput"
START_DATA = {
    "host_country": "SE",
    "origin_country": "NG",
    "languages": ["en"],
    "has_residence_right": False,
    "cooperates_with_authorities": False,
    "contact_method": "outreach",
    "indicators": ["debt"],
    "immediate_needs": ["shelter"],
}
INFORM = {"language": "en", "interpreter_used": False, "topics": ["assistance"]}
SINGLE_WARMUP, SINGLE_ITERATIONS = 20, 200


def bench_app() -> Flask:
    """gunicorn's application for the bench: new cases start on the two-task loop."""
    from web import create_app  # noqa: PLC0415 - loaded in the gunicorn worker only

    return create_app({"CASE_PROCESS": "bench_loop"})


# --- the database and the server ---------------------------------------------------------


def fresh_postgres(url: str) -> bool:
    """Drop and create the benchmark's own database; False when the server is unreachable."""
    target = make_url(normalise_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = target.database
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        print(f"PostgreSQL skipped: {str(error.orig).strip().splitlines()[0]}")
        return False
    finally:
        admin.dispose()
    return True


def seed(url: str) -> str:
    """Schema, directory, the two-task loop; one API user. Returns its token."""
    migrate(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:

        def work() -> str:
            directory.seed_directory(session)
            versions.deploy_files(
                session, {DIAGRAM.name: DIAGRAM.read_bytes()}, START, Actor.system()
            )
            users.create_user(session, "bench", "se-roks", None, START)
            return users.issue_token(session, "bench", START)

        token = in_transaction(session, work)
    engine.dispose()
    return token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`gunicorn -w N -c gunicorn.conf.py` on the given database, in its own process."""

    def __init__(self, url: str, workers: int, folder: str) -> None:
        self.port = free_port()
        environment = {
            **os.environ,
            "NBASSIST_ENV": "development",
            "NBASSIST_DATABASE_URL": url,
            "NBASSIST_SECRET_KEY": "bench-" + "x" * 40,
            "NBASSIST_DATA_KEY": DATA_KEY,
            "NBASSIST_INSTANCE_DIR": folder,
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--access-logfile",
            str(Path(folder) / "access.log"),
            "--error-logfile",
            str(Path(folder) / "error.log"),
            "bench.bench_throughput:bench_app()",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=environment)  # noqa: S603

    def wait_until_ready(self, token: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited; see its error log")
            try:
                status, _body = Client(self.port, token).request("GET", "/me")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Client:
    """One client's connection; reopened by http.client when the worker closes it."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: object = None) -> tuple[int, dict]:
        payload = None if body is None else json.dumps(body)
        try:
            self.connection.request(method, f"/api/v1{path}", payload, self.headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, json.loads(raw) if raw else {}

    def open_case(self) -> dict:
        status, case = self.request("POST", "/cases", {"data": START_DATA})
        if status != 201:
            raise RuntimeError(f"opening a case: {status} {case}")
        return case


def inform_task(case: dict) -> str:
    return next(t["id"] for t in case["open_tasks"] if t["name"] == "inform_rights")


# --- measuring ---------------------------------------------------------------------------


@dataclass
class Load:
    """What N clients achieved together."""

    seconds: float
    steps: int = 0
    latencies: list[float] = field(default_factory=list)  # ms, successful completions
    errors: collections.Counter[int] = field(default_factory=collections.Counter)
    failures: list[str] = field(default_factory=list)  # connection errors

    @property
    def per_second(self) -> float:
        return self.steps / self.seconds


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[max(int(len(ordered) * share) - 1, 0)] if ordered else float("nan")


def run_load(port: int, token: str, clients: int, seconds: float) -> Load:
    """Each client completes its own case's task again and again until time is up."""
    cases = [Client(port, token).open_case() for _ in range(clients)]
    load = Load(seconds=seconds)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at: list[float] = []

    def client(case: dict) -> None:
        connection = Client(port, token)
        task = inform_task(case)
        steps, times, errors, failures = 0, [], collections.Counter[int](), []
        start.wait()
        while time.perf_counter() < stop_at[0]:
            began = time.perf_counter()
            try:
                status, body = connection.request(
                    "POST", f"/tasks/{task}/complete", {"data": INFORM}
                )
            except (http.client.HTTPException, OSError) as error:
                failures.append(type(error).__name__)
                continue
            if status == 200:
                times.append((time.perf_counter() - began) * 1000)
                steps += 1
                task = inform_task(body)
            else:
                errors[status] += 1  # the task is still open: the next round retries it
        with lock:
            load.steps += steps
            load.latencies += times
            load.errors.update(errors)
            load.failures += failures

    threads = [threading.Thread(target=client, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    stop_at.append(time.perf_counter() + seconds)
    start.wait()
    for thread in threads:
        thread.join()
    return load


def one_client(port: int, token: str) -> dict[str, list[float]]:
    """The two-task case with one client: open a case; complete its recurring task on a
    fresh case; and the same on a case with 200 completed tasks (cost must not grow)."""
    client = Client(port, token)
    opened: list[dict] = []

    def timed(step: Callable[[], object], iterations: int = SINGLE_ITERATIONS) -> list[float]:
        times = []
        for i in range(SINGLE_WARMUP + iterations):
            began = time.perf_counter()
            step()
            if i >= SINGLE_WARMUP:
                times.append((time.perf_counter() - began) * 1000)
        return times

    def complete(task: str) -> str:
        status, body = client.request("POST", f"/tasks/{task}/complete", {"data": INFORM})
        if status != 200:
            raise RuntimeError(f"completing a task: {status} {body}")
        return inform_task(body)

    open_times = timed(lambda: opened.append(client.open_case()))
    fresh = iter([inform_task(case) for case in opened])
    fresh_times = timed(lambda: complete(next(fresh)))
    old = {"task": inform_task(client.open_case())}
    for _ in range(200):
        old["task"] = complete(old["task"])
    old_times = timed(lambda: old.update(task=complete(old["task"])), SINGLE_ITERATIONS // 2)
    return {"open": open_times, "complete": fresh_times, "complete_old": old_times}


@dataclass
class Figures:
    name: str
    load: Load
    single: dict[str, list[float]]


def measure(name: str, url: str, args: argparse.Namespace) -> Figures:
    print(f"{name}: seeding a fresh database and starting gunicorn -w {args.workers}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        if url.startswith("sqlite"):
            url = f"sqlite:///{folder}/bench.db"
        token = seed(url)
        server = Server(url, args.workers, folder)
        try:
            server.wait_until_ready(token)
            print(f"{name}: {args.clients} clients for {args.seconds:g} s", flush=True)
            load = run_load(server.port, token, args.clients, args.seconds)
            print(f"{name}: one client, open and complete", flush=True)
            single = one_client(server.port, token)
        finally:
            server.stop()
    return Figures(name, load, single)


def report(figures: list[Figures], args: argparse.Namespace) -> None:
    print(
        f"\n{args.clients} clients completing tasks on distinct cases for {args.seconds:g} s, "
        f"gunicorn -w {args.workers} (gunicorn.conf.py)"
    )
    print(f"{'database':12} {'steps/s':>8} {'steps':>7} {'median ms':>10} {'p95 ms':>8}  errors")
    for f in figures:
        load = f.load
        errors = ", ".join(f"{n}× {status}" for status, n in sorted(load.errors.items()))
        if load.failures:
            errors += (", " if errors else "") + f"{len(load.failures)}× connection"
        print(
            f"{f.name:12} {load.per_second:8.1f} {load.steps:7d} "
            f"{statistics.median(load.latencies) if load.latencies else float('nan'):10.2f} "
            f"{percentile(load.latencies, 0.95):8.2f}  {errors or 'none'}"
        )
    by_name = {f.name: f for f in figures}
    if "SQLite" in by_name and "PostgreSQL" in by_name:
        share = by_name["SQLite"].load.per_second / by_name["PostgreSQL"].load.per_second
        print(f"SQLite throughput: {share:.0%} of PostgreSQL's (target ≥ 80 %)")
    print(f"\nThe two-task case, one client, {SINGLE_ITERATIONS} iterations, through gunicorn")
    print("(median / p95 ms; complete: on a fresh case, and on one with 200 completed tasks)")
    print(f"{'database':12} {'open':>15} {'complete':>15} {'complete, 200':>15} {'growth':>7}")
    for f in figures:
        o, c, old = f.single["open"], f.single["complete"], f.single["complete_old"]
        growth = statistics.median(old) / statistics.median(c)
        print(f"{f.name:12} {figure(o):>15} {figure(c):>15} {figure(old):>15} {growth:6.2f}×")


def figure(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} / {percentile(times, 0.95):.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench throughput", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--postgres", default=os.environ.get("NBASSIST_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args(argv)
    figures = [measure("SQLite", "sqlite", args)]
    if not args.skip_postgres and fresh_postgres(args.postgres):
        figures.append(measure("PostgreSQL", normalise_url(args.postgres), args))
    report(figures, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
