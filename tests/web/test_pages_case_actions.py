"""Recording what happened on the case page (new information, protection, her withdrawal,
closing), the coordinator changing the case team, and service tasks that say which
service they are about."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case, Organisation, Task
from tests.factories.form_data import valid_data
from tests.factories.pages import (
    open_case_through_the_page,
    post,
    sign_in,
    switch_user,
    task_id,
    text,
)
from tests.factories.people import make_user


def coordinated_case(client: FlaskClient, session: Session) -> str:
    """A Swedish case opened and coordinated by ROKS; Swedish police are on its team."""
    make_user(session, "anna", "se-roks")
    make_user(session, "sven", "se-police")
    sign_in(client, "anna")
    return open_case_through_the_page(client)


def open_task_names(session: Session, case_id: str) -> list[str]:
    session.commit()  # see what the app committed
    return sorted(
        session.scalars(select(Task.name).where(Task.case_id == case_id, Task.state == "open"))
    )


def case_status(session: Session, case_id: str) -> str:
    session.commit()
    return session.scalars(select(Case.status).where(Case.id == case_id)).one()


def holder(session: Session, case_id: str, name: str) -> str:
    session.commit()
    return session.scalars(
        select(Organisation.slug)
        .join(Task, Task.organisation_id == Organisation.id)
        .where(Task.case_id == case_id, Task.name == name, Task.state == "open")
    ).one()


END_CASE = {"reason": "her_choice", "told_can_come_back": True}


# --- recording what happened ------------------------------------------------------------


def test_the_coordinator_records_new_information_and_a_review_task_appears(
    client: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(client, session)
    page = text(client.get(f"/cases/{case_id}"))
    assert "Record something that happened" in page
    assert 'data-action="new_information"' in page and 'data-action="withdraw"' in page
    assert 'data-action="close_case"' not in page  # the demo process has no closing message
    form = text(client.get(f"/cases/{case_id}/record/new_information"))
    assert 'name="summary"' in form and 'id="f-affects_identification"' in form
    data = valid_data("new_information", summary="She remembered where she was kept.")
    response = post(client, f"/cases/{case_id}/record/new_information", data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{case_id}"
    body = text(client.get(f"/cases/{case_id}"))
    assert "The new information is recorded" in body
    assert 'data-task="review_identification"' in body
    assert "new information" in body  # the timeline
    assert "review_identification" in open_task_names(session, case_id)


def test_new_information_with_a_missing_answer_keeps_what_was_written(
    client: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(client, session)
    response = post(
        client, f"/cases/{case_id}/record/new_information", {"summary": "She called us."}
    )
    body = text(response)
    assert response.status_code == 422
    assert 'class="error-summary"' in body and 'href="#f-affects_identification"' in body
    assert 'id="f-affects_identification-error"' in body
    assert "She called us." in body
    assert "review_identification" not in open_task_names(session, case_id)


def test_police_record_new_information_but_cannot_end_the_case(
    client: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(client, session)
    switch_user(client, "sven")
    page = text(client.get(f"/cases/{case_id}"))
    assert 'data-action="new_information"' in page
    assert 'data-action="withdraw"' not in page
    assert client.get(f"/cases/{case_id}/record/withdraw").status_code == 403
    forged = post(client, f"/cases/{case_id}/record/withdraw", {**END_CASE, "confirm": "yes"})
    assert forged.status_code == 403
    assert "Only the case coordinator" in text(forged)
    assert case_status(session, case_id) == "open"
    data = valid_data("new_information", summary="She was seen with a known recruiter.")
    assert post(client, f"/cases/{case_id}/record/new_information", data).status_code == 302
    assert "review_identification" in open_task_names(session, case_id)


def test_withdrawal_needs_a_confirmation_then_cancels_the_open_tasks(
    client: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(client, session)
    before = open_task_names(session, case_id)
    form = text(client.get(f"/cases/{case_id}/record/withdraw"))
    assert "This ends the case" in form
    assert "Arrange immediate safety" in form and "Confirm non-punishment" in form  # to cancel
    assert 'id="confirm-end"' in form
    unconfirmed = post(client, f"/cases/{case_id}/record/withdraw", END_CASE)
    assert unconfirmed.status_code == 422
    assert 'id="confirm-end-error"' in text(unconfirmed) and 'href="#confirm-end"' in text(
        unconfirmed
    )
    assert open_task_names(session, case_id) == before
    assert case_status(session, case_id) == "open"
    response = post(client, f"/cases/{case_id}/record/withdraw", {**END_CASE, "confirm": "yes"})
    assert response.status_code == 302
    assert case_status(session, case_id) == "withdrawn"
    assert open_task_names(session, case_id) == []
    states = session.scalars(select(Task.state).where(Task.case_id == case_id)).all()
    assert sorted(states) == ["cancelled", "cancelled"]  # cancelled, never deleted
    page = text(client.get(f"/cases/{case_id}"))
    assert "Her withdrawal is recorded" in page
    assert 'data-testid="case-ended"' in page and "She withdrew from assistance" in page
    assert 'id="record"' not in page  # no more actions
    assert "/team" not in page  # no team changes either


def test_nothing_can_be_recorded_on_a_case_that_has_ended(
    client: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(client, session)
    post(client, f"/cases/{case_id}/record/withdraw", {**END_CASE, "confirm": "yes"})
    data = valid_data("new_information", summary="Too late.")
    response = post(client, f"/cases/{case_id}/record/new_information", data)
    assert response.status_code == 302
    assert "has ended" in text(client.get(response.headers["Location"]))
    assert open_task_names(session, case_id) == []


def test_an_unknown_kind_of_record_is_not_found(client: FlaskClient, session: Session) -> None:
    case_id = coordinated_case(client, session)
    assert client.get(f"/cases/{case_id}/record/delete_everything").status_code == 404
    # The demo process takes no protection_needed message: no form for it either.
    assert client.get(f"/cases/{case_id}/record/protection_needed").status_code == 404


def test_an_organisation_off_the_case_cannot_record_anything(
    client: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(client, session)
    make_user(session, "olav", "no-police")
    switch_user(client, "olav")
    data = valid_data("new_information", summary="x")
    assert post(client, f"/cases/{case_id}/record/new_information", data).status_code == 404
    assert client.get(f"/cases/{case_id}/record/new_information").status_code == 404


def test_every_action_needs_the_csrf_token(client: FlaskClient, session: Session) -> None:
    case_id = coordinated_case(client, session)
    before = open_task_names(session, case_id)
    attempts = {
        f"/cases/{case_id}/record/new_information": valid_data("new_information", summary="x"),
        f"/cases/{case_id}/record/withdraw": {**END_CASE, "confirm": "yes"},
        f"/cases/{case_id}/team": {"role": "ngo_support", "organisation": "se-skr"},
    }
    for path, data in attempts.items():
        response = client.post(path, data=data)  # no csrf_token
        assert response.status_code == 400, path
        assert "This form has expired" in text(response)
    assert open_task_names(session, case_id) == before
    assert holder(session, case_id, "immediate_safety") == "se-roks"
    assert case_status(session, case_id) == "open"


def test_police_ask_for_protection_and_the_police_and_prosecutor_get_tasks(
    journey: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(journey, session)
    check = task_id(session, case_id, "non_punishment_check")
    post(  # with her consent the police get a task, and so see the case
        journey,
        f"/tasks/{check}",
        valid_data(
            "non_punishment_check",
            faces_charges="no",
            detention_or_removal="none",
            police_basis="her_consent",
        ),
    )
    switch_user(journey, "sven")
    page = text(journey.get(f"/cases/{case_id}"))
    assert 'data-action="protection_needed"' in page
    assert 'data-action="close_case"' not in page
    assert journey.get(f"/cases/{case_id}/record/close_case").status_code == 403
    data = valid_data("protection_needed", reason="threats", urgent=True)
    response = post(journey, f"/cases/{case_id}/record/protection_needed", data)
    assert response.status_code == 302
    assert "The need for protection is recorded" in text(journey.get(f"/cases/{case_id}"))
    assert holder(session, case_id, "witness_protection") == "se-police"
    assert holder(session, case_id, "procedural_adaptations") == "se-prosecutor"


def test_the_coordinator_closes_a_journey_case_after_confirming(
    journey: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(journey, session)
    page = text(journey.get(f"/cases/{case_id}"))
    assert 'data-action="close_case"' in page and 'data-action="protection_needed"' in page
    assert len(open_task_names(session, case_id)) > 3
    data = {"reason": "not_trafficking", "note": "Referred to other help."}
    assert post(journey, f"/cases/{case_id}/record/close_case", data).status_code == 422
    assert case_status(session, case_id) == "open"
    response = post(journey, f"/cases/{case_id}/record/close_case", {**data, "confirm": "yes"})
    assert response.status_code == 302
    assert case_status(session, case_id) == "closed"
    assert open_task_names(session, case_id) == []
    page = text(journey.get(f"/cases/{case_id}"))
    assert "This case is closed" in page
    assert 'id="record"' not in page


def test_she_can_withdraw_after_her_care_plan_has_services(
    journey: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(journey, session)
    needs = task_id(session, case_id, "assess_needs")
    data = valid_data("assess_needs", services=["safe_housing"], discussed_with_her=True)
    assert post(journey, f"/tasks/{needs}", data).status_code == 302
    response = post(journey, f"/cases/{case_id}/record/withdraw", {**END_CASE, "confirm": "yes"})
    assert response.status_code == 302
    assert case_status(session, case_id) == "withdrawn"


# --- the case team ------------------------------------------------------------------------


def test_the_coordinator_gives_shelter_to_another_organisation_and_its_tasks_move(
    client: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(client, session)
    make_user(session, "siri", "se-skr")
    page = text(client.get(f"/cases/{case_id}"))
    assert 'id="team-ngo_support"' in page and 'value="se-skr"' in page
    assert 'id="team-police"' not in page  # no other police in Sweden to choose
    assert holder(session, case_id, "immediate_safety") == "se-roks"
    response = post(
        client, f"/cases/{case_id}/team", {"role": "ngo_support", "organisation": "se-skr"}
    )
    assert response.status_code == 302
    assert holder(session, case_id, "immediate_safety") == "se-skr"
    assert holder(session, case_id, "non_punishment_notice") == "se-police"  # other roles stay
    page = text(client.get(f"/cases/{case_id}"))
    assert "is now Shelter and support on this case" in page
    assert "changed the case team" in page  # the timeline
    switch_user(client, "siri")
    assert 'data-task="immediate_safety"' in text(client.get("/"))


def test_an_organisation_that_does_not_fill_the_role_is_refused_next_to_the_field(
    client: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(client, session)
    response = post(
        client, f"/cases/{case_id}/team", {"role": "ngo_support", "organisation": "se-police"}
    )
    body = text(response)
    assert response.status_code == 422
    assert 'id="team-ngo_support-error"' in body
    assert "does not work as shelter and support" in body
    assert holder(session, case_id, "immediate_safety") == "se-roks"
    unknown = post(
        client, f"/cases/{case_id}/team", {"role": "ngo_support", "organisation": "nobody"}
    )
    assert unknown.status_code == 422
    assert "Choose an organisation from the list" in text(unknown)


def test_only_the_coordinator_changes_the_team(client: FlaskClient, session: Session) -> None:
    case_id = coordinated_case(client, session)
    switch_user(client, "sven")
    page = text(client.get(f"/cases/{case_id}"))
    assert "Case team" not in page  # an agency sees its own task, not who else works on her
    assert f'action="/cases/{case_id}/team"' not in page
    forged = post(
        client, f"/cases/{case_id}/team", {"role": "ngo_support", "organisation": "se-skr"}
    )
    assert forged.status_code == 403
    assert holder(session, case_id, "immediate_safety") == "se-roks"


# --- service tasks say which service ------------------------------------------------------


def test_a_service_task_names_its_service_in_lists_and_on_its_page(
    journey: FlaskClient, session: Session
) -> None:
    case_id = coordinated_case(journey, session)
    needs = task_id(session, case_id, "assess_needs")
    data = valid_data("assess_needs", services=["safe_housing", "health"], discussed_with_her=True)
    assert post(journey, f"/tasks/{needs}", data).status_code == 302
    home = text(journey.get("/"))
    assert "Provide the service: Safe housing" in home  # ROKS provides safe housing
    case_page = text(journey.get(f"/cases/{case_id}"))
    assert "Provide the service: Safe housing" in case_page
    assert "Provide the service: Health care" in case_page  # held by health services
    session.commit()
    housing = session.scalars(
        select(Task.id)
        .join(Organisation, Organisation.id == Task.organisation_id)
        .where(Task.case_id == case_id, Task.name == "provide_service")
        .where(Organisation.slug == "se-roks")
    ).one()
    page = text(journey.get(f"/tasks/{housing}"))
    assert '<h1 id="form-top">Provide the service: Safe housing</h1>' in page
