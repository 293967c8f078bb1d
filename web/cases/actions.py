"""What the case page offers besides its tasks: recording something that happened (the
case's messages) and, for the coordinator, choosing which organisation fills each role.

An action is offered only when the case's own process version knows its message, so a
case on a process without, say, `protection_needed` never shows a form that would fail.
Withdrawal and closing end the case and cancel its open tasks: only the coordinator
records them, and only after confirming.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.case.access import CONSENT_ROLES
from engine.case.diagram import messages_in
from engine.case.transactions import COORDINATOR_MESSAGES
from engine.directory import ROLES
from engine.models import Case, Organisation, Task


@dataclass(frozen=True)
class Action:
    name: str  # the message, and the form of the same name
    title: object  # lazy strings: rendered in the reader's language
    summary: object
    done: object  # the flash message after recording it

    @property
    def coordinator_only(self) -> bool:
        return self.name in COORDINATOR_MESSAGES

    @property
    def ends_case(self) -> bool:
        return self.name in ("withdraw", "close_case")


ACTIONS = {
    action.name: action
    for action in (
        Action(
            "new_information",
            _l("New information"),
            _l("Her story changed, or you learned something that may matter for her case."),
            _l("The new information is recorded. The case coordinator reviews it."),
        ),
        Action(
            "protection_needed",
            _l("Protection needed"),
            _l("Ask the police and the prosecutor for protection and procedural adaptations."),
            _l("The need for protection is recorded. The police and the prosecutor have tasks."),
        ),
        Action(
            "withdraw",
            _l("She withdraws from assistance"),
            _l("She has chosen to leave assistance. The case ends; nothing is deleted."),
            _l("Her withdrawal is recorded. The case has ended and its open tasks are cancelled."),
        ),
        Action(
            "close_case",
            _l("Close the case"),
            _l("The work with her is done. The case ends; nothing is deleted."),
            _l("The case is closed. Its open tasks are cancelled; its history stays readable."),
        ),
    )
}


def available_actions(case: Case, coordinates: bool) -> list[Action]:
    """What this organisation may record on this case now (nothing once it has ended)."""
    if case.status != "open":
        return []
    return actions_for(messages_in(case.process_version), coordinates)


def actions_for(known: frozenset[str], coordinates: bool) -> list[Action]:
    """The actions whose message the case's process takes (see CaseOverview.messages)."""
    return [
        action
        for action in ACTIONS.values()
        if action.name in known and (coordinates or not action.coordinator_only)
    ]


def open_tasks_of(session: Session, case_id: str) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(Task.case_id == case_id, Task.state == "open")
            .order_by(Task.created_at, Task.id)
        )
    )


# --- the case team ------------------------------------------------------------------------


@dataclass
class TeamRow:
    role: str
    organisation: Organisation | None
    yours: bool
    # Organisations the coordinator may choose instead (empty for everyone else).
    choices: list[Organisation] = field(default_factory=list)

    @property
    def changeable(self) -> bool:
        current = self.organisation.slug if self.organisation else None
        return any(o.slug != current for o in self.choices)


def fills(organisation: Organisation, role: str) -> bool:
    return role in organisation.roles or role in organisation.default_for


def team_rows(
    case: Case, organisation_id: int | None, editable: bool, directory: list[Organisation]
) -> list[TeamRow]:
    """The team in role order. For the coordinator of an open case each role comes with
    the organisations of `directory` that fill it: in the host country, except the partner
    in the country of return, who is abroad. That partner joins, and leaves, only
    through her consent to the referral, so it is shown but never changed from here."""
    members = {m.role: m.organisation for m in case.team}
    directory = directory if editable else []
    rows = []
    for role in ROLES:
        current = members.get(role)
        if current is None and (not editable or role == "return_partner"):
            continue
        choices = [
            o
            for o in directory
            if fills(o, role) and o.country == case.host_country and role not in CONSENT_ROLES
        ]
        if current is None and not choices:
            continue
        rows.append(
            TeamRow(
                role=role,
                organisation=current,
                yours=current is not None and current.id == organisation_id,
                choices=choices,
            )
        )
    return rows
