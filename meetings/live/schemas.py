"""Payloads of the live room, shared by the Socket.IO events and the JSON API.

Integers are strict: "3" or 1.5 where an id is expected is refused, never coerced
(1.5 would otherwise act on item 1).
"""

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
