"""Payloads of the live room, shared by the Socket.IO events and the JSON API.

Integers are strict: "3" or 1.5 where an id is expected is refused, never coerced
(1.5 would otherwise act on item 1).
"""

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class EmptySchema(StrictSchema):
    pass


class SyncSchema(StrictSchema):
    since = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=0)
    )


class GrantSchema(StrictSchema):
    request_id = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The request to grant; none: the next one, alternating room and sites."
        },
    )


class MessageSchema(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ItemActionSchema(StrictSchema):
    item_id = fields.Integer(strict=True, required=True)
    minutes = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1, max=120)
    )


# --- the adoption vote (meetings.drafts.adoption) ------------------------------------------

VOTE_ANSWERS = ("agree", "agree_with_comments", "disagree")


class VoteOpenSchema(StrictSchema):
    draft_id = fields.Integer(strict=True, required=True)


class VoteRefSchema(StrictSchema):
    vote_id = fields.Integer(strict=True, required=True)


class BallotAnswerSchema(StrictSchema):
    answer = fields.String(
        required=True,
        validate=validate.OneOf(
            VOTE_ANSWERS, error=_l("Answer agree, agree with comments or disagree.")
        ),
        metadata={"description": "The unit's answer.", "enum": list(VOTE_ANSWERS)},
    )


HANDS = validate.Range(min=0, max=10_000, error=_l("Enter a whole number from {min} to {max}."))


class HandCountSchema(StrictSchema):
    """The room's raised hands; together not more than the people in the room."""

    agree = fields.Integer(strict=True, required=True, validate=HANDS)
    agree_with_comments = fields.Integer(strict=True, required=True, validate=HANDS)
    disagree = fields.Integer(strict=True, required=True, validate=HANDS)


class VoteBallotSchema(BallotAnswerSchema):
    vote_id = fields.Integer(strict=True, required=True)


class VoteHandCountSchema(HandCountSchema):
    vote_id = fields.Integer(strict=True, required=True)


# --- concluding directives (meetings.directives.services) ----------------------------------

REQUIRED_MESSAGES = {
    "required": _l("This field is required."),
    "null": _l("This field may not be empty (null)."),
}
WHOLE_NUMBER = {"invalid": _l("Enter a whole number."), **REQUIRED_MESSAGES}


def _directive_text(**kwargs) -> fields.String:
    return fields.String(
        validate=validate.Length(
            min=1, max=5000, error=_l("Between {min} and {max} characters, please.")
        ),
        error_messages={"invalid": _l("Must be text."), **REQUIRED_MESSAGES},
        metadata={"description": "What the chair concluded (1 to 5000 characters)."},
        **kwargs,
    )


def _lead_unit(**kwargs) -> fields.Integer:
    return fields.Integer(
        strict=True,
        error_messages=WHOLE_NUMBER,
        metadata={"description": "The unit that carries it out and reports on it (active)."},
        **kwargs,
    )


def _deadline(**kwargs) -> fields.Date:
    return fields.Date(
        error_messages={"invalid": _l("Enter a date as YYYY-MM-DD."), **REQUIRED_MESSAGES},
        metadata={"description": "After the day of the conference (in its time zone)."},
        **kwargs,
    )


class _DirectiveOptionalSchema(StrictSchema):
    cooperating_unit_ids = fields.List(
        fields.Integer(strict=True, error_messages=WHOLE_NUMBER),
        error_messages={"invalid": _l("Send a list of unit ids.")},
        metadata={"description": "Units that help (active), each once, not the lead unit."},
    )
    agenda_item_id = fields.Integer(
        strict=True,
        allow_none=True,
        error_messages=WHOLE_NUMBER,
        metadata={
            "description": "The agenda item it came from; when recording, the item "
            "under discussion unless given."
        },
    )


class DirectiveCreateSchema(_DirectiveOptionalSchema):
    """A new directive: text, lead unit and deadline are required. The services check the
    rest (units exist and are active, the deadline comes after the conference's day, the
    item is on this agenda)."""

    text = _directive_text(required=True)
    lead_unit_id = _lead_unit(required=True)
    deadline = _deadline(required=True)


class DirectiveChangeSchema(_DirectiveOptionalSchema):
    """Only the fields to change, with the version read (409 if it changed since)."""

    text = _directive_text()
    lead_unit_id = _lead_unit()
    deadline = _deadline()
    version = fields.Integer(strict=True, required=True, error_messages=WHOLE_NUMBER)


class DirectiveVersionSchema(StrictSchema):
    version = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        error_messages=WHOLE_NUMBER,
        metadata={"description": "The version read; refused (409) if it changed since."},
    )


class DirectiveEditEventSchema(DirectiveChangeSchema):
    directive_id = fields.Integer(strict=True, required=True, error_messages=WHOLE_NUMBER)


class DirectiveRefEventSchema(DirectiveVersionSchema):
    directive_id = fields.Integer(strict=True, required=True, error_messages=WHOLE_NUMBER)
