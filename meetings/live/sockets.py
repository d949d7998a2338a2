"""The /live Socket.IO namespace: thin handlers over meetings.live.services.

Authenticate on connect (a person's session, or a site's join link); remember
per socket only which conference and which viewer it is (in this module, never
in the session); on every event, reload the viewer, check it may still be
there, validate the payload, call one service inside the unit of work, and
answer {ok, data} or {ok: false, code, message}.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, join_room
from marshmallow import ValidationError as SchemaError

from meetings.accounts.models import User
from meetings.conferences.models import Conference
from meetings.db import after_commit, unit_of_work, utcnow
from meetings.directives import services as directives
from meetings.drafts import adoption
from meetings.errors import DomainError, NotFoundError, PermissionDeniedError
from meetings.extensions import db, socketio
from meetings.live import schemas, services, state
from meetings.live.events import NAMESPACE, events_since, room_of, site_room
from meetings.live.models import Site
from meetings.live.services import Viewer


@dataclass(frozen=True)
class Binding:
    conference_id: int
    user_id: int | None
    site_id: int | None


# sid -> what that socket is; each process keeps its own sockets' bindings.
_bindings: dict[str, Binding] = {}


def disconnect_after_commit(sids: list[str], notice: dict | None = None) -> None:
    """Close these sockets (of any process) once the change is committed; send each
    the "revoked" `notice` first. A socket of this process gets the notice directly:
    through the message queue it would arrive after the socket was closed; another
    process's socket gets both through the queue, in order."""

    def cut():
        manager = socketio.server.manager
        for sid in sids:
            if notice is not None:
                here = manager.is_connected(sid, NAMESPACE)
                socketio.emit("revoked", notice, to=sid, namespace=NAMESPACE, ignore_queue=here)
            socketio.server.disconnect(sid, namespace=NAMESPACE)

    if sids:
        after_commit(db.session, cut)


def _viewer_from_handshake(auth: dict) -> Viewer:
    token = auth.get("site_token") or session.get("site_token")
    if token:
        site = services.site_for_token(token)
        if site is None:
            raise PermissionDeniedError(_l("This link is not valid."))
        if not site.is_valid_at(utcnow()):
            raise PermissionDeniedError(
                _l("This link was closed or has expired: ask the organizers for a new one.")
            )
        return Viewer(site=site)
    if current_user.is_authenticated:
        return Viewer(user=current_user._get_current_object())
    raise PermissionDeniedError(_l("Please log in first."))


def _refusal(error: DomainError) -> ConnectionRefusedError:
    # The client's connect_error gets err.message and err.data = {code, message}
    # (a single dict argument would arrive as its Python repr in `message`).
    message = str(error.message)
    return ConnectionRefusedError(message, {"code": error.code, "message": message})


class LinkClosedError(PermissionDeniedError):
    """A site's link was revoked, renewed or expired while its socket was open."""


def _load(binding: Binding) -> tuple[Viewer, Conference]:
    conference = db.session.get(Conference, binding.conference_id)
    if binding.site_id is not None:
        viewer = Viewer(site=db.session.get(Site, binding.site_id))
        if conference is None or viewer.site is None or not viewer.can_enter(conference):
            raise LinkClosedError(_l("This link no longer opens the conference."))
        return viewer, conference
    user = db.session.get(User, binding.user_id)
    viewer = Viewer(user=user if user is not None and user.active else None)
    if conference is None or viewer.user is None:
        raise NotFoundError()
    if not viewer.can_enter(conference):
        raise PermissionDeniedError(_l("You may no longer take part in this conference."))
    return viewer, conference


def _plain(messages):
    """Schema messages as JSON: lazy translations rendered to text, keys as text."""
    if isinstance(messages, dict):
        return {str(key): _plain(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [_plain(value) for value in messages]
    return str(messages)


def _fail(error: DomainError) -> dict:
    return {"ok": False, **error.to_dict()}


def live_event(schema: type[schemas.StrictSchema] = schemas.EmptySchema):
    """Wrap a handler(viewer, conference, data) -> dict | None into an acknowledged event."""

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(self, payload=None):
            binding = _bindings.get(request.sid)
            if binding is None:
                return _fail(PermissionDeniedError(_l("Join the conference first.")))
            try:
                data = schema().load(payload if payload is not None else {})
            except SchemaError as error:
                messages = (
                    error.messages if isinstance(error.messages, dict) else {"": error.messages}
                )
                return {
                    "ok": False,
                    "code": "invalid",
                    "message": str(_l("Some fields are not valid.")),
                    "errors": _plain(messages),
                }
            try:
                with unit_of_work():
                    viewer, conference = _load(binding)
                    result = handler(self, viewer, conference, data)
            except DomainError as error:
                if isinstance(error, LinkClosedError):
                    # A revoked or expired link is cut off, not just refused (a site
                    # that merely may not do this one thing stays connected). The
                    # unit of work is over: tell the socket why, then close it.
                    message = {"message": str(error.message)}
                    socketio.emit(
                        "revoked", message, to=request.sid, namespace=NAMESPACE, ignore_queue=True
                    )
                    socketio.server.disconnect(request.sid, namespace=NAMESPACE)
                return _fail(error)
            return {"ok": True, "data": result}

        return wrapper

    return decorate


class LiveNamespace(Namespace):
    def on_connect(self, auth=None):
        auth = auth if isinstance(auth, dict) else {}
        conference_id = auth.get("conference_id")
        try:
            with unit_of_work():
                viewer = _viewer_from_handshake(auth)
                if viewer.site is not None:
                    conference_id = viewer.site.conference_id
                conference = (
                    db.session.get(Conference, conference_id)
                    if isinstance(conference_id, int)
                    else None
                )
                if conference is None:
                    raise NotFoundError(
                        _l("This conference does not exist or is not shared with you.")
                    )
                services.connect(
                    viewer=viewer,
                    conference=conference,
                    sid=request.sid,
                    remote_addr=request.remote_addr,
                )
                adoption.refresh_presence(conference)
                binding = Binding(
                    conference.id,
                    viewer.user.id if viewer.user else None,
                    viewer.site.id if viewer.site else None,
                )
        except DomainError as error:
            raise _refusal(error) from error
        _bindings[request.sid] = binding
        join_room(room_of(binding.conference_id))
        if binding.site_id is not None:
            join_room(site_room(binding.site_id))

    def on_disconnect(self, reason=None):
        binding = _bindings.pop(request.sid, None)
        if binding is None:
            return
        with unit_of_work():
            services.disconnect(sid=request.sid)
            conference = db.session.get(Conference, binding.conference_id)
            if conference is not None:
                adoption.refresh_presence(conference)

    @live_event(schemas.SyncSchema)
    def on_sync(self, viewer, conference, data):
        """The state to start from: the events after `since`, or a fresh snapshot."""
        since = data["since"]
        if since is not None:
            missed = events_since(conference.id, since)
            if missed is not None:
                return {
                    "mode": "events",
                    "events": [e.as_message() for e in missed],
                    "server_time": state.iso(state.utcnow()),
                }
        return {"mode": "snapshot", "snapshot": state.snapshot(conference, viewer)}

    @live_event()
    def on_heartbeat(self, viewer, conference, data):
        services.heartbeat(sid=request.sid)
        return {"server_time": state.iso(state.utcnow())}

    @live_event()
    def on_presence_detail(self, viewer, conference, data):
        if not viewer.can_manage(conference):
            raise PermissionDeniedError(_l("Only the organizers see who is connected from where."))
        return {"connections": state.connections_detail(conference)}

    @live_event()
    def on_hand_raise(self, viewer, conference, data):
        return {"request_id": services.raise_hand(viewer=viewer, conference=conference).id}

    @live_event()
    def on_hand_withdraw(self, viewer, conference, data):
        services.withdraw_hand(viewer=viewer, conference=conference)

    @live_event(schemas.GrantSchema)
    def on_floor_grant(self, viewer, conference, data):
        granted = services.grant_floor(
            viewer=viewer, conference=conference, request_id=data["request_id"]
        )
        return {"request_id": granted.id}

    @live_event()
    def on_floor_end(self, viewer, conference, data):
        services.end_floor(viewer=viewer, conference=conference)

    @live_event(schemas.MessageSchema)
    def on_chat_send(self, viewer, conference, data):
        return {
            "id": services.post_message(viewer=viewer, conference=conference, body=data["body"]).id
        }

    @live_event(schemas.MessageSchema)
    def on_announce(self, viewer, conference, data):
        message = services.post_message(
            viewer=viewer, conference=conference, body=data["body"], announcement=True
        )
        return {"id": message.id}

    def _item(action):
        @live_event(schemas.ItemActionSchema)
        def handler(self, viewer, conference, data):
            item = services.control_item(
                viewer=viewer,
                conference=conference,
                item_id=data["item_id"],
                action=action,
                minutes=data["minutes"],
            )
            return {"item_id": item.id, "status": item.status.value}

        return handler

    on_item_start = _item("start")
    on_item_pause = _item("pause")
    on_item_close = _item("close")
    on_item_skip = _item("skip")
    on_item_extend = _item("extend")
    del _item

    @live_event()
    def on_conference_open(self, viewer, conference, data):
        return {
            "status": services.open_conference(viewer=viewer, conference=conference).status.value
        }

    @live_event()
    def on_conference_close(self, viewer, conference, data):
        return {
            "status": services.close_conference(viewer=viewer, conference=conference).status.value
        }

    # --- the adoption vote on a draft (meetings.drafts.adoption) ---------------------------

    @live_event(schemas.VoteOpenSchema)
    def on_vote_open(self, viewer, conference, data):
        draft = adoption.get_draft(conference, data["draft_id"])
        return {"vote_id": adoption.open_vote(viewer=viewer, conference=conference, draft=draft).id}

    @live_event(schemas.VoteBallotSchema)
    def on_vote_cast(self, viewer, conference, data):
        vote = adoption.get_vote(conference, data["vote_id"])
        ballot = adoption.cast_ballot(
            viewer=viewer, conference=conference, vote=vote, answer=data["answer"]
        )
        return {"vote_id": vote.id, "answer": ballot.answer.value}

    @live_event(schemas.VoteHandCountSchema)
    def on_vote_hand_count(self, viewer, conference, data):
        vote = adoption.get_vote(conference, data.pop("vote_id"))
        adoption.record_hand_count(viewer=viewer, conference=conference, vote=vote, **data)
        return {"vote_id": vote.id}

    @live_event(schemas.VoteRefSchema)
    def on_vote_close(self, viewer, conference, data):
        vote = adoption.get_vote(conference, data["vote_id"])
        adoption.close_vote(viewer=viewer, conference=conference, vote=vote)
        return {"vote_id": vote.id, "adopted": vote.adopted}

    # --- concluding directives (meetings.directives.services) -------------------------------

    @live_event(schemas.DirectiveCreateSchema)
    def on_directive_record(self, viewer, conference, data):
        directive = directives.record_directive(actor=viewer.user, conference=conference, data=data)
        return {"directive_id": directive.id, "number": directive.number}

    @live_event(schemas.DirectiveEditEventSchema)
    def on_directive_edit(self, viewer, conference, data):
        directive = directives.directive_in(conference, data.pop("directive_id"))
        version = data.pop("version")
        directives.update_directive(
            actor=viewer.user,
            conference=conference,
            directive=directive,
            data=data,
            version=version,
        )
        return {"directive_id": directive.id, "version": directive.version}

    @live_event(schemas.DirectiveRefEventSchema)
    def on_directive_confirm(self, viewer, conference, data):
        directive = directives.directive_in(conference, data["directive_id"])
        directives.confirm_directive(
            actor=viewer.user, conference=conference, directive=directive, version=data["version"]
        )
        return {"directive_id": directive.id, "state": directive.state.value}

    @live_event(schemas.DirectiveRefEventSchema)
    def on_directive_delete(self, viewer, conference, data):
        directive = directives.directive_in(conference, data["directive_id"])
        directives.delete_directive(
            actor=viewer.user, conference=conference, directive=directive, version=data["version"]
        )
        return {"directive_id": data["directive_id"]}


_namespace = LiveNamespace(NAMESPACE)


def init_app() -> None:
    """Register the namespace on the current Socket.IO server (once per server: the
    extension object is shared by every app a process builds, as in the tests)."""
    if NAMESPACE not in socketio.server.namespace_handlers:
        socketio.on_namespace(_namespace)
    services.connect_signals()
