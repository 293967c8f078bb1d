"""Which parts of a case file an organisation sees: the one answer every page, API
response, export, e-mail and notification asks before showing anything of a case.

`case_view` is the single entry point. Readers ask it once per request and show only
the parts (and, where `fields` is set, only the fields) it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.audit import Actor
from engine.case.access import sees_case
from engine.models import Case, Task

# The sections of her case file.
ABOUT = "about"  # alias, age, origin, languages, first-contact answers
LEGAL = "legal"  # reflection or recovery period, permits, appeals
CARE_PLAN = "care_plan"
SAFETY = "safety"  # risk level, police input, safety plan
RETURN = "return"  # return or residence
COMPENSATION = "compensation"
ALERTS = "alerts"
STEPS = "steps"  # completed steps with who, when and their answers
TASKS = "tasks"  # open tasks of every organisation
DEADLINES = "deadlines"
TEAM = "team"
NOTES = "notes"
TIMELINE = "timeline"
DIAGRAM = "diagram"

ALL_PARTS = frozenset(
    {
        ABOUT,
        LEGAL,
        CARE_PLAN,
        SAFETY,
        RETURN,
        COMPENSATION,
        ALERTS,
        STEPS,
        TASKS,
        DEADLINES,
        TEAM,
        NOTES,
        TIMELINE,
        DIAGRAM,
    }
)


@dataclass(frozen=True)
class CaseView:
    """What one organisation may see of one case.

    `parts` names the sections shown. `fields`, when not None, limits the recorded values
    shown to these names (what she consented to share, what a task declares it needs);
    None means every field of the visible parts. `own_tasks_only` hides other
    organisations' tasks."""

    parts: frozenset[str]
    fields: frozenset[str] | None = None
    own_tasks_only: bool = False

    def shows(self, part: str) -> bool:
        return part in self.parts

    def shows_field(self, name: str) -> bool:
        return self.fields is None or name in self.fields


NOTHING = CaseView(parts=frozenset(), fields=frozenset(), own_tasks_only=True)


def case_view(actor: Actor, case: Case, tasks: list[Task]) -> CaseView:
    """The parts of `case` the actor's organisation sees, decided over rows already read
    (the case with its team, and all its tasks)."""
    if not sees_case(actor, case, tasks):
        return NOTHING
    return CaseView(parts=ALL_PARTS)
