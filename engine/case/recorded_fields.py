"""Which part of her case file each recorded value and each step belongs to.

The parts are the access policy's (engine/case/visibility.py); a value belongs to the
part of the first form that asks for it, so the policy that hides a part hides its
values wherever they appear: the case file, corrections, lists.
"""

from __future__ import annotations

from functools import cache

from engine.case import visibility as parts
from engine.case.alerts import ALERT_TASK
from forms.registry import form_names, load_form

START_FORM = "record_first_contact"
SERVICE_TASK = "provide_service"

# Which part of her file each step belongs to; a step not named here is only listed
# among the completed steps.
STEP_PARTS: dict[str, str] = {
    **dict.fromkeys(
        (START_FORM, "review_identification", "new_information", "child_protection_referral",
         "appoint_guardian"),
        parts.ABOUT,
    ),
    **dict.fromkeys(
        ("non_punishment_check", "non_punishment_notice", "inform_rights",
         "request_reflection_period", "grant_reflection_period", "request_extension",
         "decide_after_reflection", "apply_residence_permit", "residence_decision", "appeal",
         "renew_residence_permit"),
        parts.LEGAL,
    ),
    **dict.fromkeys(("assess_needs", SERVICE_TASK, "review_care_plan"), parts.CARE_PLAN),
    **dict.fromkeys(
        ("immediate_safety", "police_risk_input", "risk_assessment", "safety_plan",
         "witness_protection", "procedural_adaptations", "protection_needed"),
        parts.SAFETY,
    ),
    **dict.fromkeys(
        ("her_decision", "select_return_partner", "referral_consent", "accept_referral",
         "return_needs_assessment", "arrange_travel", "arrival_reception",
         "follow_up_3_months", "follow_up_6_months", "integration_support", "transfer_case"),
        parts.RETURN,
    ),
    **dict.fromkeys(
        ("inform_compensation_rights", "choose_compensation_route", "court_claim",
         "state_fund_application", "fund_decision"),
        parts.COMPENSATION,
    ),
    ALERT_TASK: parts.ALERTS,
}  # fmt: skip
# Values decided by the diagram's decision tables rather than typed into a form.
DECIDED_FIELDS: dict[str, str] = {"risk_level": parts.SAFETY}


@cache
def field_parts() -> dict[str, tuple[str, str]]:
    """Recorded field name → (the form that first asks it, the part it belongs to)."""
    found: dict[str, tuple[str, str]] = {}
    for name in [START_FORM, *form_names()]:
        part = STEP_PARTS.get(name)
        if part is None:
            continue
        for prop in load_form(name).schema.get("properties", {}):
            found.setdefault(prop, (name, part))
    return found


def field_part(name: str) -> str | None:
    if name in DECIDED_FIELDS:
        return DECIDED_FIELDS[name]
    known = field_parts().get(name)
    return known[1] if known else None
