"""The Flask app factory. Extensions stay unbound; each request gets its own database session."""

from __future__ import annotations

from flask import Flask, g, jsonify
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from bridge.runtime import Runtime


def create_app(runtime: Runtime | None = None) -> Flask:
    rt = runtime or Runtime()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    app.extensions["netcourses"] = rt
    secret = rt.settings.web.secret_key.reveal()
    if secret:
        app.config["SECRET_KEY"] = secret

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    @app.errorhandler(HTTPException)
    def _json_error(exc: HTTPException):
        return jsonify(error=exc.name, message=exc.description), exc.code

    from bridge.web.health import bp as health_bp
    from bridge.web.registry_api import bp as registry_bp
    from bridge.web.calendar_feeds import bp as calendar_feeds_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(calendar_feeds_bp)
    return app
