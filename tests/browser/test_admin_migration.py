"""An administrator moves a running case to a new version in the browser: the dry run
lists it as safe, one button migrates it, and its reflection timer keeps its fire time;
rolling a process back to version 1 makes new cases start on it again; the versions,
migration and test-case pages have no serious accessibility problems."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from engine import versions
from engine.audit import Actor
from engine.bpmn.clock import FixedClock
from engine.crypto import Cipher
from engine.db import make_sessionmaker
from engine.db.context import Services
from engine.models import Case
from tests.factories.browser import screenshot, sign_in_as_administrator, violations
from tests.factories.database import START, TEST_KEY
from tests.factories.migration import reflection, with_care_plan
from tests.factories.people import make_user
from tests.factories.scheduler import open_case, staff

PROCESS = "browser_migration"


def test_a_dry_run_lists_a_running_case_as_safe_and_migrating_keeps_its_timer(
    page: Any, live_server: str, db_engine: Engine
) -> None:
    sessions = make_sessionmaker(db_engine)
    services = Services(Cipher(base64.urlsafe_b64decode(TEST_KEY)), FixedClock(START))
    with sessions() as session:
        versions.deploy_files(session, reflection(PROCESS), START, Actor.system())
        session.commit()
        case = open_case(session, services, staff(session, "mig.coord", "se-roks"), PROCESS)
        case_id, reference, timer_at = case.id, case.reference, case.next_timer_at
        later = START + timedelta(minutes=1)
        versions.deploy_files(session, with_care_plan(PROCESS), later, Actor.system())
        session.commit()
        make_user(session, "mira", "no-police", admin=True)
    sign_in_as_administrator(page, live_server, "mira")

    page.goto(f"{live_server}/admin/versions/{PROCESS}")
    page.click("text=Move running cases to another version")
    page.select_option("#mig-from", "1")
    page.select_option("#mig-to", "2")
    page.click("button:text('Dry run')")
    row = page.locator(f"[data-testid=migration-plan] tr[data-reference='{reference}']")
    assert "Safe to move" in row.inner_text()
    assert violations(page) == []
    screenshot(page, "migration-dry-run")
    page.click("[data-testid=migrate-safe]")
    assert "1 case moved to version 2." in page.inner_text("main")
    assert page.locator(f"button:text('Put {reference} back')").is_visible()

    with sessions() as session:
        moved = session.get(Case, case_id)
        assert moved is not None and moved.process_version.version == 2
        assert moved.next_timer_at == timer_at == START + timedelta(days=30)
    page.goto(f"{live_server}/admin/test-cases")
    assert violations(page) == []
    assert page.page_errors == []


def test_rolling_back_to_version_1_makes_new_cases_start_on_it(
    page: Any, live_server: str, db_engine: Engine
) -> None:
    sessions = make_sessionmaker(db_engine)
    services = Services(Cipher(base64.urlsafe_b64decode(TEST_KEY)), FixedClock(START))
    with sessions() as session:
        versions.deploy_files(session, reflection(PROCESS), START, Actor.system())
        later = START + timedelta(minutes=1)
        versions.deploy_files(session, with_care_plan(PROCESS), later, Actor.system())
        session.commit()
        assert versions.current_version(session, PROCESS).version == 2
        make_user(session, "rolf", "no-police", admin=True)
    sign_in_as_administrator(page, live_server, "rolf")

    page.goto(f"{live_server}/admin/versions/{PROCESS}")
    assert violations(page) == []
    page.click("button:text('Make version 1 current')")
    page.wait_for_url(f"{live_server}/admin/versions/{PROCESS}")
    assert "now start on version 1" in page.inner_text("main")

    with sessions() as session:
        assert versions.current_version(session, PROCESS).version == 1
        case = open_case(session, services, staff(session, "roll.coord", "se-roks"), PROCESS)
        assert case.process_version.version == 1
    assert page.page_errors == []
