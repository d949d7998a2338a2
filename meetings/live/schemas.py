"""Payloads of the live room, shared by the Socket.IO events and the JSON API."""

from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class EmptySchema(StrictSchema):
    pass


class SyncSchema(StrictSchema):
    since = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))


class GrantSchema(StrictSchema):
    request_id = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The request to grant; none: the next one, alternating room and sites."
        },
    )


class MessageSchema(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ItemActionSchema(StrictSchema):
    item_id = fields.Integer(required=True)
    minutes = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=120)
    )
