"""Administration: the review of the translations. Per language, the strings whose
translation nobody has reviewed yet; a reviewer ticks the ones she checked. Reviewers are
administrators, or people an administrator named to review one language (a native
speaker from a member organisation, `user_account.reviews_locale`): the `admin`
blueprint lets them through to these pages only, and each page checks the language.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from engine.catalogue_reviews import mark_reviewed, reviewed_translations
from engine.db.unit_of_work import in_transaction
from web.catalogues import PARTS, Entry, catalogue
from web.i18n import available_locales, locale_autonym
from web.state import db_session, state

translation_pages = Blueprint("translations", __name__)


def is_review_page(endpoint: str | None) -> bool:
    return bool(endpoint) and str(endpoint).startswith("admin.translations.")


def _may_review(locale: str) -> bool:
    return bool(g.user.is_admin or g.user.reviews_locale == locale)


def _unreviewed(locale: str, reviewed: dict[str, str]) -> list[Entry]:
    return [e for e in catalogue(locale).translated if reviewed.get(e.key) != e.msgstr]


@translation_pages.get("/translations")
def overview() -> ResponseReturnValue:
    db = db_session()
    rows = []
    for locale in available_locales():
        if locale == "en" or not _may_review(locale):
            continue
        found = catalogue(locale)
        reviewed = reviewed_translations(db, locale)
        rows.append(
            {
                "locale": locale,
                "name": locale_autonym(locale),
                "status": found.reviewed_status,
                "total": len(found.entries),
                "translated": len(found.translated),
                "unreviewed": len(_unreviewed(locale, reviewed)),
            }
        )
    return render_template("admin/translations.html", rows=rows)


PAGE_SIZE = 100


@translation_pages.route("/translations/<locale>", methods=["GET", "POST"])
def language(locale: str) -> ResponseReturnValue:
    if locale not in available_locales() or locale == "en":
        abort(404)
    if not _may_review(locale):
        abort(403, _("You review the translations of another language."))
    db = db_session()
    if request.method == "POST":
        wanted = set(request.form.getlist("key"))
        chosen = [
            e for e in _unreviewed(locale, reviewed_translations(db, locale)) if e.key in wanted
        ]
        now = state().clock.now()

        def work() -> None:
            for entry in chosen:
                mark_reviewed(db, locale, entry.lookup, entry.msgstr, g.user.id, now)

        in_transaction(db, work)
        flash(
            ngettext(
                "%(num)d translation marked as reviewed.",
                "%(num)d translations marked as reviewed.",
                len(chosen),
            ),
            "success",
        )
        return redirect(url_for("admin.translations.language", locale=locale, **_filters()))
    found = catalogue(locale)
    filters = _filters()
    unreviewed = [
        e
        for e in _unreviewed(locale, reviewed_translations(db, locale))
        if _matches(e, filters.get("part", ""), filters.get("q", ""))
    ]
    pages = max((len(unreviewed) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(_page_number(), pages)
    return render_template(
        "admin/translation_review.html",
        locale=locale,
        name=locale_autonym(locale),
        status=found.reviewed_status,
        entries=unreviewed[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
        total=len(unreviewed),
        first=(number - 1) * PAGE_SIZE + 1,
        page=number,
        pages=pages,
        filters=filters,
        untranslated=len(found.entries) - len(found.translated),
    )


def _filters() -> dict[str, str]:
    """The reviewer's choice of part and search words, kept across pages and marks."""
    source = request.args if request.method == "GET" else request.form
    part = source.get("part", "")
    q = source.get("q", "").strip()[:200]
    return {k: v for k, v in (("part", part if part in PARTS else ""), ("q", q)) if v}


def _matches(entry: Entry, part: str, q: str) -> bool:
    if part and entry.part != part:
        return False
    words = q.casefold()
    return not words or words in entry.msgid.casefold() or words in entry.msgstr.casefold()


def _page_number() -> int:
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and 0 < len(text) < 6 and int(text) > 0 else 1
