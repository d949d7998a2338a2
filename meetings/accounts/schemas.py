"""Schemas of units and people for the JSON API (and any other JSON transport).

They check shapes and types; the rules (unique codes, who may change what)
stay in meetings.accounts.services.
"""

from __future__ import annotations

from marshmallow import fields

from meetings.accounts.models import GlobalRole, UnitKind
from meetings.api.base import ApiSchema, Enum, max_length

# --- units -------------------------------------------------------------------


class UnitRefSchema(ApiSchema):
    """A unit as it appears inside other objects."""

    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name = fields.String(
        dump_only=True,
        metadata={"description": "Name in the caller's language (Vietnamese or English)."},
    )


class UnitSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True, metadata={"example": "VU-DP"})
    name = fields.String(
        dump_only=True,
        metadata={"description": "Name in the caller's language (Vietnamese or English)."},
    )
    name_vi = fields.String(dump_only=True)
    name_en = fields.String(dump_only=True)
    kind = Enum(UnitKind, dump_only=True)
    city = fields.String(dump_only=True, allow_none=True)
    parent_id = fields.Integer(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)


class UnitUpdateSchema(ApiSchema):
    """Fields to change; leave out what stays the same."""

    code = fields.String(
        validate=max_length(40),
        metadata={"description": "Letters, digits, dots, dashes or underscores; unique."},
    )
    name_vi = fields.String(validate=max_length(200))
    name_en = fields.String(validate=max_length(200))
    kind = Enum(UnitKind)
    city = fields.String(allow_none=True, validate=max_length(120))
    parent_id = fields.Integer(
        strict=True,
        allow_none=True,
        metadata={"description": "The unit above this one; null for a top-level unit."},
    )
    active = fields.Boolean()


class UnitCreateSchema(UnitUpdateSchema):
    code = fields.String(
        required=True,
        validate=max_length(40),
        metadata={
            "description": "Letters, digits, dots, dashes or underscores; unique.",
            "example": "VU-DP",
        },
    )
    name_vi = fields.String(
        required=True, validate=max_length(200), metadata={"example": "Vụ Địa phương"}
    )
    name_en = fields.String(
        required=True, validate=max_length(200), metadata={"example": "Department of Local Affairs"}
    )


class UnitQuerySchema(ApiSchema):
    kind = Enum(UnitKind, metadata={"description": "Only units of this kind."})


# --- people ------------------------------------------------------------------


class UserRefSchema(ApiSchema):
    """A person as they appear inside other objects."""

    id = fields.Integer(dump_only=True)
    full_name = fields.String(dump_only=True)


class UserSchema(ApiSchema):
    """A person's account. Password hashes and calendar-feed secrets are never exposed."""

    id = fields.Integer(dump_only=True)
    email = fields.String(dump_only=True)
    full_name = fields.String(dump_only=True)
    position = fields.String(dump_only=True, allow_none=True)
    unit_id = fields.Integer(dump_only=True)
    unit = fields.Nested(UnitRefSchema, dump_only=True)
    role = Enum(
        GlobalRole,
        dump_only=True,
        metadata={
            "description": "admin manages units and accounts; organizer may schedule conferences."
        },
    )
    locale = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)


class MeSchema(UserSchema):
    """The caller's own account, with what they may do."""

    is_admin = fields.Boolean(dump_only=True)
    can_schedule = fields.Boolean(dump_only=True)


class UserQuerySchema(ApiSchema):
    unit_id = fields.Integer(metadata={"description": "Only people of this unit."})
