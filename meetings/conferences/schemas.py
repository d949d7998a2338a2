"""Schemas of conferences and participants for the JSON API (and any other JSON transport).

Datetimes go out as ISO 8601 with offset, both in UTC and in the conference's
own time zone; they come in as ISO 8601, and a value without an offset is read
in the conference's time zone (by the service). The rules live in
meetings.conferences.services; these schemas only check shapes and types.
"""

from __future__ import annotations

from flask_login import current_user
from marshmallow import fields

from meetings.accounts.schemas import UnitRefSchema, UserRefSchema
from meetings.api.base import ApiSchema, Enum, in_range, max_length, one_of
from meetings.conferences import services
from meetings.conferences.models import (
    Attendance,
    ConferenceKind,
    ConferenceRole,
    ConferenceStatus,
    Rsvp,
)

DATETIME_HELP = (
    "ISO 8601, e.g. 2026-12-01T08:00:00+07:00; without an offset it is read in the "
    "conference's time zone."
)

# --- conferences ---------------------------------------------------------------


class ConferenceSummarySchema(ApiSchema):
    """A conference as listed."""

    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    kind = Enum(ConferenceKind, dump_only=True)
    status = Enum(ConferenceStatus, dump_only=True)
    version = fields.Integer(
        dump_only=True,
        metadata={
            "description": "Send it back with an edit; an edit of an older version is refused (409)."
        },
    )
    host_unit = fields.Nested(UnitRefSchema, dump_only=True)
    venue = fields.String(dump_only=True, allow_none=True)
    timezone = fields.String(
        dump_only=True,
        metadata={
            "description": "IANA time zone of the conference.",
            "example": "Asia/Ho_Chi_Minh",
        },
    )
    starts_at = fields.DateTime(dump_only=True, metadata={"description": "Start, in UTC."})
    ends_at = fields.DateTime(dump_only=True, metadata={"description": "End, in UTC."})
    starts_at_local = fields.DateTime(
        dump_only=True,
        attribute="local_starts_at",
        metadata={"description": "Start, in the conference's time zone."},
    )
    ends_at_local = fields.DateTime(
        dump_only=True,
        attribute="local_ends_at",
        metadata={"description": "End, in the conference's time zone."},
    )
    period_start = fields.Date(dump_only=True, allow_none=True)
    period_end = fields.Date(dump_only=True, allow_none=True)
    chair_id = fields.Integer(dump_only=True, allow_none=True)


class CallerAccessSchema(ApiSchema):
    roles = fields.List(
        Enum(ConferenceRole),
        dump_only=True,
        metadata={
            "description": "The caller's roles in this conference, personal or through their unit."
        },
    )
    can_manage = fields.Boolean(
        dump_only=True, metadata={"description": "May edit, invite and change the status."}
    )
    can_check_in = fields.Boolean(dump_only=True)
    next_states = fields.List(
        Enum(ConferenceStatus),
        dump_only=True,
        metadata={"description": "The states the caller may move the conference to now."},
    )


class CallerAccess(fields.Nested):
    """What the caller may do with the conference, so clients offer only what is allowed."""

    def __init__(self, **kwargs):
        super().__init__(CallerAccessSchema, dump_only=True, **kwargs)

    def serialize(self, attr, obj, accessor=None, **kwargs):
        user = current_user._get_current_object()
        access = {
            "roles": sorted(services.roles_of(user, obj)),
            "can_manage": services.can_manage(user, obj),
            "can_check_in": services.can_check_in(user, obj),
            "next_states": [
                state for state in obj.next_states if services.can_change_status(user, obj, state)
            ],
        }
        return self._serialize(access, attr, obj, **kwargs)


class ConferenceSchema(ConferenceSummarySchema):
    """A conference in full."""

    description = fields.String(dump_only=True, allow_none=True)
    video_bridge_url = fields.String(dump_only=True, allow_none=True)
    chair = fields.Nested(UserRefSchema, dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    you = CallerAccess()


class _ConferenceFieldsSchema(ApiSchema):
    title = fields.String(validate=max_length(300))
    kind = Enum(ConferenceKind)
    period_start = fields.Date(allow_none=True, metadata={"description": "First day reviewed."})
    period_end = fields.Date(allow_none=True, metadata={"description": "Last day reviewed."})
    host_unit_id = fields.Integer(strict=True)
    venue = fields.String(allow_none=True, validate=max_length(300))
    starts_at = fields.DateTime(metadata={"description": DATETIME_HELP})
    ends_at = fields.DateTime(metadata={"description": DATETIME_HELP})
    timezone = fields.String(
        validate=max_length(64),
        metadata={
            "description": "IANA time zone; default Asia/Ho_Chi_Minh.",
            "example": "Asia/Ho_Chi_Minh",
        },
    )
    chair_id = fields.Integer(strict=True, allow_none=True)
    description = fields.String(allow_none=True, validate=max_length(20000))
    video_bridge_url = fields.String(
        allow_none=True,
        validate=max_length(500),
        metadata={"description": "Fallback video bridge (e.g. a Jitsi room), https://..."},
    )


class ConferenceCreateSchema(_ConferenceFieldsSchema):
    title = fields.String(
        required=True,
        validate=max_length(300),
        metadata={"example": "Hội nghị sơ kết 6 tháng đầu năm 2026"},
    )
    host_unit_id = fields.Integer(required=True, strict=True)
    starts_at = fields.DateTime(
        required=True,
        metadata={"description": DATETIME_HELP, "example": "2026-12-01T08:00:00+07:00"},
    )
    ends_at = fields.DateTime(
        required=True,
        metadata={"description": DATETIME_HELP, "example": "2026-12-01T11:30:00+07:00"},
    )


class ConferenceUpdateSchema(_ConferenceFieldsSchema):
    """Fields to change, and the version you edited; leave out what stays the same."""

    version = fields.Integer(
        required=True,
        strict=True,
        metadata={
            "description": "The version you read. If someone saved in between, the edit is refused "
            "with 409 conflict and nothing is changed."
        },
    )


WHEN = ("upcoming", "past", "all")


class ConferenceQuerySchema(ApiSchema):
    when = fields.String(
        load_default="upcoming",
        validate=one_of(WHEN),
        metadata={"description": "upcoming (not yet ended; the default), past, or all."},
    )
    unit_id = fields.Integer(
        metadata={"description": "Only conferences hosted by or involving this unit."}
    )


class StatusChangeSchema(ApiSchema):
    to = Enum(
        ConferenceStatus,
        required=True,
        metadata={
            "description": "draft -> scheduled -> live -> concluded -> archived "
            "(scheduled may go back to draft)."
        },
    )


# --- participants ----------------------------------------------------------------


class ParticipantSchema(ApiSchema):
    """An invitation of one person or of a whole unit, with its answer and check-in."""

    id = fields.Integer(dump_only=True)
    conference_id = fields.Integer(dump_only=True)
    invitee = fields.Function(
        lambda p: "unit" if p.is_unit_invitation else "person",
        dump_only=True,
        metadata={"type": "string", "enum": ["person", "unit"]},
    )
    user = fields.Nested(
        UserRefSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "The person invited; null when a whole unit is invited."},
    )
    unit = fields.Nested(
        UnitRefSchema,
        dump_only=True,
        metadata={"description": "The unit invited, or the person's unit."},
    )
    role = Enum(ConferenceRole, dump_only=True)
    attendance = Enum(Attendance, dump_only=True)
    headcount = fields.Integer(dump_only=True)
    answer = Enum(Rsvp, dump_only=True, attribute="rsvp")
    substitute_name = fields.String(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True, allow_none=True, attribute="rsvp_note")
    responded_at = fields.DateTime(dump_only=True, allow_none=True)
    checked_in = fields.Boolean(dump_only=True)
    checked_in_at = fields.DateTime(dump_only=True, allow_none=True)
    invited_at = fields.DateTime(dump_only=True)


class ParticipantUpdateSchema(ApiSchema):
    role = Enum(
        ConferenceRole,
        metadata={"description": "organizer and chair are for a person, not a whole unit."},
    )
    attendance = Enum(Attendance)
    headcount = fields.Integer(
        strict=True,
        validate=in_range(1, 500),
        metadata={"description": "How many people the unit sends (unit invitations)."},
    )


class InviteSchema(ParticipantUpdateSchema):
    """Invite either one person (user_id) or a whole unit (unit_id)."""

    user_id = fields.Integer(strict=True)
    unit_id = fields.Integer(strict=True)


class AnswerSchema(ApiSchema):
    answer = Enum(
        Rsvp,
        required=True,
        metadata={"description": "attending, substitute (give substitute_name) or declined."},
    )
    substitute_name = fields.String(allow_none=True, validate=max_length(200))
    note = fields.String(allow_none=True, validate=max_length(500))


class CheckInSchema(ApiSchema):
    present = fields.Boolean(
        load_default=True,
        metadata={"description": "true to check in (default), false to undo a check-in."},
    )
