from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.accounts.models import Unit, User

if TYPE_CHECKING:
    from meetings.agenda.models import AgendaItem
    from meetings.live.models import Site
from meetings.db import Base, intpk, str200, utcnow


class ConferenceKind(enum.StrEnum):
    semi_annual_review = "semi_annual_review"
    annual_review = "annual_review"
    thematic = "thematic"
    other = "other"


class ConferenceStatus(enum.StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    live = "live"
    concluded = "concluded"
    archived = "archived"


# from -> the states it may move to
TRANSITIONS: dict[ConferenceStatus, tuple[ConferenceStatus, ...]] = {
    ConferenceStatus.draft: (ConferenceStatus.scheduled,),
    ConferenceStatus.scheduled: (ConferenceStatus.draft, ConferenceStatus.live),
    ConferenceStatus.live: (ConferenceStatus.concluded,),
    ConferenceStatus.concluded: (ConferenceStatus.archived,),
    ConferenceStatus.archived: (),
}


class ConferenceRole(enum.StrEnum):
    organizer = "organizer"
    chair = "chair"
    secretary = "secretary"
    presenter = "presenter"
    delegate = "delegate"
    observer = "observer"


class Attendance(enum.StrEnum):
    in_room = "in_room"
    remote = "remote"


class Rsvp(enum.StrEnum):
    pending = "pending"
    attending = "attending"
    substitute = "substitute"
    declined = "declined"


class Conference(Base):
    __tablename__ = "conferences"

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[ConferenceKind] = mapped_column(default=ConferenceKind.semi_annual_review)
    period_start: Mapped[Optional[date]] = mapped_column(Date)
    period_end: Mapped[Optional[date]] = mapped_column(Date)
    host_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    venue: Mapped[Optional[str]] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    chair_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    video_bridge_url: Mapped[Optional[str]] = mapped_column(String(500))
    status: Mapped[ConferenceStatus] = mapped_column(default=ConferenceStatus.draft, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Guards the order of the agenda; bumped by every reorder, insert and delete.
    agenda_version: Mapped[int] = mapped_column(Integer, default=1)
    # The last sequence number of the live event log (gap-free, per conference).
    live_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    host_unit: Mapped[Unit] = relationship()
    chair: Mapped[Optional[User]] = relationship(foreign_keys=[chair_id])
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    participants: Mapped[list[Participant]] = relationship(
        back_populates="conference", cascade="all, delete-orphan", order_by="Participant.id"
    )
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    sites: Mapped[list[Site]] = relationship(cascade="all, delete-orphan", order_by="Site.id")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(self.tz)

    @property
    def local_ends_at(self) -> datetime:
        return self.ends_at.astimezone(self.tz)

    @property
    def is_live(self) -> bool:
        return self.status == ConferenceStatus.live

    @property
    def next_states(self) -> tuple[ConferenceStatus, ...]:
        return TRANSITIONS[self.status]

    def __repr__(self) -> str:
        return f"<Conference {self.id} {self.status}>"


class Participant(Base):
    """A person or a whole unit invited to a conference."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("conference_id", "user_id"),)

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[ConferenceRole] = mapped_column(default=ConferenceRole.delegate)
    attendance: Mapped[Attendance] = mapped_column(default=Attendance.in_room)
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    rsvp: Mapped[Rsvp] = mapped_column(default=Rsvp.pending)
    substitute_name: Mapped[Optional[str200]]
    rsvp_note: Mapped[Optional[str]] = mapped_column(String(500))
    responded_at: Mapped[Optional[datetime]]
    responded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    checked_in_at: Mapped[Optional[datetime]]
    checked_in_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    conference: Mapped[Conference] = relationship(back_populates="participants")
    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
    unit: Mapped[Unit] = relationship()
    responded_by: Mapped[Optional[User]] = relationship(foreign_keys=[responded_by_id])
    checked_in_by: Mapped[Optional[User]] = relationship(foreign_keys=[checked_in_by_id])

    @property
    def is_unit_invitation(self) -> bool:
        return self.user_id is None

    @property
    def checked_in(self) -> bool:
        return self.checked_in_at is not None

    def __repr__(self) -> str:
        who = f"user {self.user_id}" if self.user_id else f"unit {self.unit_id}"
        return f"<Participant {who} in {self.conference_id} as {self.role}>"
