"""Case values in a task's instructions: `{reflection_days}` in a diagram's documentation.

Instructions used to name variables in bold ("the statutory length is **reflection_days**
days"), which people read as the variable's name. A name in braces is a placeholder the
task page fills with the case's value in words; the deploy-time check (library.py)
refuses a diagram whose instructions name a value nothing records, so a reader never
sees a raw name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def names_in(text: str | None) -> list[str]:
    """The placeholder names in `text`, in order, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def fill(text: str, words: Callable[[str], str]) -> str:
    """`text` with every placeholder replaced by `words(name)`."""
    return PLACEHOLDER.sub(lambda match: words(match.group(1)), text)
