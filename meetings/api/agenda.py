"""/api/v1/conferences/<id>/agenda: the agenda's items, their order and versions.

Invitees read; organizers change, each change giving the version it was based
on (the item's `version`, or the agenda's `agenda_version` for adding and
reordering). A stale version answers 409 conflict and nothing is saved.
Every change reaches the live room like one made in the editor.
"""

from __future__ import annotations

from flask.views import MethodView

from meetings.agenda import services
from meetings.agenda.schemas import (
    AgendaItemCreateSchema,
    AgendaItemSchema,
    AgendaItemUpdateSchema,
    AgendaOrderSchema,
    AgendaSchema,
    VersionQuerySchema,
)
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.conferences import services as conferences
from meetings.db import unit_of_work

blp = ApiBlueprint(
    "api-agenda",
    __name__,
    description="The agenda of a conference: items, presenters, planned times, order.",
)

CONFERENCE_PARAMETER = {
    "in": "path",
    "name": "conference_id",
    "description": "The conference's id.",
}


class _Row:
    """An item with its projected times, for the schema to read."""

    def __init__(self, row: services.AgendaRow):
        self._row = row
        self.projected_start = row.projected_start
        self.projected_end = row.projected_end

    def __getattr__(self, name):
        return getattr(self._row.item, name)


def _conference(conference_id: int):
    return conferences.get_conference(conference_id, actor=actor())


def _agenda(conference) -> dict:
    view = services.agenda_view(conference)
    return {
        "agenda_version": view.agenda_version,
        "projected_end": view.projected_end,
        "planned_seconds": view.planned_seconds,
        "items": [_Row(row) for row in view.rows],
    }


def _item(conference, item_id: int) -> _Row:
    services.get_item(conference, item_id)  # 404 for an item of another conference
    return next(
        _Row(row) for row in services.agenda_view(conference).rows if row.item.id == item_id
    )


@blp.route("")
class Agenda(MethodView):
    @blp.response(200, AgendaSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id):
        """The agenda in order, with projected times and the agenda_version"""
        return _agenda(_conference(conference_id))

    @blp.arguments(AgendaItemCreateSchema)
    @blp.response(201, AgendaItemSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Add an item (organizers), at the end or at `position`

        Allowed while the conference is a draft, scheduled or live (409
        invalid_state once it is concluded or archived).
        """
        agenda_version = data.pop("agenda_version")
        with unit_of_work():
            conference = _conference(conference_id)
            item = services.add_item(
                actor=actor(), conference=conference, data=data, agenda_version=agenda_version
            )
            item_id = item.id
        return _item(_conference(conference_id), item_id)


@blp.route("/order")
class AgendaOrder(MethodView):
    @blp.arguments(AgendaOrderSchema)
    @blp.response(200, AgendaSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def put(self, data, conference_id):
        """Put the items in a new order (organizers)

        `order` lists every item id once. When two people reorder from the same
        agenda_version, the first wins and the second gets 409 with nothing
        changed: read the agenda again and retry.
        """
        with unit_of_work():
            conference = _conference(conference_id)
            services.reorder_agenda(
                actor=actor(),
                conference=conference,
                order=data["order"],
                agenda_version=data["agenda_version"],
            )
        return _agenda(_conference(conference_id))


@blp.route("/<int:item_id>")
class AgendaItemById(MethodView):
    @blp.response(200, AgendaItemSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id, item_id):
        """One agenda item"""
        return _item(_conference(conference_id), item_id)

    @blp.arguments(AgendaItemUpdateSchema)
    @blp.response(200, AgendaItemSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data, conference_id, item_id):
        """Edit an item (organizers), giving the version you read

        Send only the fields to change. Choosing a presenter_id clears
        presenter_name, and the other way round.
        """
        version = data.pop("version")
        with unit_of_work():
            conference = _conference(conference_id)
            item = services.get_item(conference, item_id)
            services.update_item(
                actor=actor(), conference=conference, item=item, data=data, version=version
            )
        return _item(_conference(conference_id), item_id)

    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(204)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def delete(self, args, conference_id, item_id):
        """Delete an item and its documents (organizers), giving ?version=

        An item under discussion (running or paused) cannot be deleted (409).
        """
        with unit_of_work():
            conference = _conference(conference_id)
            item = services.get_item(conference, item_id)
            services.delete_item(
                actor=actor(), conference=conference, item=item, version=args["version"]
            )
