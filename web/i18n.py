"""Languages, dates and countdowns for the pages (Flask-Babel).

Every string a person reads goes through `gettext`; English is complete and the other
network languages are catalogues in `web/translations/` (`make messages`), compiled to
the committed `.mo` files. Strings of forms and diagrams are looked up with `translated`.
The locale is the person's own choice (the switch on every page), else the browser's
best match, else the language of their organisation's country. Dates and numbers are
formatted by Babel for it. Times are shown in the case's host-country zone with its
abbreviation ("14:00 CET"): a deadline is a legal fact there, and the network spans
three zones. A page about one case sets `g.case_country`; elsewhere a row names its
country, and only what belongs to no case falls back to the zone of the user's
organisation's country.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Flask, g, request, session
from flask_babel import Babel, format_date, format_decimal, format_time, get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

from engine import phrases
from engine.bpmn.scripting import COUNTRY_ZONES
from engine.phrases import COUNTRY_LOCALES

TRANSLATIONS = Path(__file__).parent / "translations"
# The network's languages; a catalogue in web/translations/ makes one selectable.
NETWORK_LOCALES = ("en", "da", "et", "fi", "is", "lv", "lt", "nb", "sv")


# Where a person who is not signed in keeps the language they chose.
SESSION_LOCALE = "locale"


@cache
def available_locales() -> list[str]:
    found = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo")}
    return ["en", *(code for code in NETWORK_LOCALES if code in found)]


def locale_autonym(code: str) -> str:
    """ "Svenska": each language in the language switch is named in itself."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def select_locale() -> str:
    """The person's own choice, else the browser's best match, else the language of
    their organisation's country, else English."""
    available = available_locales()
    user = g.get("user")
    if user is not None and user.locale in available:
        return str(user.locale)
    chosen = session.get(SESSION_LOCALE) if user is None else None
    if chosen in available:
        return str(chosen)
    best = request.accept_languages.best_match(available)
    if best:
        return str(best)
    # Norwegian browsers often ask for "no" or "nn" only; Bokmål is what we have.
    if "nb" in available and any(
        tag.split("-")[0].lower() in ("no", "nn") for tag, _q in request.accept_languages
    ):
        return "nb"
    if user is not None:
        country_locale = COUNTRY_LOCALES.get(user.organisation.country)
        if country_locale in available:
            return str(country_locale)
    return "en"


def select_timezone() -> str:
    user = g.get("user")
    if user is not None:
        return COUNTRY_ZONES.get(user.organisation.country, "Europe/Stockholm")
    return "Europe/Stockholm"


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters.update(
        date=format_day,
        datetime=lambda value, country=None: date_and_time(value, country) if value else "",
        iso_datetime=lambda value, country=None: (
            date_and_time(_as_datetime(value), country) if value else ""
        ),
        countdown=countdown,
        due=due_badge,
        last_day=last_day,
        translated=translated,
        notification_text=notification_text,
        number=lambda value: format_decimal(value) if value is not None else "",
    )
    app.jinja_env.globals.update(
        html_lang=lambda: str(get_locale() or "en"),
        interface_languages=lambda: [(code, locale_autonym(code)) for code in available_locales()],
    )


def translated(text: str | None) -> str:
    """A string from a form or a diagram, in the reader's language where the catalogue
    has it (`make messages` extracts them with web/extractors.py), else as written."""
    if not text:
        return ""
    key = str(text).strip()
    found = _(key)
    if found != key:
        return found
    return phrases.translate(key, phrases.VALIDATION, _, ngettext) or str(text)


# A form title that says the field may be left empty; the form adds that itself.
_OPTIONAL = re.compile(r"\s*\((optional|valfritt)\)\s*$", re.IGNORECASE)
_LAST_BRACKETS = re.compile(r"\s*\([^()]*\)\s*$")


def field_title(title: str) -> str:
    """A form's title for a field in the reader's language, without its "(optional)"
    (the translation's own word for it is in brackets at the end too): the form marks
    an optional field itself, and a recorded answer needs no such mark."""
    if not _OPTIONAL.search(title):
        return translated(title)
    return _LAST_BRACKETS.sub("", translated(title))


def notification_text(message: str) -> str:
    """A notification's message (written in English with its values) in the reader's
    language."""
    return phrases.translate(message, phrases.NOTIFICATIONS, _, ngettext) or message


def zone_for(country: str | None = None) -> ZoneInfo:
    """The zone of `country`, else of the case the page is about, else the user's."""
    code = country or g.get("case_country")
    return ZoneInfo(COUNTRY_ZONES.get(code or "", "") or select_timezone())


def local_time(value: datetime, country: str | None = None) -> datetime:
    if value.tzinfo is None:  # SQLite drops the zone; every stored time is UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone_for(country))


def date_and_time(value: datetime, country: str | None = None) -> str:
    """'28 Nov 2026, 22:00 CET' in the user's locale and the case's zone, no seconds."""
    local = local_time(value, country)
    time = f"{format_time(local, 'short', rebase=False)} {local.tzname()}"
    return _("%(date)s, %(time)s", date=format_date(local, "medium", rebase=False), time=time)


def format_day(value: date | datetime | None, country: str | None = None) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        value = local_time(value, country).date()
    return str(format_date(value, "medium"))


def last_day(due_at: datetime | None, country: str | None = None) -> str:
    """The last local day of a legal period: it ends when that day ends in the host
    country, so a period stored as the instant after its end still names its last day
    ("until the end of 1 Jan 2027"), and one stored at the start of it too."""
    if due_at is None:
        return ""
    local = local_time(due_at, country)
    day = (
        (local - timedelta(microseconds=1)).date()
        if local.time() == local.time().min
        else local.date()
    )
    return _("until the end of %(day)s", day=format_date(day, "medium"))


def _as_datetime(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def countdown(due_at: datetime | None, now: datetime) -> str:
    """'in 3 days', 'in 5 hours', 'due now', '2 days overdue': what a list row says."""
    if due_at is None:
        return _("no due date")
    left = due_at - now
    late = left < timedelta(0)
    span = -left if late else left
    if span >= timedelta(days=1):
        n = span.days
        return (
            ngettext("%(num)d day overdue", "%(num)d days overdue", n)
            if late
            else ngettext("in %(num)d day", "in %(num)d days", n)
        )
    if span >= timedelta(hours=1):
        n = span.seconds // 3600
        return (
            ngettext("%(num)d hour overdue", "%(num)d hours overdue", n)
            if late
            else ngettext("in %(num)d hour", "in %(num)d hours", n)
        )
    return _("overdue") if late else _("due now")


def urgency(due_at: datetime | None, now: datetime) -> str:
    if due_at is None:
        return "none"
    if due_at < now:
        return "overdue"
    if due_at - now < timedelta(days=3):
        return "soon"
    return "later"


def due_badge(due_at: datetime | None, now: datetime, country: str | None = None) -> Markup:
    """The countdown with the exact date for a tooltip and for screen readers."""
    if due_at is None:
        return Markup('<span class="due due-none">{}</span>').format(_("no due date"))
    return Markup(
        '<span class="due due-{kind}"><time datetime="{iso}" title="{exact}">{text}</time>'
        '<span class="due-date">{exact}</span></span>'
    ).format(
        kind=urgency(due_at, now),
        iso=due_at.isoformat(),
        exact=escape(date_and_time(due_at, country)),
        text=countdown(due_at, now),
    )
