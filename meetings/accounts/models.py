from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Optional

from flask_babel import get_locale
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from meetings.db import Base, intpk, str40, str200, utcnow


class UnitKind(enum.StrEnum):
    committee = "committee"
    department = "department"
    regional_office = "regional_office"
    representative_office = "representative_office"
    other = "other"


class GlobalRole(enum.StrEnum):
    admin = "admin"
    organizer = "organizer"  # secretariat staff: may schedule conferences
    member = "member"


LOCALES = ("vi", "en")


def _current_locale() -> str:
    try:
        return str(get_locale() or "vi")
    except RuntimeError:  # outside a request or app context
        return "vi"


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[intpk]
    code: Mapped[str40] = mapped_column(unique=True)
    name_vi: Mapped[str200]
    name_en: Mapped[str200]
    kind: Mapped[UnitKind] = mapped_column(default=UnitKind.department)
    city: Mapped[Optional[str]] = mapped_column(String(120))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Optional[Unit]] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")
    users: Mapped[list[User]] = relationship(back_populates="unit", order_by="User.full_name")

    def name_for(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    @property
    def name(self) -> str:
        return self.name_for(_current_locale())

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str200]
    position: Mapped[Optional[str]] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[GlobalRole] = mapped_column(default=GlobalRole.member)
    password_hash: Mapped[str] = mapped_column(String(256))
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    feed_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="users")
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", order_by="ApiToken.created_at", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == GlobalRole.admin

    @property
    def can_schedule(self) -> bool:
        return self.role in (GlobalRole.admin, GlobalRole.organizer)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(Base):
    """A personal API token; only its hash is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[Optional[datetime]]
    revoked_at: Mapped[Optional[datetime]]

    user: Mapped[User] = relationship(back_populates="api_tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… of user {self.user_id}>"


class AuditEntry(Base):
    """Who did what, when, from where."""

    __tablename__ = "audit_entries"

    id: Mapped[intpk]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[Optional[int]]
    detail: Mapped[Optional[str]] = mapped_column(Text)
    remote_addr: Mapped[Optional[str]] = mapped_column(String(64))

    actor: Mapped[Optional[User]] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.object_type}:{self.object_id}>"
