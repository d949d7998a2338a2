from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.accounts.models import Unit, User
from meetings.db import Base, intpk, utcnow


class Site(Base):
    """A remote connection point of a unit for one conference, joined through its link."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("conference_id", "unit_id"),)

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(200))
    expected_headcount: Mapped[int] = mapped_column(Integer, default=1)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    # Live state, kept by the live service: last connect/disconnect and when.
    last_seen_at: Mapped[Optional[datetime]]
    state_since: Mapped[Optional[datetime]]

    unit: Mapped[Unit] = relationship()

    def is_valid_at(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name}>"


class LiveConnection(Base):
    """One open socket of a person or a site in a conference's live room.

    Rows are the presence board's source of truth across processes; a row whose
    heartbeat is older than the grace period counts as gone (its process died).
    """

    __tablename__ = "live_connections"

    id: Mapped[intpk]
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    site_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sites.id"), index=True)
    remote_addr: Mapped[Optional[str]] = mapped_column(String(64))
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[Optional[User]] = relationship()
    site: Mapped[Optional[Site]] = relationship()


class FloorStatus(enum.StrEnum):
    waiting = "waiting"
    speaking = "speaking"
    done = "done"
    withdrawn = "withdrawn"


class FloorRequest(Base):
    """A raised hand: from a person in the room or from a remote site."""

    __tablename__ = "floor_requests"

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    site_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sites.id"))
    agenda_item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agenda_items.id"))
    status: Mapped[FloorStatus] = mapped_column(default=FloorStatus.waiting, index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_at: Mapped[Optional[datetime]]
    ended_at: Mapped[Optional[datetime]]
    granted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
    site: Mapped[Optional[Site]] = relationship()

    @property
    def from_site(self) -> bool:
        return self.site_id is not None


class ChatKind(enum.StrEnum):
    chat = "chat"
    announcement = "announcement"


class ChatMessage(Base):
    __tablename__ = "chat_messages"

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    site_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[ChatKind] = mapped_column(default=ChatKind.chat)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[Optional[User]] = relationship()
    site: Mapped[Optional[Site]] = relationship()


class LiveEvent(Base):
    """The per-conference log of changes people in the live room must see.

    Appended in the same transaction as the change, with a gap-free sequence
    number taken from Conference.live_seq; clients replay from it after a
    reconnect.
    """

    __tablename__ = "live_events"
    __table_args__ = (UniqueConstraint("conference_id", "seq"),)

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_message(self) -> dict:
        return {"seq": self.seq, "type": self.type, "data": self.payload}
