"""Task ids that other parts of the system rely on, from JOURNEY.md's "Names that other
parts rely on" and its corrections: reports, integrations, access rules, forms and the
other processes' gateways read them. A new version of a process that drops one is
refused unless an administrator confirms it, having seen the diff (engine/versions.py).
"""

from __future__ import annotations

from collections.abc import Iterable

RELIED_ON_TASKS = frozenset(
    {
        # "Names that other parts rely on"
        "grant_reflection_period",
        "decide_after_reflection",
        "assess_needs",
        "risk_assessment",
        "her_decision",
        "select_return_partner",
        "referral_consent",
        "residence_decision",
        # the corrections
        "apply_residence_permit",
        "request_extension",
        "renew_residence_permit",
        "appeal",
        "arrange_travel",
        "inform_rights",
        "respond_to_alert",
        "immediate_safety",
        "non_punishment_check",
        "non_punishment_notice",
        "arrival_reception",
        "review_care_plan",
        "provide_service",
        "child_protection_referral",
        "appoint_guardian",
        "accept_referral",
        "transfer_case",
    }
)


def dropped_relied_on(before: Iterable[str], after: Iterable[str]) -> list[str]:
    """The relied-on task ids in `before` that are missing from `after`, sorted."""
    return sorted((set(before) - set(after)) & RELIED_ON_TASKS)
