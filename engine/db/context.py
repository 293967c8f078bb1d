"""What every case transaction needs besides the session: the cipher and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.bpmn.clock import Clock
from engine.crypto import Cipher


@dataclass(frozen=True)
class Services:
    """The data key's cipher and the one clock, passed to every service that needs them."""

    cipher: Cipher
    clock: Clock

    def now(self) -> datetime:
        return self.clock.now()
