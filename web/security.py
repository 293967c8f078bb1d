"""Browser-facing protections: a CSRF token on every form post and security headers.

The CSRF token is one random value per session, sent back in a hidden field
(`csrf_token`) of every form and compared in constant time on every non-API POST.
The JSON API is exempt: it authenticates with bearer tokens, which a browser never
sends by itself. Scripts come only from our own origin (no inline scripts); styles
allow inline values because the diagram viewer sets SVG styles from its code.

Behind reverse proxies, NBASSIST_TRUSTED_PROXIES (or the TRUSTED_PROXIES setting) is
how many proxies stand in front: that many X-Forwarded-For/-Proto entries are believed,
so the sign-in throttle sees each client's own address. Without it the headers are
ignored, since a client could otherwise claim any address it likes.
"""

from __future__ import annotations

import hmac
import os
import secrets

from flask import Flask, Response, abort, request, session
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.settings import ConfigError

CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return str(token)


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf_token())


def check_csrf() -> None:
    if request.method not in UNSAFE_METHODS or request.path.startswith("/api/"):
        return
    expected = session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), given):
        abort(
            400,
            _(
                "This form has expired or did not come from this site. "
                "Go back, reload the page and try again."
            ),
        )


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not request.path.startswith("/static/"):
        # Pages show personal data: never keep them in a shared cache or the back button.
        headers.setdefault("Cache-Control", "no-store")
    return response


def trusted_proxies(app: Flask) -> int:
    value = app.config.get("TRUSTED_PROXIES", os.environ.get("NBASSIST_TRUSTED_PROXIES", "0"))
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = -1
    if not 0 <= count <= 10:
        raise ConfigError("NBASSIST_TRUSTED_PROXIES must be the number of proxies in front (0-10)")
    return count


def init_security(app: Flask) -> None:
    proxies = trusted_proxies(app)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.before_request(check_csrf)
    app.after_request(security_headers)
    app.jinja_env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token)
