"""Building blocks of the JSON API schemas: strict input, translated messages, the error body.

The domain schemas (meetings/accounts/schemas.py, meetings/conferences/schemas.py)
derive from ApiSchema, so every API input refuses unknown fields and explains
type errors in the reader's language. Messages are lazy translations: the
schemas are built once at import, the message is rendered per request.
"""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields

# Marshmallow's own messages are English only; these replace them field by field.
REQUIRED = _l("This field is required.")
MUST_BE_TEXT = _l("Must be text.")
NOT_NULL = _l("This field may not be empty (null).")
INVALID_BY_TYPE: list[tuple[type[fields.Field], object]] = [
    (fields.Boolean, _l("Enter true or false.")),
    (fields.Integer, _l("Enter a whole number.")),
    (fields.Date, _l("Enter a date as YYYY-MM-DD.")),
    (
        fields.DateTime,
        _l("Enter a date and time in ISO 8601 form, e.g. 2026-12-01T08:00:00+07:00."),
    ),
    (fields.String, MUST_BE_TEXT),
    (fields.Nested, _l("Send a JSON object.")),
]


class Enum(fields.Enum):
    """Enum by value, with a translated "choose one of" message that lists the choices."""

    default_error_messages = {"unknown": _l("Choose one of: {choices}.")}

    def __init__(self, enum, **kwargs):
        # By value, read as a string: the OpenAPI document then says "type: string".
        super().__init__(enum, by_value=fields.String, **kwargs)
        self.field.error_messages["invalid"] = MUST_BE_TEXT

    def make_error(self, key: str, **kwargs) -> ma.ValidationError:
        # The lazy message is rendered here, inside the request, then filled in.
        return ma.ValidationError(str(self.error_messages[key]).format(**kwargs))


class ApiSchema(ma.Schema):
    """Base of every API schema: unknown fields are refused, messages are translated."""

    class Meta:
        unknown = ma.RAISE

    error_messages = {
        "unknown": _l("Unknown field."),
        "type": _l("Send a JSON object."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = REQUIRED
            field.error_messages["null"] = NOT_NULL
            for field_type, message in INVALID_BY_TYPE:
                if isinstance(field, field_type):
                    key = "type" if field_type is fields.Nested else "invalid"
                    field.error_messages[key] = message
                    break


def max_length(n: int) -> ma.validate.Length:
    return ma.validate.Length(max=n, error=_l("At most {max} characters, please."))


def in_range(low: int, high: int) -> ma.validate.Range:
    return ma.validate.Range(min=low, max=high, error=_l("Enter a number from {min} to {max}."))


def one_of(choices) -> ma.validate.OneOf:
    return ma.validate.OneOf(choices, error=_l("Choose one of: {choices}."))


class ErrorSchema(ApiSchema):
    """The body of every API error (see meetings.errors)."""

    code = fields.String(
        required=True,
        metadata={
            "description": "Machine-readable reason: unauthenticated (401), forbidden (403), "
            "not_found (404), conflict or invalid_state (409), invalid (422), "
            "malformed_json or csrf_failed (400), unsupported_media_type (415), ...",
            "example": "invalid",
        },
    )
    message = fields.String(
        required=True,
        metadata={
            "description": "What went wrong, in the caller's language, for a person to read.",
            "example": "Some fields are not valid.",
        },
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "Messages per input field (validation errors only).",
            "example": {"title": ["This field is required."]},
        },
    )
