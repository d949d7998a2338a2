"""Settings from the environment. Every variable is listed in the README."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'meetings.sqlite3'}"
    # Accept the common spellings and use psycopg 3 for PostgreSQL.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: Path) -> dict:
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _dev_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "SOCKETIO_ASYNC_MODE": os.environ.get("SOCKETIO_ASYNC_MODE", "threading"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or (redis_url or "memory://"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "vi"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        "SEED_ON_EMPTY": _bool("SEED_ON_EMPTY", True),
        # How many reverse proxies (nginx) stand in front: their X-Forwarded-* headers
        # are then trusted, so rate limits, the audit log and the presence board see
        # the real client address. 0: trust none (served directly).
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(25 * 1024 * 1024))),
        "MAX_UPLOAD_BYTES": int(os.environ.get("MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or str(instance_path / "uploads"),
        # Reminder mail (flask send-reminders): sent only when MAIL_SERVER is set.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or None,
    }


def _dev_secret(instance_path: Path) -> str:
    """A random key kept in instance/ so sessions survive restarts of `make run`."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(os.urandom(32).hex())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


TEST_OVERRIDES = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    # Counters in memory even when REDIS_URL is set: runs must not share them.
    "RATELIMIT_STORAGE_URI": "memory://",
    "SEED_ON_EMPTY": False,
}
