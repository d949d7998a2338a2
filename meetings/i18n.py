"""Languages: Vietnamese first, English second; dates in the conference's time zone."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from meetings.accounts.models import LOCALES, GlobalRole, UnitKind
from meetings.conferences.models import (
    Attendance,
    ConferenceKind,
    ConferenceRole,
    ConferenceStatus,
    Rsvp,
)
from meetings.directives.models import DirectiveState, DirectiveStatus
from meetings.drafts.models import Decision, VoteAnswer

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def select_locale() -> str:
    """?lang= for one request, then the person's choice, then the session, then Vietnamese."""
    if not has_request_context():  # CLI, seed loader: Vietnamese unless told otherwise
        return "vi"
    asked = request.args.get("lang")
    if asked in LOCALES:
        return asked
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    return "vi"


def locale() -> str:
    return str(get_locale() or "vi")


STATUS_LABELS = {
    ConferenceStatus.draft: _l("Draft"),
    ConferenceStatus.scheduled: _l("Scheduled"),
    ConferenceStatus.live: _l("Live"),
    ConferenceStatus.concluded: _l("Concluded"),
    ConferenceStatus.archived: _l("Archived"),
}
# The verb on the button that moves a conference into a state
STATUS_ACTIONS = {
    ConferenceStatus.draft: _l("Back to draft"),
    ConferenceStatus.scheduled: _l("Schedule and send invitations"),
    ConferenceStatus.live: _l("Open the conference"),
    ConferenceStatus.concluded: _l("Close the conference"),
    ConferenceStatus.archived: _l("Archive"),
}
KIND_LABELS = {
    ConferenceKind.semi_annual_review: _l("Semi-annual review"),
    ConferenceKind.annual_review: _l("Annual review"),
    ConferenceKind.thematic: _l("Thematic conference"),
    ConferenceKind.other: _l("Other meeting"),
}
ROLE_LABELS = {
    ConferenceRole.organizer: _l("Organizer"),
    ConferenceRole.chair: _l("Chair"),
    ConferenceRole.secretary: _l("Secretary"),
    ConferenceRole.presenter: _l("Presenter"),
    ConferenceRole.delegate: _l("Delegate"),
    ConferenceRole.observer: _l("Observer"),
}
ATTENDANCE_LABELS = {
    Attendance.in_room: _l("In the room"),
    Attendance.remote: _l("Remote site"),
}
RSVP_LABELS = {
    Rsvp.pending: _l("No answer yet"),
    Rsvp.attending: _l("Attends"),
    Rsvp.substitute: _l("Sends a substitute"),
    Rsvp.declined: _l("Declined"),
}
UNIT_KIND_LABELS = {
    UnitKind.committee: _l("Committee"),
    UnitKind.department: _l("Department"),
    UnitKind.regional_office: _l("Regional office"),
    UnitKind.representative_office: _l("Representative office"),
    UnitKind.other: _l("Other unit"),
}
GLOBAL_ROLE_LABELS = {
    GlobalRole.admin: _l("Administrator"),
    GlobalRole.organizer: _l("Secretariat (may schedule)"),
    GlobalRole.member: _l("Member"),
}
# The drafting unit's answer to a comment (bảng tổng hợp ý kiến)
DECISION_LABELS = {
    Decision.accepted: _l("Accepted"),
    Decision.partly_accepted: _l("Partly accepted"),
    Decision.explained: _l("Explained"),
}
# A unit's answer in the adoption vote at the meeting
VOTE_ANSWER_LABELS = {
    VoteAnswer.agree: _l("Agree"),
    VoteAnswer.agree_with_comments: _l("Agree with comments"),
    VoteAnswer.disagree: _l("Disagree"),
}
# A concluding directive: recorded in the room (draft), then confirmed by the chair
DIRECTIVE_STATE_LABELS = {
    DirectiveState.draft: _l("Draft directive"),
    DirectiveState.confirmed: _l("Confirmed"),
}
# Its follow-up ("overdue" is computed from the deadline, not stored)
DIRECTIVE_STATUS_LABELS = {
    DirectiveStatus.open: _l("Open"),
    DirectiveStatus.in_progress: _l("In progress"),
    DirectiveStatus.done: _l("Done"),
}


def _in_zone(value: datetime, tz) -> datetime:
    return value.astimezone(tz) if tz is not None else value


def fmt_datetime(value: datetime | None, tz=None, fmt: str = "medium") -> str:
    """20/09/2016 15:15 in Vietnamese, Sep 20, 2016, 3:15 PM in English."""
    if value is None:
        return ""
    local = _in_zone(value, tz)
    if fmt == "medium" and locale() == "vi":
        return local.strftime("%d/%m/%Y %H:%M")  # Babel's dd/MM/yyyy HH:mm, without its cost
    return format_datetime(local, fmt, locale=locale(), tzinfo=local.tzinfo)


def fmt_date(value: date | datetime | None, tz=None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _in_zone(value, tz).date()
    if fmt == "medium" and locale() == "vi":
        return value.strftime("%d/%m/%Y")
    return format_date(value, fmt, locale=locale())


def fmt_time(value: datetime | None, tz=None) -> str:
    if value is None:
        return ""
    local = _in_zone(value, tz)
    return format_time(
        local, "HH:mm" if locale() == "vi" else "short", locale=locale(), tzinfo=local.tzinfo
    )


def fmt_number(value) -> str:
    return format_decimal(value, locale=locale())


def fmt_weekday(value: date, width: str = "abbreviated") -> str:
    return format_date(value, "EEE" if width == "abbreviated" else "EEEE", locale=locale())


def fmt_month(year: int, month: int) -> str:
    if locale() == "vi":  # "Tháng 9 năm 2016", as Vietnamese writes it
        return f"Tháng {month} năm {year}"
    return format_date(date(year, month, 1), "LLLL yyyy", locale=locale())


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        datetime=fmt_datetime,
        date=fmt_date,
        time=fmt_time,
        number=fmt_number,
        weekday=fmt_weekday,
    )
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        STATUS_ACTIONS=STATUS_ACTIONS,
        KIND_LABELS=KIND_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        ATTENDANCE_LABELS=ATTENDANCE_LABELS,
        RSVP_LABELS=RSVP_LABELS,
        UNIT_KIND_LABELS=UNIT_KIND_LABELS,
        GLOBAL_ROLE_LABELS=GLOBAL_ROLE_LABELS,
        DECISION_LABELS=DECISION_LABELS,
        VOTE_ANSWER_LABELS=VOTE_ANSWER_LABELS,
        DIRECTIVE_STATE_LABELS=DIRECTIVE_STATE_LABELS,
        DIRECTIVE_STATUS_LABELS=DIRECTIVE_STATUS_LABELS,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        current_locale=locale,
        fmt_month=fmt_month,
    )
