"""/api/v1/units: the organisation's units. Everyone logged in reads; administrators write."""

from __future__ import annotations

from flask.views import MethodView

from meetings.accounts import services
from meetings.accounts.schemas import (
    UnitCreateSchema,
    UnitQuerySchema,
    UnitSchema,
    UnitUpdateSchema,
)
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.db import unit_of_work

blp = ApiBlueprint(
    "api-units",
    __name__,
    description="Units of the organisation (committee, "
    "departments, regional and representative offices).",
)


@blp.route("")
class Units(MethodView):
    @blp.arguments(UnitQuerySchema, location="query")
    @blp.response(200, UnitSchema(many=True))
    def get(self, args):
        """List units, in tree order"""
        kind = args.get("kind")
        return [unit for unit, _depth in services.unit_tree() if kind is None or unit.kind == kind]

    @blp.arguments(UnitCreateSchema)
    @blp.response(201, UnitSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    def post(self, data):
        """Create a unit (administrators)"""
        with unit_of_work():
            unit = services.create_unit(actor=actor(), data=data)
        return unit


@blp.route("/<int:unit_id>")
class UnitById(MethodView):
    @blp.response(200, UnitSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, unit_id):
        """Get one unit"""
        return services.get_unit(unit_id)

    @blp.arguments(UnitUpdateSchema)
    @blp.response(200, UnitSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, data, unit_id):
        """Change a unit (administrators)"""
        with unit_of_work():
            unit = services.update_unit(actor=actor(), unit=services.get_unit(unit_id), data=data)
        return unit
