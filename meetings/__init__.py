"""meetings: a hybrid meeting manager for review conferences."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request, session
from flask_login import current_user

from meetings import config as config_module

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_app(config: dict | None = None) -> Flask:
    root = config_module.ROOT
    app = Flask(
        __name__,
        instance_path=str(root / "instance"),
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    app.config.from_mapping(config_module.from_environment(Path(app.instance_path)))
    app.config.update(
        API_TITLE="meetings API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui/",
        API_SPEC_OPTIONS={
            "info": {
                "description": "Units, people, conferences and their participants. "
                "Authenticate with your session or a personal API token "
                "(Authorization: Bearer mtg_...)."
            },
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                    "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        },
        WTF_CSRF_CHECK_DEFAULT=False,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_MIN_SIZE=1024,
        JSON_SORT_KEYS=False,
    )
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from meetings import models  # noqa: F401 - every table on the metadata

    _init_extensions(app)
    trust_proxies(app)
    _register_blueprints(app)

    from meetings.errors import register_error_handlers

    register_error_handlers(app)

    from meetings import cli

    cli.init_app(app)
    _register_hooks(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client's address from X-Forwarded-*.

    Outermost, so the Socket.IO handshake sees the same address as the pages."""
    count = app.config["PROXY_COUNT"]
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _init_extensions(app: Flask) -> None:
    from meetings import i18n
    from meetings.extensions import (
        api,
        babel,
        compress,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
        socketio,
    )

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"],
    )
    i18n.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        channel="flask-socketio",
        manage_session=False,
    )
    api.init_app(app)

    from meetings.live import sockets

    sockets.init_app()

    from meetings.drafts import sockets as draft_sockets

    draft_sockets.init_app()

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # "basic": a changed address or browser marks the session non-fresh. "strong"
    # would also drop a session that holds no login yet (a chosen language) before
    # the Bearer-token loader runs, refusing a valid token.
    login_manager.session_protection = "basic"

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    from meetings.accounts import services as accounts
    from meetings.accounts.models import User
    from meetings.errors import AuthenticationRequiredError

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    @login_manager.request_loader
    def load_user_from_token(req):
        header = req.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            user = accounts.user_for_api_token(header[7:].strip())
            if user is not None:
                g.api_token_auth = True
                db.session.commit()  # keep last_used_at
            return user
        return None

    @login_manager.unauthorized_handler
    def unauthorized():
        raise AuthenticationRequiredError()


def _register_blueprints(app: Flask) -> None:
    from meetings.accounts.routes import admin_bp
    from meetings.accounts.routes import bp as accounts_bp
    from meetings.agenda.routes import bp as agenda_bp
    from meetings.api import register_api
    from meetings.conferences.routes import bp as conferences_bp
    from meetings.directives.followup_routes import bp as followup_bp
    from meetings.directives.minutes_routes import bp as minutes_bp
    from meetings.directives.notice_routes import bp as notices_bp
    from meetings.directives.routes import bp as directives_bp
    from meetings.directives.summary_routes import bp as summaries_bp
    from meetings.drafts.circulation_routes import bp as circulation_bp
    from meetings.drafts.comment_routes import bp as comments_bp
    from meetings.drafts.routes import bp as drafts_bp
    from meetings.drafts.table_routes import bp as dispositions_bp
    from meetings.live.routes import bp as live_bp
    from meetings.live.site_routes import bp as sites_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(conferences_bp)
    app.register_blueprint(agenda_bp)
    app.register_blueprint(drafts_bp)
    app.register_blueprint(live_bp)
    app.register_blueprint(sites_bp)
    app.register_blueprint(circulation_bp)
    app.register_blueprint(dispositions_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(directives_bp)
    app.register_blueprint(summaries_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(minutes_bp)
    register_api(app)


def _register_hooks(app: Flask) -> None:
    from meetings.extensions import csrf

    @app.before_request
    def protect_forms():
        # Requests carrying a personal API token are not exposed to CSRF; every
        # cookie-authenticated write (forms, and the API used from our pages) is.
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return
        if app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Language", str(_current_locale()))
        return response

    @app.context_processor
    def inject_user():
        return {"current_user": current_user, "session_locale": session.get("locale")}

    @app.get("/favicon.ico")
    def favicon():
        return app.send_static_file("favicon.svg")

    @app.get("/healthz")
    def healthz():
        from sqlalchemy import text

        from meetings.extensions import db

        db.session.execute(text("SELECT 1"))
        return {"status": "ok"}


def _current_locale() -> str:
    from meetings.i18n import locale

    try:
        return locale()
    except Exception:  # noqa: BLE001 - outside a request the header is not needed
        return "vi"
