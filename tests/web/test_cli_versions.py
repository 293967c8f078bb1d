"""The command line for trusted versions and quarantine (API.md): `processes list --json`,
`processes activate`, `processes diff`, and `scheduler tick` / `quarantined` / `release`."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from cli.main import main
from engine.bpmn.clock import FixedClock
from engine.crypto import Cipher
from engine.db import make_engine, make_sessionmaker
from engine.db.context import Services
from engine.models import AuditEvent, Case
from tests.factories.database import DATA, START, TEST_KEY
from tests.factories.scheduler import open_case, staff

DEMO = (DATA / "demo_case.bpmn").read_bytes()
SHORTER_DUE = DEMO.replace(b'name="due" value="PT24H"', b'name="due" value="PT12H"', 1)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("NBASSIST_DATABASE_URL", url)
    monkeypatch.setenv("NBASSIST_SECRET_KEY", "cli-test-secret-" + "x" * 32)
    monkeypatch.setenv("NBASSIST_DATA_KEY", TEST_KEY)
    monkeypatch.setenv("NBASSIST_ENV", "development")
    monkeypatch.setenv("NBASSIST_FOUR_EYES", "off")  # one organisation: deploys are current
    return url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def deploy_demo(capsys, tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "upload" / "demo_case.bpmn"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    code, out, err = run(capsys, "processes", "deploy", str(path))
    assert code == 0, err
    return out


def demo_rows(capsys) -> list[dict]:
    code, out, _ = run(capsys, "processes", "list", "--json")
    assert code == 0
    return [row for row in json.loads(out) if row["process"] == "demo_case"]


def test_processes_list_json_names_each_version_whether_it_is_current_and_its_cases(
    cli_env, capsys, tmp_path
):
    run(capsys, "init")
    deploy_demo(capsys, tmp_path, DEMO)
    deploy_demo(capsys, tmp_path, SHORTER_DUE)

    rows = demo_rows(capsys)

    assert [(r["version"], r["current"], r["running_cases"]) for r in rows] == [
        (1, False, 0),
        (2, True, 0),
    ]
    assert set(rows[0]) == {
        "process",
        "version",
        "current",
        "deployed_at",
        "deployed_by",
        "running_cases",
        "review_state",
    }
    assert {r["review_state"] for r in rows} == {"approved"}  # four eyes are off here
    assert rows[0]["deployed_at"].endswith("+00:00") and rows[0]["deployed_by"] == "system"


def test_activate_makes_an_earlier_version_current_and_is_audited(cli_env, capsys, tmp_path):
    run(capsys, "init")
    deploy_demo(capsys, tmp_path, DEMO)
    deploy_demo(capsys, tmp_path, SHORTER_DUE)

    code, out, _ = run(capsys, "processes", "activate", "demo_case", "1")

    assert code == 0 and "process demo_case v1 is current" in out
    assert [(r["version"], r["current"]) for r in demo_rows(capsys)] == [(1, True), (2, False)]
    with make_sessionmaker(make_engine(cli_env))() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "process.activated" in actions
    # Deploying version 2's diagram again does not undo the rollback behind her back.
    assert (
        "process demo_case v2 unchanged, not current (nbassist processes activate demo_case 2)"
        in deploy_demo(capsys, tmp_path, SHORTER_DUE)
    )
    assert [r["current"] for r in demo_rows(capsys)] == [True, False]


def test_activating_a_version_that_was_never_deployed_is_one_readable_line(cli_env, capsys):
    run(capsys, "init")

    code, _, err = run(capsys, "processes", "activate", "victim_journey", "7")

    assert code == 1 and err == "nbassist: process 'victim_journey' has no version 7\n"


def test_processes_diff_prints_what_changed_for_each_task(cli_env, capsys, tmp_path):
    run(capsys, "init")
    deploy_demo(capsys, tmp_path, DEMO)
    deploy_demo(capsys, tmp_path, SHORTER_DUE)

    code, out, _ = run(capsys, "processes", "diff", "demo_case", "1", "2")

    assert code == 0
    assert out.splitlines() == ["demo_case v1 → v2", "~ immediate_safety: due PT24H → PT12H"]


def test_a_tick_prints_the_case_it_quarantined_and_release_lets_the_next_tick_retry(
    cli_env, capsys
):
    run(capsys, "init")
    sessions = make_sessionmaker(make_engine(cli_env))
    services = Services(Cipher(base64.urlsafe_b64decode(TEST_KEY)), FixedClock(START))
    with sessions() as session:
        case = open_case(
            session, services, staff(session, "coordinator", "se-roks"), "victim_journey"
        )
        reference = case.reference
        session.execute(
            update(Case)
            .where(Case.id == case.id)
            .values(state=b"not a ciphertext", next_timer_at=START)
        )
        session.commit()

    code, out, _ = run(capsys, "scheduler", "tick", "--at", "2026-01-06T09:00:00Z")
    assert code == 0
    assert f"quarantined {reference}: unknown encryption format" in out
    assert "1 case(s) quarantined, in " in out
    code, out, _ = run(capsys, "scheduler", "tick", "--at", "2026-01-06T09:01:00Z")
    assert reference not in out and "0 case(s) quarantined" in out
    code, out, _ = run(capsys, "scheduler", "quarantined")
    assert out.startswith(f"{reference}  victim_journey v1  2026-01-06 09:00  unknown encryption")

    code, out, _ = run(capsys, "scheduler", "release", reference)

    assert code == 0 and f"released {reference}" in out
    code, out, _ = run(capsys, "scheduler", "tick", "--at", "2026-01-06T09:02:00Z")
    assert f"quarantined {reference}" in out  # tried again, and still broken
    code, _, err = run(capsys, "scheduler", "release", "SE-NOSUCH")
    assert code == 1 and err == "nbassist: no case SE-NOSUCH\n"
