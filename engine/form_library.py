"""Forms imported beside uploaded diagrams, kept in the database so that every web
worker and the scheduler see them. Rows are written once and never changed (a name
includes its content's hash); `forms.registry.load_form` falls back to them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit import Actor, record
from engine.models import ImportedForm
from forms import registry
from forms.imports import ConvertedForm


def store(
    session: Session, forms: Iterable[ConvertedForm], at: datetime, actor: Actor
) -> list[str]:
    """Add the forms not yet in the library; returns the names added."""
    wanted = {form.name: form for form in forms}
    if not wanted:
        return []
    known = set(session.scalars(select(ImportedForm.name).where(ImportedForm.name.in_(wanted))))
    added = []
    for name, form in sorted(wanted.items()):
        if name in known:
            continue
        session.add(
            ImportedForm(
                name=name,
                source_file=form.source_file,
                schema=form.schema,
                ui_schema=form.ui_schema,
                imported_at=at,
                imported_by=actor.username,
            )
        )
        record(session, actor, "form.imported", at, form=name, source_file=form.source_file)
        added.append(name)
    session.flush()
    return added


def lookup_in(
    sessions: sessionmaker[Session],
) -> Callable[[str], tuple[dict[str, Any], dict[str, Any]] | None]:
    def lookup(name: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        with sessions() as session:
            row = session.scalar(select(ImportedForm).where(ImportedForm.name == name))
            return None if row is None else (dict(row.schema), dict(row.ui_schema))

    return lookup


def use_database_forms(sessions: sessionmaker[Session]) -> None:
    """Let the form registry find imported forms in this database."""
    registry.use_imported_forms(lookup_in(sessions))
