"""What every page shares: the signed-in user's context, Markdown instructions, the
friendly error page and the header's unread-notifications badge."""

from __future__ import annotations

from typing import Any

import bleach
import markdown
from flask import Flask, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from web.form_fields import error_links
from web.labels import init_labels
from web.notification_feed import unread_count
from web.record_words import init_record_words
from web.state import db_session, state

ALLOWED_TAGS = ["p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "h3", "h4", "blockquote"]
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}

# Each error page's heading, in the catalogue (a page reads it in its reader's language).
TITLES = {
    400: _l("This request could not be handled"),
    403: _l("This is not yours to open"),
    404: _l("We could not find that page"),
    405: _l("That action is not possible here"),
    409: _l("Someone changed this meanwhile"),
    413: _l("That was too much to send at once"),
    422: _l("Please check what you entered"),
    429: _l("Please wait a moment"),
    500: _l("Something went wrong on our side"),
    503: _l("Busy for a moment"),
}


def render_markdown(text: str | None) -> Markup:
    """Instructions written by process authors: Markdown, then only harmless HTML."""
    if not text:
        return Markup("")
    html = markdown.markdown(text, extensions=["sane_lists"])
    cleaned = bleach.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=["https", "mailto"]
    )
    return Markup(bleach.linkify(cleaned, callbacks=[_rel_noopener]))  # noqa: S704 - sanitised


def _rel_noopener(attrs: dict[Any, str], new: bool = False) -> dict[Any, str]:
    attrs[(None, "rel")] = "noopener noreferrer"
    return attrs


def html_error(status: int, message: str = "") -> ResponseReturnValue:
    """The page for any error; `web.errors` calls it for pages (never for the API)."""
    title = str(TITLES.get(status, _l("Something went wrong")))
    if status == 404 and message in ("no such case", "no such task", ""):
        message = _(
            "It may have been closed, or it is not shared with your organisation. "
            "Ask the case coordinator if you think you should see it."
        )
    if status == 403 and not message:
        message = _("Your organisation does not hold this.")
    return render_template(
        "error.html", status=status, title=title, message=sentence(message)
    ), status


def sentence(message: str) -> str:
    """An engine error's message ("only the case coordinator can …") as a page shows it."""
    message = message.strip()
    if message and message[-1].isalnum():
        message += "."
    return message[:1].upper() + message[1:]


def page_context() -> dict[str, Any]:
    user = g.get("user")
    count = 0
    if user is not None:  # a page that read it in its own transaction left it in g
        count = g.get("unread_notifications")
        if count is None:
            count = unread_count(db_session(), g.actor)
    return {
        "current_user": user,
        "unread_notifications": count,
        "now": state().clock.now(),
    }


def init_pages(app: Flask) -> None:
    # Not a route: `web.errors` looks it up by this name to render errors of pages.
    app.view_functions["html_error"] = html_error
    app.context_processor(page_context)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["error_links"] = error_links
    init_labels(app)
    init_record_words(app)
