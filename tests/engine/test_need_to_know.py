"""The access policy (JOURNEY.md, correction 11): being named on the team gives no
access; the shelter sees the care parts; an agency its own tasks and what they need;
her consent, for any organisation, adds what she agreed to; a legal basis needs a
reason, a second person and an end; closing ends everyone's access but the
coordinator's; every read is audited once and the coordinator sees who looked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts import users
from engine.audit import Actor
from engine.case import consents, grants, notes, read_models, team
from engine.case.access import case_and_view, visible_case
from engine.case.diagram import case_diagram
from engine.case.overview import case_overview
from engine.case.visibility import ABOUT, CARE_PARTS, DIAGRAM, NOTES, TEAM
from engine.db.context import Services
from engine.errors import Forbidden, InvalidData, NotFound
from engine.models import AuditEvent
from tests.factories.case_walker import Walker, staff
from tests.factories.consents import consent, to_return

STORY = "She said the trafficker phones her sister in Daugavpils"


def view_of(session: Session, services: Services, slug: str, case_id: str):  # type: ignore[no-untyped-def]
    return case_and_view(session, staff(session, slug), case_id, services.now())[2]


def to_police(walker: Walker) -> None:
    """The coordinator's non-punishment check, with her consent: the police get a task."""
    walker.complete(
        "non_punishment_check",
        faces_charges="no",
        detention_or_removal="none",
        police_basis="her_consent",
    )


def second_person(session: Session, slug: str, username: str) -> Actor:
    users.create_user(session, username, slug, None, session.info["services"].now())
    session.commit()
    return users.actor_for(users.user_by_username(session, username))


def test_being_named_on_the_team_gives_an_agency_nothing(session, services):
    walker = Walker(session, services, has_residence_right=True)
    assert walker.team()["migration"] == "se-migration"
    with pytest.raises(NotFound):
        visible_case(session, staff(session, "se-migration"), walker.case.id, services.now())


def test_the_shelter_sees_the_care_parts_and_the_team_notes_but_not_the_diagram(session, services):
    walker = Walker(session, services, notes=STORY)
    roks = staff(session, "se-roks")
    team.assign_role(session, services, roks, walker.case.id, "ngo_support", "se-skr")
    notes.add_note(session, services, roks, walker.case.id, "shared", visibility="team")
    notes.add_note(session, services, roks, walker.case.id, "ours")
    view = view_of(session, services, "se-skr", walker.case.id)
    assert view.parts == CARE_PARTS and view.fields is None
    assert not view.shows(DIAGRAM)
    skr = staff(session, "se-skr")
    assert [n.body for n in notes.list_notes(session, services, skr, walker.case.id)] == ["shared"]


def test_an_agency_sees_its_own_task_and_only_the_fields_it_needs(session, services):
    walker = Walker(session, services, alias="Zirkonia", notes=STORY)
    to_police(walker)
    view = view_of(session, services, "se-police", walker.case.id)
    assert view.own_tasks_only and not view.shows(NOTES) and not view.shows(TEAM)
    assert view.fields == {"origin_country", "has_residence_right"}  # the task's `needs`
    notice = walker.task("non_punishment_notice")
    police = staff(session, "se-police")
    detail = read_models.task_detail(session, services.cipher, police, notice.id, services.now())
    assert detail["data"] == {"origin_country": "NG", "has_residence_right": False}
    assert "Zirkonia" not in str(detail) and STORY not in str(detail)
    summary = read_models.read_case(session, police, walker.case.id, services.now())
    assert summary["team"] == {}
    assert {t["organisation"] for t in summary["open_tasks"]} == {"se-police"}


def test_her_consent_lets_an_organisation_abroad_see_what_she_agreed_and_no_more(session, services):
    walker = Walker(session, services, alias="Zirkonia", notes=STORY)
    roks, lv_police = staff(session, "se-roks"), staff(session, "lv-police")
    with pytest.raises(NotFound):
        visible_case(session, lv_police, walker.case.id, services.now())
    recorded = consents.give_consent(
        session, services, roks, walker.case.id, "lv-police", ["alias", "notes"],
        "her statement in Riga", "2026-02-01", "lv", True,
    )  # fmt: skip
    assert recorded.role == "" and recorded.interpreter_used
    view = view_of(session, services, "lv-police", walker.case.id)
    assert view.fields == {"alias"} and view.shows(ABOUT) and view.shows(NOTES)
    assert "lv-police" not in walker.team().values()  # a consent is not a team role
    consents.withdraw_consent(session, services, roks, walker.case.id, recorded.id)
    with pytest.raises(NotFound):
        visible_case(session, lv_police, walker.case.id, services.now())


def test_a_consent_ends_on_its_last_day_even_before_the_scheduler_runs(session, services):
    walker = Walker(session, services)
    roks = staff(session, "se-roks")
    consents.give_consent(
        session, services, roks, walker.case.id, "se-health", ["languages"], "care", "2026-01-06",
        "en", False,
    )  # fmt: skip
    assert view_of(session, services, "se-health", walker.case.id).fields == {"languages"}
    services.clock.advance(timedelta(days=2))
    with pytest.raises(NotFound):
        view_of(session, services, "se-health", walker.case.id)


@pytest.mark.parametrize(
    ("field", "value"),
    [("fields", []), ("fields", ["her_passport"]), ("purpose", " "), ("valid_until", "soon")],
)
def test_an_incomplete_consent_is_refused_and_names_the_field(session, services, field, value):
    walker = Walker(session, services)
    args = {"fields": ["alias"], "purpose": "care", "valid_until": "2026-02-01"}
    args[field] = value
    with pytest.raises(InvalidData) as refused:
        consents.give_consent(
            session, services, staff(session, "se-roks"), walker.case.id, "se-health",
            args["fields"], args["purpose"], args["valid_until"], "en", False,
        )  # fmt: skip
    assert field in refused.value.fields


def test_only_the_coordinator_records_a_consent(session, services):
    walker = Walker(session, services)
    to_police(walker)
    with pytest.raises(Forbidden):
        consents.give_consent(
            session, services, staff(session, "se-police"), walker.case.id, "lv-police",
            ["alias"], "x", "2026-02-01", "en", False,
        )  # fmt: skip


def test_the_team_takes_only_organisations_of_the_host_country(session, services):
    walker = Walker(session, services)
    roks = staff(session, "se-roks")
    with pytest.raises(InvalidData) as refused:
        team.assign_role(session, services, roks, walker.case.id, "police", "lv-police")
    assert "abroad" in refused.value.fields["organisation"]
    assert walker.team()["police"] == "se-police"


def test_a_legal_basis_needs_a_second_person_and_ends_on_time(session, services):
    walker = Walker(session, services, alias="Zirkonia")
    anna = staff(session, "se-roks")
    grant = grants.request_grant(
        session, services, anna, walker.case.id, "se-health", "risk_to_life",
        "she collapsed; her allergies are in the notes", ["alias", "notes"], "2",
    )  # fmt: skip
    with pytest.raises(NotFound):  # not in force until confirmed
        view_of(session, services, "se-health", walker.case.id)
    with pytest.raises(Forbidden):
        grants.confirm_grant(session, services, anna, walker.case.id, grant.id)
    berit = second_person(session, "se-roks", "berit")
    grants.confirm_grant(session, services, berit, walker.case.id, grant.id)
    view = view_of(session, services, "se-health", walker.case.id)
    assert view.basis == "legal_basis" and view.fields == {"alias"} and view.shows(NOTES)
    overview = case_overview(session, services, anna, walker.case.id)
    assert [g.status for g in overview.grants] == ["in_force"]
    services.clock.advance(timedelta(days=2))
    with pytest.raises(NotFound):
        view_of(session, services, "se-health", walker.case.id)


@pytest.mark.parametrize(
    ("slug", "basis", "days", "field"),
    [
        ("se-health", "curiosity", "3", "basis"),
        ("se-health", "statutory_duty", "31", "days"),
        ("lv-police", "statutory_duty", "3", "organisation"),
    ],
)
def test_a_legal_basis_is_refused_without_a_known_basis_beyond_thirty_days_or_abroad(
    session, services, slug, basis, days, field
):
    walker = Walker(session, services)
    with pytest.raises(InvalidData) as refused:
        grants.request_grant(
            session, services, staff(session, "se-roks"), walker.case.id, slug, basis,
            "reason", ["alias"], days,
        )  # fmt: skip
    assert list(refused.value.fields) == [field]


def test_withdrawal_ends_every_access_but_the_coordinators(session, services):
    walker = to_return(session, services)
    consent(walker)
    walker.message("withdraw")
    for slug in ("se-police", "lv-marta", "se-roks"):
        if slug == "se-roks":
            assert visible_case(session, staff(session, slug), walker.case.id, services.now())
            continue
        with pytest.raises(NotFound):
            visible_case(session, staff(session, slug), walker.case.id, services.now())
        assert read_models.list_cases(session, staff(session, slug), now=services.now()).items == []


def test_the_partners_task_receives_the_fields_she_consented_to_share(session, services):
    walker = to_return(session, services)
    consent(walker, shared_fields=["languages"])
    task = walker.task("return_needs_assessment")
    marta = staff(session, "lv-marta")
    detail = read_models.task_detail(session, services.cipher, marta, task.id, services.now())
    assert detail["data"] == {"languages": ["en"]}


def reads(session: Session, case_id: str) -> int:
    session.commit()  # audit events are chained and written at commit
    return session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.action.like("%.viewed"))
    )


def test_every_read_is_audited_once_and_the_coordinator_sees_who_looked(session, services):
    walker = Walker(session, services)
    to_police(walker)
    police, roks = staff(session, "se-police"), staff(session, "se-roks")
    before = reads(session, walker.case.id)
    read_models.read_case(session, police, walker.case.id, services.now())
    assert reads(session, walker.case.id) == before + 1
    case_diagram(session, services, roks, walker.case.id)
    assert reads(session, walker.case.id) == before + 2
    case_overview(session, services, roks, walker.case.id)
    assert reads(session, walker.case.id) == before + 3
    with pytest.raises(NotFound):  # the drawing shows everyone's work: not the police's
        case_diagram(session, services, police, walker.case.id)
    session.commit()
    readers = case_overview(session, services, roks, walker.case.id).readers
    assert [(r["by"], r["part"]) for r in readers[:3]] == [
        ("staff.se-roks", "case"),
        ("staff.se-roks", "diagram"),
        ("staff.se-police", "case"),
    ]
    assert case_overview(session, services, police, walker.case.id).readers == []


def test_the_partner_no_longer_lists_its_completed_task_once_her_consent_ends(session, services):
    walker = to_return(session, services)
    recorded = consent(walker)
    walker.complete("return_needs_assessment")  # by MARTA
    marta = staff(session, "lv-marta")
    done = read_models.list_tasks(session, marta, services.now(), state="completed")
    assert "return_needs_assessment" in [t["name"] for t in done.items]
    roks = staff(session, "se-roks")
    consents.withdraw_consent(session, services, roks, walker.case.id, recorded.id)
    assert read_models.list_tasks(session, marta, services.now(), state="completed").items == []
