"""/api/v1/users: people, read only (accounts are managed by administrators in the app)."""

from __future__ import annotations

from flask.views import MethodView

from meetings.accounts import services
from meetings.accounts.schemas import MeSchema, UserQuerySchema, UserSchema
from meetings.api.blueprint import ApiBlueprint, actor

blp = ApiBlueprint("api-users", __name__, description="People and their units (read only).")


@blp.route("")
class Users(MethodView):
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    def get(self, args):
        """List people, by name"""
        return services.list_users(unit_id=args.get("unit_id"))


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self):
        """The caller's own account"""
        return actor()


@blp.route("/<int:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, user_id):
        """Get one person"""
        return services.get_user(user_id)
