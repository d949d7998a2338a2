"""Behind nginx (PROXY_COUNT=1) the app records the client's address, not the proxy's."""

from sqlalchemy import select

from meetings import trust_proxies
from meetings.accounts.models import AuditEntry


def _token_audit_address(db, client, headers) -> str | None:
    client.post("/profile/tokens", data={"name": "máy chủ báo cáo"}, headers=headers)
    db.session.expire_all()
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "api_token.issue")
        .order_by(AuditEntry.id.desc())
    ).first()
    return entry.remote_addr


def test_the_forwarded_address_is_trusted_only_when_configured(app, db, make, client, login_as):
    user = make.user()
    db.session.commit()
    login_as(user)
    forwarded = {"X-Forwarded-For": "203.113.10.7"}

    assert _token_audit_address(db, client, forwarded) == "127.0.0.1"  # served directly

    original = app.wsgi_app
    app.config["PROXY_COUNT"] = 1
    try:
        trust_proxies(app)
        assert _token_audit_address(db, client, forwarded) == "203.113.10.7"
    finally:
        app.wsgi_app = original
        app.config["PROXY_COUNT"] = 0
