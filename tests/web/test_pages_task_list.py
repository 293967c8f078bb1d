"""The home task list at scale: a search box for the case instead of a list of every
reference, and pages of 50 with a link to the next."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories.case_rows import add_case, add_task
from tests.factories.pages import sign_in, text
from tests.factories.people import make_user


def test_the_case_filter_is_a_labelled_search_box_not_a_list_of_references(
    client: FlaskClient, session: Session
) -> None:
    for n in range(3):
        add_task(session, add_case(session, f"SE-T{n:04d}"), "se-roks")
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    body = text(client.get("/?case=se-t0001"))
    assert '<label for="filter-case">Case reference</label>' in body
    assert 'type="search" id="filter-case" name="case" value="SE-T0001"' in body
    assert 'aria-describedby="filter-case-hint"' in body and 'id="filter-case-hint"' in body
    assert "SE-T0001" in body and "SE-T0002" not in body  # no option lists the others


def test_a_long_list_comes_in_pages_of_fifty_with_next_and_previous_links(
    client: FlaskClient, session: Session
) -> None:
    case_id = add_case(session, "SE-T0001")
    for n in range(60):
        add_task(session, case_id, "se-roks", due_in=timedelta(hours=n + 1))
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    first = text(client.get("/?sort=due"))
    assert first.count('data-task="immediate_safety"') == 50
    assert 'rel="next" href="/?view=organisation&amp;sort=due&amp;page=2"' in first
    assert 'rel="prev"' not in first
    assert '<span class="tab-count">60</span>' in first  # the tab counts them all
    second = text(client.get("/?view=organisation&sort=due&page=2"))
    assert second.count('data-task="immediate_safety"') == 10
    assert 'rel="prev" href="/?view=organisation&amp;sort=due&amp;page=1"' in second
    assert 'rel="next"' not in second


def test_a_page_past_the_end_says_nothing_matches(client: FlaskClient, session: Session) -> None:
    add_task(session, add_case(session, "SE-T0001"), "se-roks")
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    assert "No tasks match" not in text(client.get("/?page=1"))
    past = text(client.get("/?page=3"))
    assert 'data-task="immediate_safety"' not in past
    assert "No tasks match" in past and "Nothing is waiting" not in past
