"""Four eyes on the command line: `processes deploy` proposes a changed process (on by
default), `--by` names the proposing administrator, `processes proposals` lists what
waits, and a version dropping a relied-on task needs `--confirm-removed`."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from tests.factories.database import DATA, TEST_KEY

DEMO = (DATA / "demo_case.bpmn").read_bytes()
SHORTER_DUE = DEMO.replace(b'name="due" value="PT24H"', b'name="due" value="PT12H"', 1)
WITHOUT_INFORM_RIGHTS = (
    DEMO.replace(b'"inform_rights"', b'"inform_of_rights"')
    .replace(b">inform_rights<", b">inform_of_rights<")
    .replace(
        b'<spiffworkflow:property name="due" value="P7D"/>',
        b'<spiffworkflow:property name="due" value="P7D"/>'
        b'<spiffworkflow:property name="form" value="inform_rights"/>',
    )
)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBASSIST_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("NBASSIST_SECRET_KEY", "cli-test-secret-" + "x" * 32)
    monkeypatch.setenv("NBASSIST_DATA_KEY", TEST_KEY)
    monkeypatch.setenv("NBASSIST_ENV", "development")
    monkeypatch.delenv("NBASSIST_FOUR_EYES", raising=False)  # the default: on


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def demo_file(tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "upload" / "demo_case.bpmn"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return str(path)


def test_a_changed_process_deployed_from_the_command_line_waits_for_approval(
    cli_env, capsys, tmp_path
) -> None:
    run(capsys, "init")
    run(capsys, "processes", "deploy", demo_file(tmp_path, DEMO))
    run(capsys, "users", "create", "ada", "--organisation", "no-police", "--admin")

    code, out, err = run(
        capsys, "processes", "deploy", demo_file(tmp_path, SHORTER_DUE), "--by", "ada"
    )

    assert code == 0, err
    assert "process demo_case v2 deployed, not current" in out
    assert "waits for another organisation's approval" in out
    code, out, _ = run(capsys, "processes", "proposals")
    assert "demo_case v2 proposed by ada (no-police) over v1" in out
    assert "~ immediate_safety: due PT24H → PT12H" in out


def test_deploying_as_someone_who_is_not_an_administrator_is_refused(
    cli_env, capsys, tmp_path
) -> None:
    run(capsys, "init")
    run(capsys, "users", "create", "anna", "--organisation", "se-roks")
    code, _, err = run(capsys, "processes", "deploy", demo_file(tmp_path, DEMO), "--by", "anna")
    assert code == 1 and "only an administrator proposes changes" in err


def test_dropping_a_relied_on_task_needs_confirm_removed(cli_env, capsys, tmp_path) -> None:
    run(capsys, "init")
    run(capsys, "processes", "deploy", demo_file(tmp_path, DEMO))

    code, out, err = run(capsys, "processes", "deploy", demo_file(tmp_path, WITHOUT_INFORM_RIGHTS))
    assert code == 1
    assert "- task inform_rights (Inform her of her rights)" in out
    assert "--confirm-removed inform_rights" in err

    code, out, err = run(
        capsys,
        "processes",
        "deploy",
        demo_file(tmp_path, WITHOUT_INFORM_RIGHTS),
        "--confirm-removed",
        "inform_rights",
    )
    assert code == 0, err
    assert "process demo_case v2 deployed, not current" in out
