"""What a list costs an agency: the same number of SQL statements for a page of many
cases as for a page of few (the access policy reads each case's consents and legal
bases, which must come in one query for the page, not one per case)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engine.db.context import Services
from tests.factories.case_walker import Walker, police_may_be_told
from tests.factories.pages import sign_in
from tests.factories.people import make_user
from tests.web.test_case_page_cost import counted_statements


def police_cases(session: Session, services: Services, count: int) -> None:
    for _ in range(count):
        police_may_be_told(Walker(session, services))  # the police's notice opens


def statements_for(client: FlaskClient, db: Engine, path: str) -> int:
    with counted_statements(db) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_an_agencys_task_and_case_lists_cost_the_same_for_three_cases_or_nine(
    client: FlaskClient, session: Session, services: Services, db: Engine
) -> None:
    make_user(session, "per", "se-police")
    sign_in(client, "per")
    police_cases(session, services, 3)
    client.get("/")  # the first view reads the process's task titles once for the worker
    few = {path: statements_for(client, db, path) for path in ("/", "/cases")}
    police_cases(session, services, 6)
    many = {path: statements_for(client, db, path) for path in ("/", "/cases")}
    assert many == few
