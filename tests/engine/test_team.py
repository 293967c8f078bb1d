"""The coordinator can change who fills a role; open tasks follow the role."""

from __future__ import annotations

import pytest

from engine.case.access import visible_case
from engine.case.team import assign_role
from engine.errors import Forbidden, InvalidData, NotFound
from tests.factories.case_walker import Walker, staff


def test_open_tasks_follow_a_role_to_its_new_organisation(session, services):
    walker = Walker(session, services)
    coordinator = staff(session, "se-roks")
    assign_role(session, services, coordinator, walker.case.id, "ngo_support", "se-skr")
    assert walker.team()["ngo_support"] == "se-skr"
    assert walker.holder("immediate_safety") == "se-skr"
    assert walker.holder("inform_rights") == "se-roks"  # the coordinator's own task stays
    visible_case(session, staff(session, "se-skr"), walker.case.id)


def test_only_the_coordinator_changes_the_team(session, services):
    walker = Walker(session, services)
    walker.complete(
        "non_punishment_check",
        faces_charges="no",
        detention_or_removal="none",
        police_basis="her_consent",
    )  # with her consent the police get a task, and so see the case
    with pytest.raises(Forbidden):
        assign_role(
            session, services, staff(session, "se-police"), walker.case.id, "police", "se-police"
        )
    with pytest.raises(NotFound):
        assign_role(
            session, services, staff(session, "no-police"), walker.case.id, "police", "no-police"
        )


def test_an_organisation_must_fill_the_role_it_is_given(session, services):
    walker = Walker(session, services)
    coordinator = staff(session, "se-roks")
    with pytest.raises(InvalidData):
        assign_role(session, services, coordinator, walker.case.id, "police", "se-health")
    with pytest.raises(InvalidData):
        assign_role(session, services, coordinator, walker.case.id, "coordinator", "lv-marta")
    with pytest.raises(InvalidData):
        assign_role(session, services, coordinator, walker.case.id, "chef", "se-roks")
    with pytest.raises(InvalidData, match="consent"):  # principle 8: only with her consent
        assign_role(session, services, coordinator, walker.case.id, "return_partner", "lv-marta")
    assert walker.team()["police"] == "se-police"
