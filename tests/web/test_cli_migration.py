"""`nbassist processes migrate` (with `--dry-run`) and `revert-migration`: the command line
for moving running cases to another deployed version of their process."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from cli.main import main
from engine.bpmn.clock import FixedClock
from engine.crypto import Cipher
from engine.db import make_engine, make_sessionmaker
from engine.db.context import Services
from engine.models import Case
from tests.factories.database import DATA, START, TEST_KEY
from tests.factories.scheduler import open_case, staff

DEMO = (DATA / "demo_case.bpmn").read_bytes()
SHORTER_DUE = DEMO.replace(b'name="due" value="PT24H"', b'name="due" value="PT12H"', 1)
# Immediate safety gone: the split leads straight to the join.
NO_SAFETY = DEMO.replace(
    b'<bpmn:sequenceFlow id="f_safety" sourceRef="split" targetRef="immediate_safety"/>',
    b'<bpmn:sequenceFlow id="f_safety" sourceRef="split" targetRef="join"/>',
).replace(
    b'<bpmn:sequenceFlow id="f_safety_done" sourceRef="immediate_safety" targetRef="join"/>', b""
)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("NBASSIST_DATABASE_URL", url)
    monkeypatch.setenv("NBASSIST_SECRET_KEY", "cli-test-secret-" + "x" * 32)
    monkeypatch.setenv("NBASSIST_DATA_KEY", TEST_KEY)
    monkeypatch.setenv("NBASSIST_ENV", "development")
    return url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def deploy(capsys, tmp_path: Path, content: bytes, *options: str) -> None:
    path = tmp_path / "upload" / "demo_case.bpmn"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    code, _, err = run(capsys, "processes", "deploy", str(path), *options)
    assert code == 0, err


def running_case(url: str) -> str:
    sessions = make_sessionmaker(make_engine(url))
    services = Services(Cipher(base64.urlsafe_b64decode(TEST_KEY)), FixedClock(START))
    with sessions() as session:
        case = open_case(session, services, staff(session, "coordinator", "se-roks"))
        return case.reference


def version_of(url: str, reference: str) -> int:
    with make_sessionmaker(make_engine(url))() as session:
        case = session.query(Case).filter_by(reference=reference).one()
        return case.process_version.version


def without_safety(text: bytes) -> bytes:
    start = text.index(b'<bpmn:userTask id="immediate_safety"')
    end = text.index(b"</bpmn:userTask>", start) + len(b"</bpmn:userTask>")
    text = text[:start] + text[end:]
    text = text.replace(b"<bpmn:flowNodeRef>immediate_safety</bpmn:flowNodeRef>", b"")
    return text.replace(
        b"<bpmn:incoming>f_safety_done</bpmn:incoming>", b"<bpmn:incoming>f_safety</bpmn:incoming>"
    )


def test_a_dry_run_lists_each_case_and_changes_nothing_then_migrate_moves_it(
    cli_env, capsys, tmp_path
):
    run(capsys, "init")
    deploy(capsys, tmp_path, DEMO)
    reference = running_case(cli_env)
    deploy(capsys, tmp_path, SHORTER_DUE)

    dry = run(capsys, "processes", "migrate", "demo_case", "--from", "1", "--to", "2", "--dry-run")
    assert dry == (0, f"{reference}: safe to migrate\ndry run: 1 of 1 case(s) can move to v2\n", "")
    assert version_of(cli_env, reference) == 1

    done = run(capsys, "processes", "migrate", "demo_case", "--from", "1", "--to", "2")
    assert done == (0, f"{reference}: migrated\n1 of 1 case(s) moved to v2\n", "")
    assert version_of(cli_env, reference) == 2

    back = run(capsys, "processes", "revert-migration", reference.lower())
    assert back == (0, f"{reference} is back on demo_case v1\n", "")
    assert version_of(cli_env, reference) == 1


def test_an_unsafe_case_is_named_with_its_reason_and_the_exit_code_says_so(
    cli_env, capsys, tmp_path
):
    run(capsys, "init")
    deploy(capsys, tmp_path, DEMO)
    reference = running_case(cli_env)
    deploy(capsys, tmp_path, without_safety(NO_SAFETY), "--confirm-removed", "immediate_safety")

    code, out, _ = run(
        capsys, "processes", "migrate", "demo_case", "--from", "1", "--to", "2", "--case", reference
    )

    assert code == 2
    assert out.splitlines() == [
        f"{reference}: not migrated: the ready task 'immediate_safety' "
        "(Arrange immediate safety) is not in version 2",
        "0 of 1 case(s) moved to v2",
    ]
    assert version_of(cli_env, reference) == 1


def test_migrating_to_a_version_that_does_not_exist_is_one_readable_line(cli_env, capsys):
    run(capsys, "init")

    code, _, err = run(capsys, "processes", "migrate", "victim_journey", "--from", "1", "--to", "9")

    assert code == 1 and err == "nbassist: process 'victim_journey' has no version 9\n"
