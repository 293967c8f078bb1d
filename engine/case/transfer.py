"""She moves (JOURNEY correction 9): `transfer_case` hands her case to the coordinator of
another network country. The case keeps its id, history, consents and open claims; every
role goes to the organisation the directory names for it in the new country, with the
open work of that role, so the old team loses access at once; the diagram then looks up
the new country's reflection or recovery period.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.case.team import add_team_member, move_open_work, remove_team_member
from engine.directory import default_team
from engine.errors import InvalidData
from engine.models import Case, Task

TRANSFER_TASK = "transfer_case"
# Who follows her across the border: the partner in her country of return stays.
STAYS = frozenset({"return_partner"})


def check_transfer(case: Case, data: dict[str, Any]) -> None:
    if data.get("consent_given") is not True:
        raise InvalidData(
            "the case moves only with her consent",
            {"consent_given": "The case moves to another country only with her consent"},
        )
    if data.get("host_country") == case.host_country:
        raise InvalidData(
            "the case is already in this country",
            {"host_country": "Choose the country she moves to"},
        )


def hand_over(
    session: Session, actor: Actor, case: Case, data: dict[str, Any], now: datetime
) -> None:
    """The team of the new country takes over every role and its open tasks."""
    country = str(data["host_country"])
    new_team = default_team(session, country)
    old_country = case.host_country
    moved = 0
    for member in list(case.team):
        if member.role in STAYS:
            continue
        successor = new_team.get(member.role) or new_team["coordinator"]
        moved += move_open_work(
            session,
            Task.case_id == case.id,
            Task.organisation_id == member.organisation_id,
            Task.role == member.role,
            to=successor.id,
        )
        if member.role in new_team:
            add_team_member(session, case, member.role, successor.slug)
        else:
            remove_team_member(case, member.role, member.organisation_id)
    for role, organisation in new_team.items():
        if all(m.role != role for m in case.team):
            add_team_member(session, case, role, organisation.slug)
    # Those who leave lose the case at once, their past work included: what they did
    # stays in her history, but it no longer shows them her case.
    staying = {m.organisation_id for m in case.team}
    for task in session.scalars(
        select(Task).where(Task.case_id == case.id, Task.organisation_id.not_in(staying))
    ):
        if task.role not in STAYS and task.access_ended_at is None:
            task.access_ended_at = now
    case.host_country = country
    record(
        session,
        actor,
        "case.transferred",
        now,
        case.id,
        from_country=old_country,
        to_country=country,
        coordinator=new_team["coordinator"].slug,
        tasks_moved=moved,
    )
