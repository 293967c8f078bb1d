"""Her profile: the few values about her that pages and lists show without her workflow.

The workflow state is the source of truth, but decrypting and loading all of it to show
her languages on the case page costs more than the rest of the page. So each write of
the workflow (opening the case, every step) also writes this small profile beside it,
encrypted to the case like the state. A case saved before the profile existed has none
until its next step, and its reader falls back to the workflow (engine/case/overview.py).
"""

from __future__ import annotations

from typing import Any

from engine.bpmn.runtime import workflow_data
from engine.db.context import Services
from engine.models import Case

# What pages and lists may show of her without the workflow. Each stays subject to need
# to know: a return partner reads only the fields she consented to share with it.
PROFILE_FIELDS = ("languages", "languages_note", "alias", "year_of_birth", "possibly_under_18")
UNDER_18_SIGN = "possibly_under_18"  # a trafficking sign of the start form


def _context(case_id: str) -> str:
    return f"{case_id}:profile"


def profile_of(workflow: Any) -> dict[str, Any]:
    data = workflow_data(workflow)
    profile = {name: data[name] for name in PROFILE_FIELDS if name in data}
    indicators = data.get("indicators")
    if isinstance(indicators, list) and UNDER_18_SIGN in indicators:
        profile["possibly_under_18"] = True
    return profile


def alias_key(services: Services, workflow: Any) -> str | None:
    """The keyed hash her alias is found by (Case.alias_key), None without an alias."""
    alias = workflow_data(workflow).get("alias")
    if not isinstance(alias, str) or not alias.strip():
        return None
    return services.cipher.lookup_hash(alias)


def encrypt_profile(services: Services, case_id: str, workflow: Any) -> bytes:
    return services.cipher.encrypt_json(profile_of(workflow), _context(case_id))


def decrypt_profile(services: Services, case: Case) -> dict[str, Any] | None:
    """The profile as last written; None for a case not saved since profiles began."""
    if case.erased_at is not None:
        return {}  # erased under the retention rules: there is nothing to show
    if case.profile is None:
        return None
    return dict(services.cipher.decrypt_json(case.profile, _context(case.id)) or {})


def languages(profile: dict[str, Any]) -> list[str]:
    value = profile.get("languages")
    return [str(code) for code in value] if isinstance(value, list) else []


def languages_note(profile: dict[str, Any]) -> str:
    value = profile.get("languages_note")
    return value if isinstance(value, str) else ""
