"""Finding a case another organisation already holds for her, without revealing her.

At opening, her alias, year of birth and country of origin are normalised (case, accents,
punctuation and name order do not matter) and kept only as a keyed hash (HMAC with a key
derived from the data key), so the table reveals nothing to whoever reads it without the
key. A new case with the same hash learns which organisation coordinates the other case,
and nothing else: not the case, its reference, its status or how many there are.
A case without all three details is not matched: too little to tell two women apart.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.crypto import Cipher
from engine.models import Case, CaseMatch, CaseTeamMember, Organisation


def _name(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(sorted(letters.casefold().split()))


def match_digest(cipher: Cipher, data: dict[str, Any]) -> str | None:
    alias, year, origin = data.get("alias"), data.get("year_of_birth"), data.get("origin_country")
    if not isinstance(alias, str) or not isinstance(origin, str):
        return None
    if not isinstance(year, int) or isinstance(year, bool):
        return None
    name = _name(alias)
    if not name:
        return None
    return cipher.lookup_hash(f"case-match:v1|{name}|{year}|{origin.strip().upper()}")


def record_match(session: Session, cipher: Cipher, case_id: str, data: dict[str, Any]) -> None:
    digest = match_digest(cipher, data)
    if digest is not None:
        session.add(CaseMatch(case_id=case_id, digest=digest))


def organisations_with_match(session: Session, case_id: str) -> list[Organisation]:
    """The coordinators of other cases with her details, each once; erased cases have
    no hash left, so they never match."""
    digest = select(CaseMatch.digest).where(CaseMatch.case_id == case_id).scalar_subquery()
    coordinators = (
        select(CaseTeamMember.organisation_id)
        .join(CaseMatch, CaseMatch.case_id == CaseTeamMember.case_id)
        .join(Case, Case.id == CaseMatch.case_id)
        .where(
            CaseMatch.digest == digest,
            CaseMatch.case_id != case_id,
            CaseTeamMember.role == "coordinator",
            Case.erased_at.is_(None),
        )
    )
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(coordinators))
            .order_by(Organisation.name)
        )
    )
