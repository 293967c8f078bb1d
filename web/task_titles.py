"""Task titles as people read them: a `provide_service` task says which service.

Every care-plan service becomes a task called "Provide the service"; a list of three of
them says nothing until each names its service ("Provide the service: Safe housing").
The service code is in the task's own prefilled data (`service`, stored encrypted in
the task index), so no workflow is loaded; its words are the care plan form's labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.crypto import Cipher
from engine.errors import EngineError
from engine.models import Task
from forms.registry import load_form
from web.i18n import translated

SERVICE_TASK = "provide_service"


@cache
def service_labels() -> dict[str, str]:
    """Service code → label, as the care plan form (`assess_needs`) words it."""
    labels: dict[str, str] = {}
    for form_name, field in (("provide_service", "service"), ("assess_needs", "services")):
        ui_field = load_form(form_name).ui_schema.get("fields", {}).get(field, {})
        for code, label in (ui_field.get("labels") or {}).items():
            labels.setdefault(str(code), str(label))
    return labels


def service_label(code: str) -> str:
    return translated(service_labels().get(code) or code.replace("_", " ").capitalize())


def titled(title: str, service: Any) -> str:
    """The title with its service ("Provide the service: Safe housing"), if it has one."""
    title = translated(title)
    if not isinstance(service, str) or not service:
        return title
    return _("%(title)s: %(service)s", title=title, service=service_label(service))


def _service_of(cipher: Cipher, task: Task) -> Any:
    if task.name != SERVICE_TASK or not task.data:
        return None
    try:
        data = cipher.decrypt_json(task.data, task.id)
    except (EngineError, ValueError):
        return None
    return data.get("service") if isinstance(data, dict) else None


def task_title(cipher: Cipher, task: Task) -> str:
    """The title of one task row, with its service where it has one."""
    return titled(task.title, _service_of(cipher, task))


def task_titles(session: Session, cipher: Cipher, task_ids: Iterable[str]) -> dict[str, str]:
    """Titles of the service tasks among `task_ids`, by id (other tasks keep theirs)."""
    ids = list(task_ids)
    if not ids:
        return {}
    rows = session.scalars(select(Task).where(Task.id.in_(ids), Task.name == SERVICE_TASK))
    return {task.id: task_title(cipher, task) for task in rows}
