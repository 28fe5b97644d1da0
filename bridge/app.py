"""The Flask app factory. Extensions stay unbound; each request gets its own database session."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from flask import Flask, g
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from bridge.runtime import Runtime
from bridge.web import local_time
from bridge.web.errors import error_response
from bridge.web.inputs import AsciiIntegerConverter, refuse_nul


def create_app(runtime: Runtime | None = None) -> Flask:
    rt = runtime or Runtime()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    app.extensions["netcourses"] = rt
    app.json.ensure_ascii = False  # names in the API's JSON as they are, not \u escapes
    app.add_template_filter(local_time, "local")
    secret = rt.settings.web.secret_key.reveal()
    if not secret:
        # Sessions then last as long as this process: fine for `serve` and tests, not for production
        # (several workers must share one key): set web.secret_key there.
        logging.getLogger(__name__).warning("web.secret_key is not set: using a key for this process only")
        secret = secrets.token_urlsafe(32)
    app.config.update(
        DEBUG=False,  # Flask reads FLASK_DEBUG from the environment; debug mode is never wanted here
        SECRET_KEY=secret,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=rt.settings.web.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=rt.settings.web.session_idle_minutes),
    )
    if rt.settings.web.proxies:
        hops = rt.settings.web.proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
        return response

    app.url_map.converters["int"] = AsciiIntegerConverter  # before any route is added
    app.before_request(refuse_nul)

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    app.register_error_handler(HTTPException, error_response)

    from bridge.web.accounts_page import bp as accounts_page_bp
    from bridge.web.agreements_api import bp as agreements_api_bp
    from bridge.web.agreements_page import bp as agreements_page_bp
    from bridge.web.auth import bp as auth_bp
    from bridge.web.calendar_feeds import bp as calendar_feeds_bp
    from bridge.web.choices_api import bp as choices_api_bp
    from bridge.web.choices_classes import bp as choices_classes_bp
    from bridge.web.choices_page import bp as choices_page_bp
    from bridge.web.choose import bp as choose_bp
    from bridge.web.checks_page import bp as checks_page_bp
    from bridge.web.console import bp as console_bp
    from bridge.web.face_to_face_page import bp as face_to_face_page_bp
    from bridge.web.health import bp as health_bp
    from bridge.web.imports_page import bp as imports_bp
    from bridge.web.links_api import bp as links_api_bp
    from bridge.web.metrics import bp as metrics_bp
    from bridge.web.teachers_monitoring import bp as monitoring_bp
    from bridge.web.monitoring_api import bp as monitoring_api_bp
    from bridge.web.monitoring_page import bp as monitoring_page_bp
    from bridge.web.openapi import bp as openapi_bp
    from bridge.web.registry_api import bp as registry_bp
    from bridge.web.registry_pages import bp as registry_pages_bp
    from bridge.web.reports_api import bp as reports_bp
    from bridge.web.reports_page import bp as reports_page_bp
    from bridge.web.subscribe import bp as subscribe_bp
    from bridge.web.webhooks_receiver import bp as webhooks_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(checks_page_bp)
    app.register_blueprint(accounts_page_bp)
    app.register_blueprint(face_to_face_page_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(openapi_bp)
    app.register_blueprint(choices_api_bp)
    app.register_blueprint(agreements_api_bp)
    app.register_blueprint(agreements_page_bp)
    app.register_blueprint(choices_page_bp)
    app.register_blueprint(choices_classes_bp)
    app.register_blueprint(choose_bp)
    app.register_blueprint(registry_pages_bp)
    app.register_blueprint(reports_page_bp)
    app.register_blueprint(subscribe_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(monitoring_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(monitoring_api_bp)
    app.register_blueprint(monitoring_page_bp)
    app.register_blueprint(links_api_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(calendar_feeds_bp)
    return app
