"""Police input stays visible (JOURNEY correction 4): the coordinator's risk assessment
starts from the police's answers, and answering "no" where the police answered "yes"
needs a written reason. The police's answers are kept beside hers in the assessment's
record, so a lowered threat can always be traced to who lowered it and why.
"""

from __future__ import annotations

from typing import Any

from engine.errors import InvalidData

RISK_ASSESSMENT = "risk_assessment"
POLICE_FACTORS = (
    "contact_with_traffickers",
    "threats_received",
    "debts_to_traffickers",
    "family_at_risk",
    "previously_trafficked",
)


def check_police_answers(known: dict[str, Any], submitted: dict[str, Any]) -> dict[str, Any]:
    """The submission with the police's answers (`known`, the data the task opened with)
    kept as `police_answers`; InvalidData when a police "yes" is lowered without a reason."""
    police = {f: known[f] for f in POLICE_FACTORS if f in known}
    # 'unknown' and 'prefers_not_to_say' count as yes for the risk level: only a no lowers.
    lowered = [f for f, said in police.items() if said is True and submitted.get(f) is False]
    if lowered and not str(submitted.get("lowering_reason") or "").strip():
        raise InvalidData(
            "a threat the police reported was lowered without a reason",
            {
                "lowering_reason": "The police answered yes to "
                + ", ".join(f.replace("_", " ") for f in lowered)
                + ": say why you answer otherwise"
            },
        )
    return {**submitted, "police_answers": police, "lowered_police_answers": lowered}
