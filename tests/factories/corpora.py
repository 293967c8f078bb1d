"""Where the diagrams made by other tools are read from, in place (never copied here:
each folder carries its own licence). NBASSIST_CORPORA_DIR names the folder; by default
it is the network's `corpora` folder kept next to this checkout, as on CI machines.
Tests over a folder that is absent are skipped."""

from __future__ import annotations

import os
from pathlib import Path

_BESIDE_CHECKOUT = Path(__file__).resolve().parents[3] / "shared" / "corpora"


def corpus(name: str) -> Path:
    """The corpus folder `name` (e.g. "miwg-reference"); it may not exist."""
    root = os.environ.get("NBASSIST_CORPORA_DIR")
    return (Path(root) if root else _BESIDE_CHECKOUT) / name
