"""Messages with values in them, in the reader's language.

The engine writes notifications and validation messages in English with their values
in ("'Grant the reflection period' is due in 3 days (NBA-2026-0042)"), because they
are stored, sent to the API and read by people of different languages. Each has a
pattern here, marked for the catalogue (`make messages` extracts `N_` and `Nn_`):
`translate` matches a message against the patterns, translates the pattern and fills
in the values, each value translated in turn (a diagram's task name, a span of time
with the language's plural forms). A value nothing matches stays as it is (an
organisation's name, a case reference); a message no pattern matches stays English.

E-mails are written for each recipient in their language (`catalogue(locale)`); the
pages use the same patterns with the reader's catalogue. Nothing here knows of Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

from babel.support import NullTranslations, Translations

from engine.settings import PROJECT_ROOT

CATALOGUES = PROJECT_ROOT / "web" / "translations"
# The language of each network country, for a person who has chosen none.
COUNTRY_LOCALES = {
    "DK": "da",
    "EE": "et",
    "FI": "fi",
    "IS": "is",
    "LV": "lv",
    "LT": "lt",
    "NO": "nb",
    "SE": "sv",
}

Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def N_(message: str) -> str:
    """Mark a message for the catalogue without translating it here."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with plural forms for the catalogue."""
    return singular, plural


# Messages of form validation (forms/validation.py) that carry a number or a name.
VALIDATION = (
    N_("Enter a number from {low} to {high}"),
    N_("Enter {low} or more"),
    N_("Enter {high} or less"),
    N_("Enter more than {low}"),
    N_("Enter less than {high}"),
    N_("Choose at least {count} options"),
    N_("Choose at most {count}"),
    N_("Use at most {count} characters"),
    N_("Required because you answered {answer} to “{title}”"),
    N_("Must be on or after “{title}”"),
    N_("Please check the form: {count} answer needs attention."),
    N_("Please check the form: {count} answers need attention."),
)

# Notifications (engine/schedule/reminders.py, engine/case/alerts.py, quarantine.py).
NOTIFICATIONS = (
    N_("{what} in {span} ({reference})"),
    N_("{what} now ({reference})"),
    N_("{what} {span} ago ({reference})"),
    N_("'{title}' is due"),
    N_("'{title}' was due"),
    N_("'{title}' is overdue by {span} ({reference})"),
    N_("'{title}' ({holder}) is overdue by {span} ({reference})"),
    N_("Alert: '{title}', respond within a day ({reference})"),
    N_(
        "The scheduler set case {reference} ({process} v{version}) aside: {reason}. "
        "Its timers will not fire until an administrator releases it."
    ),
)

# Spans of time, as `in_words` (engine/schedule/notifications.py) writes them.
SPANS = (
    Nn_("{count} day", "{count} days"),
    Nn_("{count} hour", "{count} hours"),
    Nn_("{count} minute", "{count} minutes"),
)

_FIELD = re.compile(r"(\{\w+\})")
# What a value may look like, by its name; anything else is any text.
_VALUE = {
    "count": r"\d+",
    "low": r"-?[\d.]+",
    "high": r"-?[\d.]+",
    "span": r"\d+ \w+",
    "reference": r"[^()]+",
    "version": r"\d+",
}


def _regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for part in _FIELD.split(pattern):
        if _FIELD.fullmatch(part):
            name = part[1:-1]
            parts.append(f"(?P<{name}>{_VALUE.get(name, '.+')})")
        elif part:
            parts.append(re.escape(part))
    return re.compile("^" + "".join(parts) + "$", re.S)


@cache
def _compiled(patterns: tuple[str, ...]) -> list[tuple[re.Pattern[str], str]]:
    return [(_regex(p), p) for p in patterns]


@cache
def _spans() -> list[tuple[re.Pattern[str], re.Pattern[str], str, str]]:
    return [(_regex(one), _regex(many), one, many) for one, many in SPANS]


def translate(
    message: str, patterns: Iterable[str], gettext: Gettext, ngettext: Ngettext
) -> str | None:
    """`message` in the catalogue's language through the first pattern it matches;
    None when none matches or the pattern has no translation."""
    for regex, pattern in _compiled(tuple(patterns)):
        match = regex.match(message)
        if match is None:
            continue
        found = gettext(pattern)
        if found == pattern:
            return None
        values = {
            name: _value(value, patterns, gettext, ngettext)
            for name, value in match.groupdict().items()
        }
        try:
            return found.format(**values)
        except (KeyError, IndexError, ValueError):
            return None  # a translation that lost a placeholder: show the English
    return None


def _value(value: str, patterns: Iterable[str], gettext: Gettext, ngettext: Ngettext) -> str:
    if value.isdigit():
        return value
    for one_regex, many_regex, one, many in _spans():
        match = one_regex.match(value) or many_regex.match(value)
        if match:
            count = int(match["count"])
            return ngettext(one, many, count).format(count=count)
    found = gettext(value)
    if found != value:
        return found
    return translate(value, patterns, gettext, ngettext) or value


@cache
def catalogue(locale: str | None) -> NullTranslations:
    """The compiled catalogue of `locale` (English when there is none)."""
    if not locale or locale == "en":
        return NullTranslations()
    return Translations.load(str(CATALOGUES), [locale])


def in_language(message: str, locale: str | None) -> str:
    """A notification's message in `locale`, for its e-mail."""
    translations = catalogue(locale)
    exact = translations.gettext(message)
    if exact != message:
        return exact
    found = translate(message, NOTIFICATIONS, translations.gettext, translations.ngettext)
    return found or message
