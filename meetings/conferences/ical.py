"""iCalendar exports: one conference, and a person's feed of their conferences."""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from icalendar import Calendar, Event, vText

from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import utcnow

PRODID = "-//meetings//Hybrid review conferences//VI"


def _event(conference: Conference, host: str) -> Event:
    event = Event()
    event.add("uid", f"conference-{conference.id}@{host}")
    event.add("summary", conference.title)
    # Local times with their TZID; icalendar writes the VTIMEZONE from the zoneinfo.
    event.add("dtstart", conference.local_starts_at)
    event.add("dtend", conference.local_ends_at)
    event.add("dtstamp", utcnow())
    event.add("last-modified", conference.updated_at)
    event.add("sequence", conference.version)
    if conference.venue:
        event.add("location", vText(conference.venue))
    description = conference.description or ""
    link = url_for("conferences.show", conference_id=conference.id, _external=True)
    if conference.video_bridge_url:
        description += f"\n\n{conference.video_bridge_url}"
    event.add("description", (description + f"\n\n{link}").strip())
    event.add("url", link)
    # A draft is still being planned (only its organizers see it): tentative, not cancelled,
    # which calendar programs would strike through or delete.
    status = "TENTATIVE" if conference.status == ConferenceStatus.draft else "CONFIRMED"
    event.add("status", status)
    return event


def build_calendar(conferences: Iterable[Conference], host: str, name: str | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for conference in conferences:
        calendar.add_component(_event(conference, host))
    calendar.add_missing_timezones()
    return calendar.to_ical()
