"""Her own copy for a subject-access request: everything held about her, made only by
her coordinator, and recorded in the case history."""

from __future__ import annotations

from sqlalchemy import select

from engine.case.notes import add_note
from engine.models import AuditEvent
from tests.factories.api_client import Api
from tests.factories.case_walker import staff
from tests.factories.form_data import valid_data
from tests.factories.pages import sign_in, text
from tests.factories.people import make_user

ALIAS = "Wilhelmina Okparaeke"
NOTE = "She asked us to call her sister in Lagos on Sundays"


def test_her_coordinator_gets_everything_held_about_her(client, session, services):
    anna = Api(client, make_user(session, "anna", "se-roks"))
    case = anna.open_case(alias=ALIAS, year_of_birth=1998)
    session.info["services"] = services
    add_note(session, services, staff(session, "se-roks"), case["id"], NOTE)
    anna.get(f"/cases/{case['id']}")  # a read she will see in her copy
    anna.post(
        f"/tasks/{anna.task(case, 'immediate_safety')['id']}/complete",
        {"data": valid_data("immediate_safety")},
    )

    status, copy = anna.get(f"/cases/{case['id']}/export")

    assert status == 200, copy
    assert copy["case"]["reference"] == case["reference"]
    assert copy["recorded"]["alias"] == ALIAS and copy["recorded"]["year_of_birth"] == 1998
    assert [n["body"] for n in copy["notes"]] == [NOTE]
    assert "immediate_safety" in [s["name"] for s in copy["steps"] if s["completed_at"]]
    assert copy["retention"]["counted_from"]
    assert [(r["what"], r["by"]) for r in copy["who_looked"]] == [("case.viewed", "anna")]
    session.commit()
    exported = session.scalars(
        select(AuditEvent).where(
            AuditEvent.case_id == case["id"], AuditEvent.action == "case.exported"
        )
    ).all()
    assert len(exported) == 1


def test_no_one_but_her_coordinator_gets_her_copy(client, session):
    anna = Api(client, make_user(session, "anna", "se-roks"))
    police = Api(client, make_user(session, "per", "se-police"))
    stranger = Api(client, make_user(session, "liga", "lv-marta"))
    case = anna.open_case(alias=ALIAS)

    police_status, police_body = police.get(f"/cases/{case['id']}/export")
    stranger_status, stranger_body = stranger.get(f"/cases/{case['id']}/export")

    assert police_status == 403 and ALIAS not in str(police_body)
    assert stranger_status == 404 and ALIAS not in str(stranger_body)
    session.commit()
    assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "case.exported")).all()


def test_her_copy_is_a_readable_page_linked_from_the_retention_page(client, session):
    anna = Api(client, make_user(session, "anna", "se-roks"))
    case = anna.open_case(alias=ALIAS, year_of_birth=1998)
    sign_in(client, "anna")

    retention = client.get(f"/cases/{case['id']}/retention")
    assert retention.status_code == 200 and "Make her copy" in text(retention)
    page = client.get(f"/cases/{case['id']}/her-copy")

    assert page.status_code == 200
    body = text(page)
    assert ALIAS in body and "Name or nickname" in body and "1998" in body
    download = client.get(f"/cases/{case['id']}/her-copy.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.get_json()["recorded"]["alias"] == ALIAS
