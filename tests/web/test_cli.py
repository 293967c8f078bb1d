"""The `nbassist` command line: set-up, accounts, the process library, clear errors."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.main import main
from tests.factories.database import DATA, TEST_KEY

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


def test_scheduler_tick_at_walks_a_reflection_period_to_its_end(cli_env, capsys, monkeypatch):
    """Issue 4's acceptance on a fresh instance: a reflection period ending in 30 days is
    reminded at 30, 14 and 7 days before, then decided on, and an overdue task escalates."""
    from datetime import UTC, datetime, timedelta

    from engine.bpmn.clock import FixedClock
    from tests.factories.api_client import Api
    from tests.factories.case_walker import start_data
    from tests.factories.form_data import valid_data
    from web import create_app

    run(capsys, "init")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    run(capsys, "users", "create", "anna", "--organisation", "se-roks", "--password-stdin")
    token = run(capsys, "users", "token", "anna")[1].strip().splitlines()[-1]
    opened = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    api = Api(create_app({"clock": FixedClock(opened)}).test_client(), token)
    case = api.post("/cases", {"data": start_data()})[1]
    request = api.task(case, "request_reflection_period")["id"]
    case = api.post(
        f"/tasks/{request}/complete", {"data": valid_data("request_reflection_period")}
    )[1]
    grant = next(t for t in case["open_tasks"] if t["name"] == "grant_reflection_period")
    assert grant["organisation"] == "se-migration"
    # The migration authority records its decision (through the service, as its own user).
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    run(capsys, "users", "create", "mia", "--organisation", "se-migration", "--password-stdin")
    migration = Api(api.client, run(capsys, "users", "token", "mia")[1].strip().splitlines()[-1])
    end = (opened + timedelta(days=31)).date()
    status, case = migration.post(
        f"/tasks/{grant['id']}/complete",
        {
            "data": valid_data(
                "grant_reflection_period",
                granted=True,
                start_date=opened.date().isoformat(),
                end_date=end.isoformat(),
            )
        },
    )
    assert status == 200, case

    def tick(at: datetime) -> str:
        code, out, err = run(capsys, "scheduler", "tick", "--at", at.isoformat())
        assert code == 0, err
        return out

    # The period ends at the end of its last day in Stockholm (summer time: 22:00 UTC).
    end_at = datetime(end.year, end.month, end.day, 22, tzinfo=UTC)
    for days in (30, 14, 7):
        out = tick(end_at - timedelta(days=days))
        assert sum("reflection_period_end" in line for line in out.splitlines()) == 1, out
        assert "reflection_period_end" not in tick(end_at - timedelta(days=days)), "sent twice"
    out = tick(end_at)
    assert f"timer    {case['reference']}" in out
    status, case = api.get(f"/cases/{case['id']}")
    assert "decide_after_reflection" in [t["name"] for t in case["open_tasks"]]
    out = tick(end_at + timedelta(days=30))
    assert "escalate" in out
    assert tick(end_at + timedelta(days=30, minutes=1)).count("escalate ") == 0
    code, _, err = run(capsys, "scheduler", "tick", "--at", "next tuesday")
    assert code == 1 and "not an ISO 8601 date-time" in err


def test_the_demo_admin_sets_up_a_second_factor_and_the_others_sign_in_as_before(cli_env, capsys):
    from cli.demo import DEMO_PASSWORD
    from engine.accounts import totp
    from tests.factories.pages import post, shown_secret
    from web import create_app

    code, out, _ = run(capsys, "init", "--demo")
    assert code == 0
    assert "admin needs a second factor: have an authenticator app ready" in out
    assert "otpauth://" not in out  # no secret is printed: the first sign-in makes one
    client = create_app().test_client()
    for username in ("coordinator", "police", "social"):
        response = post(client, "/sign-in", {"username": username, "password": DEMO_PASSWORD})
        assert response.headers["Location"] == "/", username
        post(client, "/sign-out")
    response = post(client, "/sign-in", {"username": "admin", "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/sign-in/set-up"
    secret = shown_secret(client.get("/sign-in/set-up"))
    done = post(client, "/sign-in/set-up", {"code": totp.code_at(secret, datetime.now(UTC))})
    assert done.headers["Location"] == "/"
    code, out, _ = run(capsys, "init", "--demo")
    assert "admin asks for a code from the authenticator app it was set up with" in out
    assert "nbassist users reset-2fa admin" in out
    code, out, _ = run(capsys, "users", "reset-2fa", "admin")
    assert code == 0 and out.count("\n") == 1
    assert "admin needs a second factor" in run(capsys, "init", "--demo")[1]


def test_the_demo_holds_a_case_on_each_new_path(cli_env, capsys):
    import os

    from sqlalchemy import select

    from engine.db import make_engine, make_sessionmaker
    from engine.models import Case, Notification, Task

    code, out, _ = run(capsys, "init", "--demo")
    assert code == 0, out
    for title in (
        "a girl",
        "an EU national",
        "an alert",
        "a declined referral",
        "a transfer",
        "a residence permit due for renewal",
    ):
        assert f": {title}" in out, out
    assert "stopped early" not in out, out
    engine = make_engine(os.environ["NBASSIST_DATABASE_URL"])
    with make_sessionmaker(engine)() as session:
        open_names = set(session.scalars(select(Task.name).where(Task.state == "open")))
        alerts = session.scalars(select(Notification).where(Notification.kind == "alert")).all()
        moved = session.scalars(select(Case.host_country).where(Case.host_country == "NO")).all()
    engine.dispose()
    assert moved == ["NO"]  # the transferred case, for the Norwegian demo coordinator
    assert {
        "child_protection_referral",
        "respond_to_alert",
        "select_return_partner",
        "renew_residence_permit",
    } <= open_names
    assert alerts
