"""The case and task lists: need to know exactly as the case page decides it, whichever
way a list is read, and pages that go through every row once, in order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from engine.accounts import users
from engine.audit import Actor
from engine.case import access, read_models
from engine.case.worklist import Filters, filter_choices, guided_tasks, view_counts
from engine.models import Task
from tests.factories.case_rows import add_case, add_task, org_id
from tests.factories.database import START

DAY = timedelta(days=1)


def member_of(session: Session, slug: str, user_id: int | None = None) -> Actor:
    return Actor(user_id=user_id, organisation_id=org_id(session, slug), username=slug)


@pytest.fixture(params=["from its own rows", "walking the cases"])
def read_either_way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the test with both ways the case list can be read (few or many cases)."""
    few = request.param == "from its own rows"
    monkeypatch.setattr(read_models, "sees_few_cases", lambda session, actor: few)


def references(page: read_models.Page) -> list[str]:
    return [item["reference"] for item in page.items]


@pytest.mark.usefixtures("read_either_way")
def test_an_agency_lists_only_the_cases_it_holds_a_task_in_not_those_it_is_named_on(
    session: Session,
) -> None:
    add_case(session, "SE-T0001", {"coordinator": "se-roks", "police": "se-police"})
    elsewhere = add_case(session, "SE-T0002", {"coordinator": "se-roks"}, START + DAY)
    add_task(session, elsewhere, "se-police", "record_statement", role="police")
    add_case(session, "NO-T0003", {"coordinator": "no-rosa"}, START + 2 * DAY)
    police = member_of(session, "se-police")
    assert references(read_models.list_cases(session, police, now=START)) == ["SE-T0002"]
    roks = member_of(session, "se-roks")
    assert references(read_models.list_cases(session, roks, now=START)) == [
        "SE-T0001",
        "SE-T0002",
    ]


@pytest.mark.usefixtures("read_either_way")
def test_an_agency_loses_the_case_from_its_list_once_the_case_is_closed(session: Session) -> None:
    closed = add_case(session, "SE-T0001", {"coordinator": "se-roks"}, status="closed")
    add_task(session, closed, "se-police", "record_statement", role="police", state="cancelled")
    police = member_of(session, "se-police")
    assert read_models.list_cases(session, police, now=START).items == []
    roks = member_of(session, "se-roks")
    assert references(read_models.list_cases(session, roks, now=START)) == ["SE-T0001"]


@pytest.mark.usefixtures("read_either_way")
def test_a_task_held_only_through_her_consent_shows_no_case_once_off_the_team(
    session: Session,
) -> None:
    case_id = add_case(session, "SE-T0001", {"coordinator": "se-roks"})
    add_task(session, case_id, "lv-marta", "plan_return", role="return_partner", state="completed")
    assert read_models.list_cases(session, member_of(session, "lv-marta")).items == []
    assert not access.can_see_case(session, member_of(session, "lv-marta"), case_id)


@pytest.mark.usefixtures("read_either_way")
def test_the_case_list_pages_through_every_visible_case_once_in_creation_order(
    session: Session,
) -> None:
    # Pairs created at the same instant: the cursor must break the tie by id.
    for n in range(7):
        add_case(session, f"SE-T{n:04d}", created_at=START + (n // 2) * DAY)
    add_case(session, "NO-T0100", {"coordinator": "no-rosa"})
    roks = member_of(session, "se-roks")
    seen, cursor = [], None
    while True:
        page = read_models.list_cases(session, roks, limit=2, cursor=cursor)
        seen += references(page)
        if page.next is None:
            break
        cursor = page.next
    assert sorted(seen) == [f"SE-T{n:04d}" for n in range(7)]
    assert len(seen) == len(set(seen))
    whole = references(read_models.list_cases(session, roks))
    assert seen == whole  # the same order as one page


@pytest.mark.usefixtures("read_either_way")
def test_the_case_list_filters_by_status_and_country(session: Session) -> None:
    add_case(session, "SE-T0001")
    add_case(session, "SE-T0002", status="closed")
    roks = member_of(session, "se-roks")
    assert references(read_models.list_cases(session, roks, status="closed")) == ["SE-T0002"]
    assert references(read_models.list_cases(session, roks, country="no")) == []


def test_an_organisation_on_many_cases_is_told_apart_from_one_on_few(session: Session) -> None:
    for n in range(3):
        add_case(session, f"SE-T{n:04d}")
    roks = member_of(session, "se-roks")
    assert access.sees_few_cases(session, roks, few=4)
    assert not access.sees_few_cases(session, roks, few=3)


def test_the_task_list_pages_in_creation_order_with_ties_broken_by_id(session: Session) -> None:
    case_id = add_case(session, "SE-T0001")
    created = [
        add_task(session, case_id, "se-roks", created_at=START + (n // 3) * DAY) for n in range(7)
    ]
    add_task(session, case_id, "se-roks", state="completed")
    roks = member_of(session, "se-roks")
    seen, cursor = [], None
    while True:
        page = read_models.list_tasks(session, roks, START, limit=3, cursor=cursor)
        seen += [item["id"] for item in page.items]
        if page.next is None:
            break
        cursor = page.next
    assert sorted(seen) == sorted(created) and len(seen) == len(set(seen))
    assert seen == [item["id"] for item in read_models.list_tasks(session, roks, START).items]


def test_the_home_list_shows_fifty_tasks_a_page_and_says_when_more_follow(
    session: Session,
) -> None:
    case_id = add_case(session, "SE-T0001")
    for n in range(53):
        add_task(session, case_id, "se-roks", due_in=n * timedelta(hours=1))
    roks = member_of(session, "se-roks")
    first = guided_tasks(session, roks, START, Filters())
    second = guided_tasks(session, roks, START, Filters(page=2))
    assert (len(first.items), first.has_next) == (50, True)
    assert (len(second.items), second.has_next) == (3, False)
    due = [item.due_at for item in first.items + second.items]
    assert due == sorted(due)  # the most urgent first, across pages


def test_the_case_search_finds_a_reference_by_its_beginning(session: Session) -> None:
    for reference in ("SE-2026-0001", "SE-2026-0002", "SE-2025-0003"):
        add_task(session, add_case(session, reference), "se-roks")
    roks = member_of(session, "se-roks")

    def found(typed: str) -> list[str]:
        filters = Filters.from_args({"case": typed})
        return sorted(i.reference for i in guided_tasks(session, roks, START, filters).items)

    assert found("se-2026") == ["SE-2026-0001", "SE-2026-0002"]
    assert found(" SE-2025-0003 ") == ["SE-2025-0003"]
    assert found("SE-2026%") == []  # typed characters are not patterns


def test_counts_per_view_match_the_tasks_in_each(session: Session) -> None:
    case_id = add_case(session, "SE-T0001")
    add_task(session, case_id, "se-roks", due_in=-DAY)  # overdue
    add_task(session, case_id, "se-roks", due_in=DAY)  # due soon
    later = add_task(session, case_id, "se-roks", due_in=10 * DAY)
    add_task(session, case_id, "se-roks")  # no due date
    add_task(session, case_id, "se-roks", due_in=-DAY, state="completed")
    add_task(session, case_id, "se-police", due_in=-DAY, role="police")
    anna = users.create_user(session, "anna", "se-roks", None, START)
    session.get_one(Task, later).claimed_by_id = anna.id
    session.commit()
    roks = member_of(session, "se-roks", anna.id)
    assert view_counts(session, roks, START) == {
        "organisation": 4,
        "mine": 1,
        "soon": 1,
        "overdue": 1,
    }


def test_the_filters_offer_countries_and_tasks_but_never_list_the_cases(
    session: Session,
) -> None:
    for n in range(3):
        add_task(session, add_case(session, f"SE-T{n:04d}"), "se-roks", "immediate_safety")
    choices = filter_choices(session, member_of(session, "se-roks"))
    assert set(choices) == {"country", "task"}
    assert ("SE", "SE") in choices["country"]
    assert choices["task"] == [("immediate_safety", "Immediate safety")]


def test_tasks_without_a_due_date_come_last_across_pages_oldest_first(session: Session) -> None:
    case_id = add_case(session, "SE-T0001")
    undated = [add_task(session, case_id, "se-roks", created_at=START + n * DAY) for n in range(4)]
    dated = [add_task(session, case_id, "se-roks", due_in=(5 - n) * DAY) for n in range(2)]
    roks = member_of(session, "se-roks")
    pages = [guided_tasks(session, roks, START, Filters(page=n), size=3) for n in (1, 2, 3)]
    assert [[item.id for item in page.items] for page in pages] == [
        [dated[1], dated[0], undated[0]],
        undated[1:],
        [],
    ]
    assert [page.has_next for page in pages] == [True, False, False]
