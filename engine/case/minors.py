"""Girls (JOURNEY correction 6): whether child-protection rules apply to her, from the
start form. Ticked, an indicator, or a year of birth that may make her under 18 are each
enough: a girl wrongly treated as an adult loses a guardian and child protection, the
other error costs a referral.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

ADULT_AGE = 18


def with_minor_flag(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The start data with `possibly_under_18` set when anything in it says she may be."""
    year = data.get("year_of_birth")
    young = isinstance(year, int) and now.year - year <= ADULT_AGE  # born this late: maybe 17
    flagged = bool(data.get("possibly_under_18")) or "possibly_under_18" in (
        data.get("indicators") or []
    )
    return {**data, "possibly_under_18": flagged or young}
