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
    answered: dict[str, ServiceStatus] = {}
    waiting: dict[str, ServiceStatus] = {}
    for task in tasks:
        if task.name != PROVIDE_SERVICE or task.state == "cancelled" or not task.data:
            continue
        data = json.loads(cipher.decrypt(task.data, task.id))
        service = str(data.get("service") or "")
        if not service:
            continue
        if task.state == "completed":
            when = task.completed_at or task.created_at
            entry = ServiceStatus(service, str(data.get("status")), task.organisation.name, when)
            if service not in answered or when >= answered[service].since:
                answered[service] = entry
        else:
            waiting[service] = ServiceStatus(
                service, "planned", task.organisation.name, task.created_at
            )
    # An update asked for keeps the last answer; a service never answered is planned.
    return sorted({**waiting, **answered}.values(), key=lambda e: e.service)


def with_service(cipher: Cipher, task: Task, data: dict[str, object]) -> dict[str, object]:
    """A provide_service answer as stored on its task: with the service it is about (the
    form does not ask; the task was opened for it), so its status can be found later."""
    if task.name != PROVIDE_SERVICE or not task.data:
        return data
    opened_with = json.loads(cipher.decrypt(task.data, task.id))
    return {**data, "service": opened_with.get("service")}
