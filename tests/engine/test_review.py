"""Four eyes in the engine (engine/review.py): who may decide a proposal, what an
approval makes current, and the setting that turns it off for development only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import review, versions
from engine.accounts.users import actor_for, user_by_username
from engine.audit import Actor
from engine.errors import Conflict, Forbidden, InvalidData
from engine.models import ProcessVersion, ReviewEntry
from engine.settings import PROCESSES_DIR, ConfigError, load_settings
from tests.factories.database import DATA, START
from tests.factories.people import make_user

DEMO = (DATA / "demo_case.bpmn").read_bytes()


def demo_due(value: bytes) -> dict[str, bytes]:
    return {"demo_case.bpmn": DEMO.replace(b'value="PT24H"', b'value="' + value + b'"', 1)}


@pytest.fixture
def library(session: Session) -> Iterator[Session]:
    known = list(session.scalars(select(ProcessVersion.id)))
    current = list(session.scalars(select(ProcessVersion.id).where(ProcessVersion.is_current)))
    yield session
    session.rollback()
    session.execute(delete(ReviewEntry))
    session.execute(delete(ProcessVersion).where(ProcessVersion.id.not_in(known)))
    session.execute(
        ProcessVersion.__table__.update()
        .where(ProcessVersion.id.in_(current))
        .values(is_current=True)
    )
    session.commit()


def admin(session: Session, name: str, organisation: str) -> Actor:
    make_user(session, name, organisation, admin=True)
    return actor_for(user_by_username(session, name))


def propose(session: Session, due: bytes, actor: Actor) -> int:
    (deployed,) = [
        d
        for d in versions.deploy_files(session, demo_due(due), START, actor, four_eyes=True)
        if d.process_id == "demo_case"
    ]
    assert deployed.created and deployed.review_state == "proposed" and not deployed.current
    return deployed.version


def test_a_proposal_from_the_command_line_without_a_proposer_is_decided_by_any_administrator(
    library: Session,
) -> None:
    number = propose(library, b"PT6H", Actor.system())
    ada = admin(library, "ada", "no-police")

    review.approve(library, "demo_case", number, START, ada)

    assert versions.current_version(library, "demo_case").version == number


def test_a_person_who_is_not_an_administrator_can_neither_decide_nor_comment(
    library: Session,
) -> None:
    number = propose(library, b"PT6H", admin(library, "ada", "no-police"))
    make_user(library, "anna", "se-roks")
    anna = actor_for(user_by_username(library, "anna"))

    with pytest.raises(Forbidden):
        review.approve(library, "demo_case", number, START, anna)
    with pytest.raises(Forbidden):
        review.comment(library, "demo_case", number, "fine by me", START, anna)


def test_approving_an_older_proposal_after_a_newer_one_keeps_the_newer_current(
    library: Session,
) -> None:
    ada, cara = admin(library, "ada", "no-police"), admin(library, "cara", "se-roks")
    older = propose(library, b"PT6H", ada)
    newer = propose(library, b"PT8H", ada)
    review.approve(library, "demo_case", newer, START, cara)

    review.approve(library, "demo_case", older, START, cara)

    assert versions.current_version(library, "demo_case").version == newer
    versions.activate(library, "demo_case", older, START, cara)  # approved: a rollback target
    assert versions.current_version(library, "demo_case").version == older


def test_a_decided_proposal_cannot_be_decided_again(library: Session) -> None:
    ada, cara = admin(library, "ada", "no-police"), admin(library, "cara", "se-roks")
    number = propose(library, b"PT6H", ada)
    review.reject(library, "demo_case", number, "Police cannot meet it", START, cara)

    with pytest.raises(Conflict, match="already rejected"):
        review.approve(library, "demo_case", number, START, cara)
    with pytest.raises(Conflict, match="is rejected"):
        versions.activate(library, "demo_case", number, START, cara)


def test_an_empty_or_overlong_comment_is_refused(library: Session) -> None:
    number = propose(library, b"PT6H", admin(library, "ada", "no-police"))
    cara = admin(library, "cara", "se-roks")
    for body in ("  ", "x" * 4001):
        with pytest.raises(InvalidData):
            review.comment(library, "demo_case", number, body, START, cara)


def test_four_eyes_are_on_unless_a_development_install_turns_them_off(tmp_path) -> None:
    base = {
        "NBASSIST_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "NBASSIST_SECRET_KEY": "s" * 40,
        "NBASSIST_DATA_KEY": "a" * 43 + "=",
    }
    assert load_settings(base).four_eyes is True
    assert load_settings({**base, "NBASSIST_FOUR_EYES": "off"}).four_eyes is False
    with pytest.raises(ConfigError, match="development install with one organisation"):
        load_settings({**base, "NBASSIST_ENV": "production", "NBASSIST_FOUR_EYES": "off"})
    with pytest.raises(ConfigError, match="'on' or 'off'"):
        load_settings({**base, "NBASSIST_FOUR_EYES": "maybe"})


def test_a_changed_decision_table_is_proposed_with_the_cells_that_changed(
    library: Session,
) -> None:
    table = (PROCESSES_DIR / "risk_level.dmn").read_bytes()
    lowered = table.replace(
        b'<outputEntry id="OutputEntry_high_threats_risk_level">\n          <text>"high"</text>',
        b'<outputEntry id="OutputEntry_high_threats_risk_level">\n          <text>"medium"</text>',
    )
    assert lowered != table
    ada = admin(library, "ada", "no-police")

    deployed = versions.deploy_directory(
        library, PROCESSES_DIR, START, ada, {"risk_level.dmn": lowered}, four_eyes=True
    )

    (journey,) = [d for d in deployed if d.process_id == "victim_journey"]
    assert journey.review_state == "proposed" and not journey.current
    (proposal,) = [p for p in review.proposals(library) if p.version.process_id == "victim_journey"]
    diff = proposal.version.review_diff
    assert "file risk_level.dmn changed" in diff
    assert (
        '  -          <text>"high"</text>' in diff and '  +          <text>"medium"</text>' in diff
    )
