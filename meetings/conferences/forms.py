"""HTML forms of the conference pages.

The forms check the shape of the input (required, lengths, dates, numbers);
the services check everything else and their field errors are put back on the
form fields by `apply_errors`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from meetings.conferences.models import Attendance, ConferenceKind, ConferenceRole, Rsvp
from meetings.forms import REQUIRED, labelled_choices, optional_id
from meetings.i18n import ATTENDANCE_LABELS, KIND_LABELS, ROLE_LABELS, RSVP_LABELS

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
COMMON_TIMEZONES = (
    "Asia/Ho_Chi_Minh",
    "Asia/Bangkok",
    "Asia/Vientiane",
    "Asia/Phnom_Penh",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Manila",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Asia/Yangon",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Australia/Sydney",
    "Europe/Moscow",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/London",
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
)

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def timezone_choices(current: str | None = None) -> list[SelectChoice]:
    now = datetime.now(UTC)
    names = list(COMMON_TIMEZONES)
    if current and current not in names:
        names.insert(0, current)
    choices = []
    for name in names:
        try:
            offset = now.astimezone(ZoneInfo(name)).strftime("%z")
        except (ValueError, KeyError, OSError):
            choices.append(SelectChoice(name, name))  # typed by hand; the service refuses it
            continue
        label = f"(UTC{offset[:3]}:{offset[3:]}) {name.replace('_', ' ')}"
        choices.append(SelectChoice(name, label))
    return choices


def unit_choices(tree, blank=None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank else []
    for unit, depth in tree:
        if unit.active:
            choices.append(SelectChoice(unit.id, "\u2003" * depth + f"{unit.name} ({unit.code})"))
    return choices


def people_choices(people, blank=None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank else []
    for person in people:
        choices.append(SelectChoice(person.id, f"{person.full_name} · {person.unit.name}"))
    return choices


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input; the value is naive, read in the conference's time zone."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter a date and time, like 20/09/2016 15:15.")) from exc


class FriendlyDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter a date.")) from exc


class FriendlyIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter a whole number.")) from exc


class ConferenceForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(REQUIRED),
            Length(max=300, message=_l("At most %(max)d characters, please.")),
        ],
    )
    kind = SelectField(
        _l("Kind"),
        choices=labelled_choices(KIND_LABELS),
        default=ConferenceKind.semi_annual_review.value,
        validate_choice=False,
    )
    period_start = FriendlyDateField(_l("From"), validators=[Optional()])
    period_end = FriendlyDateField(_l("To"), validators=[Optional()])
    host_unit_id = SelectField(
        _l("Host unit"),
        coerce=optional_id,
        validate_choice=False,
        validators=[InputRequired(REQUIRED)],
    )
    venue = StringField(
        _l("Venue"),
        validators=[Optional(), Length(max=300, message=_l("At most %(max)d characters, please."))],
    )
    starts_at = LocalDateTimeField(_l("Starts"), validators=[InputRequired(REQUIRED)])
    ends_at = LocalDateTimeField(_l("Ends"), validators=[InputRequired(REQUIRED)])
    timezone = SelectField(
        _l("Time zone"),
        default=DEFAULT_TIMEZONE,
        validate_choice=False,
        validators=[InputRequired(REQUIRED)],
    )
    chair_id = SelectField(_l("Chair"), coerce=optional_id, validate_choice=False)
    description = TextAreaField(
        _l("Description"),
        validators=[
            Optional(),
            Length(max=20000, message=_l("At most %(max)d characters, please.")),
        ],
    )
    video_bridge_url = URLField(_l("Video bridge link"), validators=[Optional()])
    version = HiddenField()

    def fill_choices(self, *, units_tree, people) -> None:
        self.host_unit_id.choices = unit_choices(units_tree, blank=_l("Choose the host unit"))
        self.chair_id.choices = people_choices(people, blank=_l("No chair yet"))
        self.timezone.choices = timezone_choices(self.timezone.data)

    def service_data(self) -> dict:
        return {
            "title": self.title.data,
            "kind": self.kind.data,
            "period_start": self.period_start.data,
            "period_end": self.period_end.data,
            "host_unit_id": self.host_unit_id.data,
            "venue": self.venue.data,
            "starts_at": self.starts_at.data,
            "ends_at": self.ends_at.data,
            "timezone": self.timezone.data,
            "chair_id": self.chair_id.data,
            "description": self.description.data,
            "video_bridge_url": self.video_bridge_url.data,
        }

    def stored_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    @classmethod
    def for_conference(cls, conference, **kwargs) -> ConferenceForm:
        """A form showing the stored values (ignoring what was posted)."""
        return cls(
            formdata=None,
            title=conference.title,
            kind=conference.kind.value,
            period_start=conference.period_start,
            period_end=conference.period_end,
            host_unit_id=conference.host_unit_id,
            venue=conference.venue,
            starts_at=conference.local_starts_at.replace(tzinfo=None),
            ends_at=conference.local_ends_at.replace(tzinfo=None),
            timezone=conference.timezone,
            chair_id=conference.chair_id,
            description=conference.description,
            video_bridge_url=conference.video_bridge_url,
            version=str(conference.version),
            **kwargs,
        )


class InviteForm(FlaskForm):
    invitee = RadioField(
        _l("Invite"),
        default="unit",
        choices=[SelectChoice("unit", _l("A unit")), SelectChoice("person", _l("A person"))],
    )
    unit_id = SelectField(_l("Unit"), coerce=optional_id, validate_choice=False)
    user_id = SelectField(_l("Person"), coerce=optional_id, validate_choice=False)
    role = SelectField(
        _l("Role"),
        choices=labelled_choices(ROLE_LABELS),
        default=ConferenceRole.delegate.value,
        validate_choice=False,
    )
    attendance = SelectField(
        _l("Attendance"),
        choices=labelled_choices(ATTENDANCE_LABELS),
        default=Attendance.in_room.value,
        validate_choice=False,
    )
    headcount = FriendlyIntegerField(
        _l("Headcount"),
        default=1,
        validators=[
            Optional(),
            NumberRange(min=1, max=500, message=_l("The headcount must be between 1 and 500.")),
        ],
    )

    def fill_choices(self, *, units_tree, people) -> None:
        self.unit_id.choices = unit_choices(units_tree, blank=_l("Choose a unit"))
        self.user_id.choices = people_choices(people, blank=_l("Choose a person"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.invitee.data == "unit" and self.unit_id.data is None:
            self.unit_id.errors = [*self.unit_id.errors, _l("Choose a unit to invite.")]
            valid = False
        if self.invitee.data == "person" and self.user_id.data is None:
            self.user_id.errors = [*self.user_id.errors, _l("Choose a person to invite.")]
            valid = False
        return valid

    def service_kwargs(self) -> dict:
        by_unit = self.invitee.data == "unit"
        return {
            "unit_id": self.unit_id.data if by_unit else None,
            "user_id": None if by_unit else self.user_id.data,
            "role": self.role.data,
            "attendance": self.attendance.data,
            "headcount": self.headcount.data if by_unit else None,
        }


class ParticipantForm(FlaskForm):
    role = SelectField(_l("Role"), choices=labelled_choices(ROLE_LABELS), validate_choice=False)
    attendance = SelectField(
        _l("Attendance"), choices=labelled_choices(ATTENDANCE_LABELS), validate_choice=False
    )
    headcount = FriendlyIntegerField(
        _l("Headcount"),
        validators=[
            Optional(),
            NumberRange(min=1, max=500, message=_l("The headcount must be between 1 and 500.")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown in a dialog on the same page as the invite form: own element ids.
        for field in self:
            field.id = field.label.field_id = f"manage-{field.name}"

    def service_data(self) -> dict:
        data = {"role": self.role.data, "attendance": self.attendance.data}
        if self.headcount.data is not None:
            data["headcount"] = self.headcount.data
        return data


ANSWERS = [Rsvp.attending, Rsvp.substitute, Rsvp.declined]


class AnswerForm(FlaskForm):
    answer = RadioField(
        _l("Answer"),
        choices=[SelectChoice(a.value, RSVP_LABELS[a]) for a in ANSWERS],
        validate_choice=False,
        validators=[InputRequired(_l("Choose an answer."))],
    )
    substitute_name = StringField(
        _l("Substitute (name and position)"),
        validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters, please."))],
    )
    note = StringField(
        _l("Note"),
        validators=[Optional(), Length(max=500, message=_l("At most %(max)d characters, please."))],
    )
