"""Services are tracked, not fired once (JOURNEY correction 5): where each service of her
care plan stands, from its provide_service tasks, for the case page.

A service is `planned` until its organisation first answers; after that it has the
status of its newest answer (in progress, provided, declined by her, ended).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from engine.crypto import Cipher
from engine.models import Task

PROVIDE_SERVICE = "provide_service"


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    status: str
    organisation: str
    since: datetime


def service_statuses(cipher: Cipher, tasks: Iterable[Task]) -> list[ServiceStatus]:
    """From the case's task rows (which the case page has read anyway)."""
    newest: dict[str, tuple[datetime, ServiceStatus]] = {}
    for task in tasks:
        if task.name != PROVIDE_SERVICE or task.state == "cancelled" or not task.data:
            continue
        data = json.loads(cipher.decrypt(task.data, task.id))
        service = str(data.get("service") or "")
        when = task.completed_at or task.created_at
        status = str(data.get("status") or "planned") if task.state == "completed" else None
        if not service:
            continue
        known = newest.get(service)
        if status is None:
            # an open update of a service answered before keeps its last answer
            if known is not None:
                continue
            status = "planned"
        if known is None or when >= known[0]:
            newest[service] = (when, ServiceStatus(service, status, task.organisation.name, when))
    return [entry for _, entry in sorted(newest.values(), key=lambda e: e[1].service)]


def with_service(cipher: Cipher, task: Task, data: dict[str, object]) -> dict[str, object]:
    """A provide_service answer as stored on its task: with the service it is about (the
    form does not ask; the task was opened for it), so its status can be found later."""
    if task.name != PROVIDE_SERVICE or not task.data:
        return data
    opened_with = json.loads(cipher.decrypt(task.data, task.id))
    return {**data, "service": opened_with.get("service")}
