"""The agenda is held against the scheduled end, or its own length when held another day."""

from datetime import UTC, datetime, timedelta

from meetings.agenda.models import AgendaItem, ItemStatus
from meetings.conferences.models import ConferenceStatus
from meetings.db import utcnow
from meetings.live.state import agenda_state


def _conference(make, starts_at):
    conference = make.conference(
        status=ConferenceStatus.live, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2)
    )
    for position, minutes in enumerate((30, 60, 45), start=1):
        make.db.session.add(
            AgendaItem(
                conference_id=conference.id,
                position=position,
                title=f"Mục {position}",
                planned_minutes=minutes,
            )
        )
    make.db.session.flush()
    return conference


def test_a_meeting_on_its_day_is_held_against_the_scheduled_end(db, make):
    now = utcnow().replace(microsecond=0)
    starts = now - timedelta(minutes=10)
    conference = _conference(make, starts)
    first = conference.agenda_items[0]
    first.status, first.started_at, first.run_started_at = ItemStatus.running, starts, starts
    db.session.flush()
    state = agenda_state(conference, now)
    assert state["planned_end"] == conference.ends_at.isoformat().replace("+00:00", "Z")
    projected_end = datetime.fromisoformat(state["projected_end"])
    assert projected_end - starts == timedelta(minutes=135)  # 15 minutes over the 2 hours


def test_a_meeting_held_after_its_scheduled_day_keeps_its_own_length(db, make):
    conference = _conference(make, datetime(2016, 9, 20, 8, 15, tzinfo=UTC))
    now = utcnow().replace(microsecond=0)
    first = conference.agenda_items[0]
    first.status, first.started_at, first.run_started_at = ItemStatus.running, now, now
    db.session.flush()
    state = agenda_state(conference, now)
    planned_end = datetime.fromisoformat(state["planned_end"])
    assert planned_end == now + timedelta(hours=2)
    assert datetime.fromisoformat(state["projected_end"]) - planned_end == timedelta(minutes=15)
