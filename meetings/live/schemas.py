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
