"""The Flask application: pages for people, a JSON API for systems.

`create_app()` reads settings from the environment; tests pass `test_config`
(a dict of overrides, including a `clock`). The web never runs the scheduler.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from engine import audit
from engine.bpmn.clock import SystemClock
from engine.crypto import Cipher
from engine.db import make_engine, make_sessionmaker
from engine.db.context import Services
from engine.form_library import use_database_forms
from engine.settings import Settings, load_settings
from web.admin import admin
from web.api import api
from web.auth import auth, load_signed_in_user
from web.auth.password import password_pages
from web.auth.second_factor import second_factor_pages
from web.cases import begin_case_page_as_writer, cases
from web.errors import register_error_handlers
from web.i18n import init_i18n
from web.input_guards import refuse_nul_characters
from web.languages import languages
from web.leaflets import leaflets
from web.notifications import notifications
from web.pages import init_pages
from web.retention import retention
from web.security import init_security
from web.state import AppState, close_session
from web.static_files import init_static_files
from web.tasks import tasks


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    config = dict(test_config or {})
    settings: Settings = config.pop("settings", None) or load_settings()
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=6 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        # The __Host- prefix pins the cookie to this host and path, over HTTPS only.
        SESSION_COOKIE_NAME="__Host-nbassist" if settings.env == "production" else "nbassist",
    )
    clock = config.pop("clock", None) or SystemClock()
    app.config.update(config)
    engine = config.get("engine") or make_engine(settings.database_url)
    audit.use_data_key(settings.data_key)
    app.extensions["nbassist"] = AppState(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        services=Services(cipher=Cipher(settings.data_key), clock=clock),
    )
    use_database_forms(app.extensions["nbassist"].sessions)  # forms imported with diagrams
    app.teardown_appcontext(close_session)

    app.register_blueprint(api)
    # Who is signed in first: an idle session goes to sign-in before any CSRF check.
    app.before_request(refuse_nul_characters)  # before any view or query sees them
    app.before_request(begin_case_page_as_writer)  # before anything reads the database
    app.before_request(load_signed_in_user)
    init_security(app)
    init_i18n(app)
    init_pages(app)
    init_static_files(app)
    for blueprint in (
        auth,
        second_factor_pages,
        tasks,
        cases,
        retention,
        notifications,
        admin,
        languages,
        leaflets,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(password_pages)
    register_error_handlers(app)
    return app
