"""The `nbassist` command line: set-up, accounts, the process library, clear errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.conftest import DATA, TEST_KEY
from web.cli import main

HOSTILE = {
    "xxe.bpmn": b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;</bpmn:definitions>""",
    "broken.bpmn": b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'>\n<oops>",
}


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NBASSIST_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("NBASSIST_SECRET_KEY", "cli-test-secret-" + "x" * 32)
    monkeypatch.setenv("NBASSIST_DATA_KEY", TEST_KEY)
    monkeypatch.setenv("NBASSIST_ENV", "development")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_is_idempotent_and_deploys_the_journey(cli_env, capsys):
    code, out, _ = run(capsys, "init")
    assert code == 0
    assert "process victim_journey v1 deployed" in out
    assert "warning" not in out
    code, out, _ = run(capsys, "init")
    assert code == 0 and "process victim_journey v1 unchanged" in out
    assert "0 organisations added" in out


def test_a_user_gets_a_token_that_the_api_accepts(cli_env, capsys, monkeypatch):
    run(capsys, "init")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    code, out, _ = run(
        capsys, "users", "create", "anna", "--organisation", "se-roks", "--password-stdin"
    )
    assert code == 0 and "created anna at se-roks" in out
    code, out, _ = run(capsys, "users", "token", "anna")
    token = out.strip().splitlines()[-1]
    assert code == 0 and token.startswith("nba_")

    from web import create_app

    client = create_app().test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["organisation"]["slug"] == "se-roks"


def test_organisations_list_as_json(cli_env, capsys):
    run(capsys, "init")
    code, out, _ = run(
        capsys, "organisations", "list", "--country", "NO", "--role", "police", "--json"
    )
    assert code == 0
    assert json.loads(out) == [
        {"slug": "no-police", "name": "Police — Norway", "country": "NO", "roles": ["police"]}
    ]


def test_deploying_a_changed_diagram_makes_a_new_version(cli_env, capsys):
    run(capsys, "init")
    code, out, _ = run(capsys, "processes", "deploy", str(DATA / "demo_case.bpmn"))
    assert code == 0 and "process demo_case v1 deployed" in out
    code, out, _ = run(capsys, "processes", "list")
    assert "demo_case" in out and "victim_journey" in out


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_or_malformed_diagrams_are_refused_in_one_line(cli_env, capsys, tmp_path, name):
    run(capsys, "init")
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    code, out, err = run(capsys, "processes", "deploy", str(path))
    assert code == 1
    assert err.startswith(f"nbassist: {name}")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, out, _ = run(capsys, "processes", "list")
    assert name.split(".")[0] not in out


def test_errors_are_one_readable_line(cli_env, capsys):
    run(capsys, "init")
    code, _, err = run(capsys, "users", "create", "xy", "--organisation", "nowhere")
    assert code == 1 and err == "nbassist: no organisation 'nowhere'\n"
    code, _, err = run(capsys, "users", "create", "X", "--organisation", "se-roks")
    assert code == 1 and err.startswith("nbassist: invalid username; username: Use 2–80")
    code, _, err = run(capsys, "users", "token", "ghost")
    assert code == 1 and err == "nbassist: no user 'ghost'\n"
    code, _, err = run(capsys, "processes", "deploy", "/no/such.bpmn")
    assert code == 1 and "no such file" in err


def test_production_refuses_to_start_without_secrets(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("NBASSIST_ENV", "production")
    monkeypatch.delenv("NBASSIST_DATA_KEY")
    code, _, err = run(capsys, "processes", "list")
    assert code == 1 and "NBASSIST_DATA_KEY must be set in production" in err
    monkeypatch.setenv("NBASSIST_DATA_KEY", "too-short")
    code, _, err = run(capsys, "processes", "list")
    assert code == 1 and "NBASSIST_DATA_KEY" in err


def test_keys_generate_prints_a_usable_key(capsys):
    code, out, _ = run(capsys, "keys", "generate")
    from engine.settings import decode_data_key

    assert code == 0 and len(decode_data_key(out.strip())) == 32
