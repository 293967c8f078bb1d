"""Open a case and complete a task over HTTP on SQLite, against the in-memory floor.

One client talks HTTP/1.1 (keep-alive) to the real Flask app served by werkzeug in a
thread, on a fresh SQLite file. Beside it, measured in the same run, the same steps are
done purely in memory with SpiffWorkflow (load state + complete + engine steps + save):
the floor our figures are reported against, because these machines are noisy.
"""

from __future__ import annotations

import base64
import http.client
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from engine import directory, versions
from engine.accounts import users
from engine.audit import Actor
from engine.bpmn import runtime
from engine.bpmn.library import build_bundles, load_directory
from engine.bpmn.pruning import prune_history
from engine.bpmn.serializer import dump_state, load_state, new_workflow
from engine.db import make_engine, make_sessionmaker, migrate
from engine.settings import PROCESSES_DIR, Settings
from web import create_app

DATA = Path(__file__).parent / "data"
DIAGRAM = DATA / "bench_loop.bpmn"
WARMUP = 20
ITERATIONS = 200
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
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
SAFETY = {"safe_now": True, "accommodation": "shelter", "medical_care": "not_needed"}


def measure(step: Callable[[], None], iterations: int = ITERATIONS) -> list[float]:
    for _ in range(WARMUP):
        step()
    times = []
    for _ in range(iterations):
        began = time.perf_counter()
        step()
        times.append((time.perf_counter() - began) * 1000)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


class Client:
    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: object) -> dict:
        self.connection.request("POST", f"/api/v1{path}", json.dumps(body), self.headers)
        response = self.connection.getresponse()
        payload = json.loads(response.read())
        if response.status >= 300:
            raise RuntimeError(f"{path}: {response.status} {payload}")
        return payload


def serve(folder: str) -> tuple[dict[str, int], str, Callable[[], None]]:
    """The app twice on one database: cases of the two-task loop, and of the journey."""
    url = f"sqlite:///{folder}/bench.db"
    migrate(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        directory.seed_directory(session)
        versions.deploy_files(session, {DIAGRAM.name: DIAGRAM.read_bytes()}, START, Actor.system())
        versions.deploy_directory(session, PROCESSES_DIR, START, Actor.system())
        users.create_user(session, "bench", "se-roks", None, START)
        token = users.issue_token(session, "bench", START)
        session.commit()
    settings = Settings(
        env="development",
        database_url=url,
        secret_key="bench-" + "x" * 40,
        data_key=base64.urlsafe_b64decode(base64.urlsafe_b64encode(b"b" * 32)),
        smtp_url=None,
        base_url="http://127.0.0.1",
    )
    WSGIRequestHandler.protocol_version = "HTTP/1.1"
    ports, servers = {}, []
    for process in ("bench_loop", "victim_journey"):
        app = create_app({"settings": settings, "engine": engine, "CASE_PROCESS": process})
        server = make_server("127.0.0.1", 0, app)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ports[process] = server.server_port
        servers.append(server)

    def stop() -> None:
        for server in servers:
            server.shutdown()

    return ports, token, stop


def inform_task(case: dict) -> str:
    return next(t["id"] for t in case["open_tasks"] if t["name"] == "inform_rights")


def http_figures(port: int, token: str) -> dict[str, list[float]]:
    client = Client(port, token)
    open_times = measure(lambda: client.post("/cases", {"data": START_DATA}))

    case = client.post("/cases", {"data": START_DATA})
    state = {"task": inform_task(case)}

    def complete() -> None:
        updated = client.post(f"/tasks/{state['task']}/complete", {"data": INFORM})
        state["task"] = inform_task(updated)

    complete_times = measure(complete)

    def case_with_history(completed: int) -> dict[str, str]:
        grown = client.post("/cases", {"data": START_DATA})
        holder = {"task": inform_task(grown)}
        for _ in range(completed):
            holder["task"] = inform_task(
                client.post(f"/tasks/{holder['task']}/complete", {"data": INFORM})
            )
        return holder

    young, old = case_with_history(5), case_with_history(200)
    young_times, old_times = [], []
    for _ in range(100):  # interleaved, so machine noise hits both alike
        for holder, times in ((young, young_times), (old, old_times)):
            began = time.perf_counter()
            holder["task"] = inform_task(
                client.post(f"/tasks/{holder['task']}/complete", {"data": INFORM})
            )
            times.append((time.perf_counter() - began) * 1000)
    return {"open": open_times, "complete": complete_times, "young": young_times, "old": old_times}


def journey_http_figures(port: int, token: str) -> dict[str, list[float]]:
    """Open journey cases, then complete the first task of each (a fresh case per step)."""
    client = Client(port, token)
    opened: list[dict] = []
    open_times = measure(lambda: opened.append(client.post("/cases", {"data": START_DATA})))
    tasks = iter(
        next(t["id"] for t in case["open_tasks"] if t["name"] == "immediate_safety")
        for case in opened
    )
    complete_times = measure(
        lambda: client.post(f"/tasks/{next(tasks)}/complete", {"data": SAFETY}),
        iterations=len(opened) - WARMUP,
    )
    return {"open": open_times, "complete": complete_times}


def journey_memory_figures() -> dict[str, list[float]]:
    bundle = build_bundles(load_directory(PROCESSES_DIR))["victim_journey"]
    spec, subprocess_specs = bundle.spec, bundle.subprocess_specs

    def open_case() -> None:
        workflow = new_workflow(spec, subprocess_specs)
        runtime.start(workflow, dict(START_DATA))
        runtime.ready_human_tasks(workflow)
        prune_history(workflow)
        dump_state(workflow)

    workflow = new_workflow(spec, subprocess_specs)
    runtime.start(workflow, dict(START_DATA))
    blob = dump_state(workflow)

    def complete() -> None:
        loaded = load_state(blob, spec, subprocess_specs)
        task = next(t for t in runtime.ready_human_tasks(loaded) if t.name == "immediate_safety")
        runtime.complete_task(loaded, task.id, dict(SAFETY))
        runtime.ready_human_tasks(loaded)
        prune_history(loaded)
        dump_state(loaded)

    return {"open": measure(open_case), "complete": measure(complete)}


def memory_figures() -> dict[str, list[float]]:
    bundle = build_bundles({DIAGRAM.name: DIAGRAM.read_bytes()})["bench_loop"]
    spec, subprocess_specs = bundle.spec, bundle.subprocess_specs

    def open_case() -> None:
        workflow = new_workflow(spec, subprocess_specs)
        runtime.start(workflow, dict(START_DATA))
        runtime.ready_human_tasks(workflow)
        dump_state(workflow)

    workflow = new_workflow(spec, subprocess_specs)
    runtime.start(workflow, dict(START_DATA))
    state = {"blob": dump_state(workflow)}

    def complete() -> None:
        loaded = load_state(state["blob"], spec, subprocess_specs)
        task = next(t for t in runtime.ready_human_tasks(loaded) if t.name == "inform_rights")
        runtime.complete_task(loaded, task.id, dict(INFORM))
        runtime.ready_human_tasks(loaded)
        prune_history(loaded)
        state["blob"] = dump_state(loaded)

    return {"open": measure(open_case), "complete": measure(complete)}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        ports, token, stop = serve(folder)
        try:
            floor = memory_figures()
            journey_floor = journey_memory_figures()
            over_http = http_figures(ports["bench_loop"], token)
            journey = journey_http_figures(ports["victim_journey"], token)
        finally:
            stop()
    rows = [
        ("two-task case: open → tasks ready", over_http["open"], floor["open"]),
        ("two-task case: complete a task", over_http["complete"], floor["complete"]),
        ("journey: open → first 6 tasks ready", journey["open"], journey_floor["open"]),
        ("journey: complete a task", journey["complete"], journey_floor["complete"]),
    ]
    print(f"\nOver HTTP on SQLite, one client, {ITERATIONS} iterations after {WARMUP} warm-up;")
    print("floor = the same step in memory with SpiffWorkflow (load, run, save), same run")
    print(f"{'step':38} {'median ms':>10} {'p95 ms':>8} {'floor ms':>9} {'ratio':>6}")
    for name, times, base in rows:
        median, p95 = summary(times)
        base_median, _ = summary(base)
        ratio = median / base_median
        print(f"{name:38} {median:10.2f} {p95:8.2f} {base_median:9.2f} {ratio:6.2f}")
    young, old = summary(over_http["young"])[0], summary(over_http["old"])[0]
    print(f"\ncomplete a task, case with 5 completed tasks:   {young:6.2f} ms median")
    ratio = old / young
    print(f"complete a task, case with 200 completed tasks: {old:6.2f} ms median  ({ratio:.2f}×)")
