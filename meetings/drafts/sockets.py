"""The /drafts Socket.IO namespace: live news of comments on a draft's page.

A page connects with the person's session and `?draft=<id>` (or auth {draft: id}).
The server checks that the person may see the draft and puts the socket in one
room: the managers' (drafting unit and organizers) or their own unit's. Nothing is
sent by the client; the server emits "comment" {draft_id, thread_id, comment_id,
anchor, version, action} after each committed change (meetings.drafts.comments.
broadcast), and the page fetches the thread by HTTP, which checks permission again.
"""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, join_room

from meetings.db import unit_of_work
from meetings.drafts import comments, services
from meetings.errors import AuthenticationRequiredError, DomainError, NotFoundError
from meetings.extensions import socketio


def _draft_id(auth) -> int | None:
    value = auth.get("draft") if isinstance(auth, dict) else None
    if value is None:
        value = request.args.get("draft")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _refusal(error: DomainError) -> ConnectionRefusedError:
    message = str(error.message)
    return ConnectionRefusedError(message, {"code": error.code, "message": message})


class DraftsNamespace(Namespace):
    def on_connect(self, auth=None):
        try:
            with unit_of_work():
                if not current_user.is_authenticated:
                    raise AuthenticationRequiredError(_l("Please log in first."))
                draft_id = _draft_id(auth)
                if draft_id is None:
                    raise NotFoundError(services.NOT_FOUND)
                actor = current_user._get_current_object()
                draft, conference = services.get_draft(draft_id, actor=actor)
                room = comments.room_for(actor, draft, conference)
        except DomainError as error:
            raise _refusal(error) from error
        join_room(room)


_namespace = DraftsNamespace(comments.NAMESPACE)


def init_app() -> None:
    """Register the namespace once per Socket.IO server (shared by every app of a process)."""
    if comments.NAMESPACE not in socketio.server.namespace_handlers:
        socketio.on_namespace(_namespace)
