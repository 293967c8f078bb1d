"""`POST /api/v1/cases` with a `process` (API.md): an administrator starts a test case on
any deployed process and walks it through the API; nobody else sees it or may start one."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.factories.api_client import START_DATA, Api
from tests.factories.form_data import valid_data
from tests.factories.people import make_user


def administrator(client, session: Session) -> Api:
    return Api(client, make_user(session, "ada", "se-roks", admin=True))


def test_an_administrator_starts_a_test_case_and_walks_it_to_its_end(client, session):
    admin = administrator(client, session)
    coordinator = Api(client, make_user(session, "anna", "se-roks"))

    status, case = admin.post("/cases", {"data": START_DATA, "process": "demo_case", "version": 1})
    assert status == 201, case
    assert case["test"] is True and case["process"] == {"id": "demo_case", "version": 1}
    assert set(case["team"].values()) == {"nbassist-test-cases"}
    for name in ("immediate_safety", "non_punishment_notice", "inform_rights"):
        task = admin.task(case, name)
        _, detail = admin.get(f"/tasks/{task['id']}")
        status, case = admin.post(
            f"/tasks/{task['id']}/complete", {"data": valid_data(detail["form"]["name"])}
        )
        assert status == 200, case

    assert case["status"] == "closed"
    assert coordinator.get(f"/cases/{case['id']}")[0] == 404
    assert coordinator.get("/cases", status="closed")[1]["items"] == []


def test_only_an_administrator_may_name_a_process(client, session):
    coordinator = Api(client, make_user(session, "anna", "se-roks"))

    status, body = coordinator.post("/cases", {"data": START_DATA, "process": "demo_case"})

    assert status == 403 and "administrators" in body["error"]["message"]


def test_a_version_that_is_not_a_number_or_not_deployed_is_refused_clearly(client, session):
    admin = administrator(client, session)

    wrong = admin.post("/cases", {"data": START_DATA, "process": "demo_case", "version": "2"})
    missing = admin.post("/cases", {"data": START_DATA, "process": "demo_case", "version": 99})

    assert wrong[0] == 422 and wrong[1]["error"]["fields"] == {
        "version": "A version number, or leave it out"
    }
    assert missing[0] == 404 and "has no version 99" in missing[1]["error"]["message"]


def test_an_administrator_can_end_a_test_case_as_its_coordinator_would(client, session):
    admin = administrator(client, session)
    _, case = admin.post("/cases", {"data": START_DATA, "process": "demo_case"})

    status, ended = admin.post(
        f"/cases/{case['id']}/messages", {"name": "withdraw", "data": valid_data("withdraw")}
    )

    assert status == 200 and ended["status"] == "withdrawn"


def test_a_test_case_with_her_details_neither_matches_her_case_nor_reveals_it(client, session):
    her = {**START_DATA, "alias": "Ljudmila Quokkaberg", "year_of_birth": 1999}
    coordinator = Api(client, make_user(session, "anna", "se-roks"))
    coordinator.open_case(**her)
    admin = administrator(client, session)

    _, test = admin.post("/cases", {"data": her, "process": "demo_case"})
    again = coordinator.open_case(**her)

    assert test["matching_cases"] == []
    assert [m["organisation"] for m in again["matching_cases"]] == ["se-roks"]
