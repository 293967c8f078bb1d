"""Four eyes in the browser: an administrator of another organisation reads a proposed
change's diff on the proposals page, comments and approves it, and the library then
shows the new version as current; the page has no serious accessibility problems."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, update

from engine import versions
from engine.accounts.users import actor_for, user_by_username
from engine.db import make_sessionmaker
from engine.models import ProcessVersion, ReviewEntry
from tests.browser.conftest import DIAGRAM
from tests.browser.test_admin_editor import sign_in_as_administrator
from tests.factories.browser import screenshot, violations
from tests.factories.database import START
from tests.factories.people import make_user

SHORTER_DUE = DIAGRAM.read_bytes().replace(b'value="PT24H"', b'value="PT12H"', 1)


@pytest.fixture
def proposal(db_engine: Engine) -> Iterator[int]:
    """browser_case with a shorter due time, proposed by an administrator of the police
    in Norway; the versions and review entries it made are removed after."""
    sessions = make_sessionmaker(db_engine)
    with sessions() as session:
        known = set(session.scalars(select(ProcessVersion.id)))
        current = set(session.scalars(select(ProcessVersion.id).where(ProcessVersion.is_current)))
        make_user(session, "ada", "no-police", admin=True)
        make_user(session, "cara", "se-roks", admin=True)
        ada = actor_for(user_by_username(session, "ada"))
        (proposed,) = [
            d
            for d in versions.deploy_files(
                session, {DIAGRAM.name: SHORTER_DUE}, START, ada, four_eyes=True
            )
            if d.process_id == "browser_case"
        ]
        session.commit()
    yield proposed.version
    with sessions() as session:
        session.execute(delete(ReviewEntry))
        session.execute(delete(ProcessVersion).where(ProcessVersion.id.not_in(known)))
        session.execute(update(ProcessVersion).values(is_current=False))
        session.execute(
            update(ProcessVersion).where(ProcessVersion.id.in_(current)).values(is_current=True)
        )
        session.commit()


def test_another_organisation_reads_the_diff_comments_and_approves(
    live_server: str, page: Any, proposal: int
) -> None:
    sign_in_as_administrator(page, live_server, "cara")
    page.goto(f"{live_server}/admin/proposals")
    card = page.locator(f"[data-testid=proposal][data-version='{proposal}']")
    assert "~ immediate_safety: due PT24H → PT12H" in card.inner_text()
    assert violations(page) == []
    screenshot(page, "admin-proposals")

    card.locator("textarea").fill("Twelve hours is what the shelters can promise.")
    card.locator("button", has_text=f"Approve version {proposal}").click()

    page.wait_for_url(f"{live_server}/admin/proposals")
    assert f"browser_case version {proposal} is approved" in page.inner_text("body")
    decided = page.locator(f"[data-testid=decided][data-version='{proposal}']")
    decided.locator("summary").click()
    assert "Twelve hours is what the shelters can promise." in decided.inner_text()
    page.goto(f"{live_server}/admin/processes")
    row = page.locator(f"table[data-process=browser_case] tr[data-version='{proposal}']")
    assert row.locator("[data-testid=current]").count() == 1
    assert page.page_errors == []
