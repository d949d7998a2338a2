"""Schemas of the agenda for the JSON API.

Items go out with their stored fields, their live status and the projected
start and end (the same projection the live room shows); they come in with the
version the caller read. The rules live in meetings.agenda.services.
"""

from __future__ import annotations

from flask import url_for
from marshmallow import fields

from meetings.accounts.schemas import UserRefSchema
from meetings.agenda.models import ItemStatus
from meetings.api.base import ApiSchema, Enum, in_range, max_length

AGENDA_VERSION_HELP = (
    "The agenda_version you read (GET .../agenda). If the agenda's order changed since "
    "(an item added, deleted or moved), the change is refused with 409 conflict and nothing "
    "is saved."
)
VERSION_HELP = (
    "The item's version you read. If someone saved the item since, the change is refused "
    "with 409 conflict and nothing is saved."
)


class DocumentSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    filename = fields.String(dump_only=True)
    content_type = fields.String(dump_only=True)
    size = fields.Integer(dump_only=True, metadata={"description": "Bytes."})
    sha256 = fields.String(dump_only=True)
    uploaded_at = fields.DateTime(dump_only=True)
    url = fields.Function(
        lambda d: url_for(
            "agenda.download_document", conference_id=d.item.conference_id, document_id=d.id
        ),
        dump_only=True,
        metadata={"type": "string", "description": "Download (invitees and remote sites only)."},
    )


class AgendaItemSchema(ApiSchema):
    """One agenda item, with its projected times."""

    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True, metadata={"description": "1 = first."})
    title = fields.String(dump_only=True)
    description = fields.String(dump_only=True, allow_none=True)
    presenter = fields.Nested(
        UserRefSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "The presenting person, when they have an account."},
    )
    presenter_name = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "Or a presenter's name."}
    )
    presenter_label = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "Who presents, for display."}
    )
    planned_minutes = fields.Integer(dump_only=True)
    planned_seconds = fields.Integer(
        dump_only=True, metadata={"description": "Planned minutes plus extensions, in seconds."}
    )
    status = Enum(ItemStatus, dump_only=True)
    started_at = fields.DateTime(dump_only=True, allow_none=True)
    ended_at = fields.DateTime(dump_only=True, allow_none=True)
    projected_start = fields.DateTime(dump_only=True, allow_none=True)
    projected_end = fields.DateTime(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True, metadata={"description": VERSION_HELP})
    documents = fields.List(fields.Nested(DocumentSchema), dump_only=True)


class AgendaSchema(ApiSchema):
    """The whole agenda, in order."""

    agenda_version = fields.Integer(dump_only=True, metadata={"description": AGENDA_VERSION_HELP})
    projected_end = fields.DateTime(
        dump_only=True, allow_none=True, metadata={"description": "When the meeting would end."}
    )
    planned_seconds = fields.Integer(dump_only=True)
    items = fields.List(fields.Nested(AgendaItemSchema), dump_only=True)


class _ItemFieldsSchema(ApiSchema):
    title = fields.String(validate=max_length(300), metadata={"example": "Khai mạc hội nghị"})
    description = fields.String(allow_none=True, validate=max_length(5000))
    presenter_id = fields.Integer(
        strict=True, allow_none=True, metadata={"description": "A person with an account."}
    )
    presenter_name = fields.String(
        allow_none=True,
        validate=max_length(200),
        metadata={"description": "Or a name (a unit, a guest).", "example": "Vụ Địa phương III"},
    )
    planned_minutes = fields.Integer(strict=True, validate=in_range(1, 480))


class AgendaItemCreateSchema(_ItemFieldsSchema):
    title = fields.String(
        required=True, validate=max_length(300), metadata={"example": "Khai mạc hội nghị"}
    )
    position = fields.Integer(
        strict=True,
        allow_none=True,
        metadata={"description": "Where to insert it (1 = first); at the end when left out."},
    )
    agenda_version = fields.Integer(
        required=True, strict=True, metadata={"description": AGENDA_VERSION_HELP}
    )


class AgendaItemUpdateSchema(_ItemFieldsSchema):
    """Fields to change, and the item's version you read; leave out what stays the same."""

    version = fields.Integer(required=True, strict=True, metadata={"description": VERSION_HELP})


class VersionQuerySchema(ApiSchema):
    version = fields.Integer(required=True, metadata={"description": VERSION_HELP})


class AgendaOrderSchema(ApiSchema):
    order = fields.List(
        fields.Integer(strict=True),
        required=True,
        metadata={"description": "Every item id of the agenda, once each, in the new order."},
    )
    agenda_version = fields.Integer(
        required=True, strict=True, metadata={"description": AGENDA_VERSION_HELP}
    )
