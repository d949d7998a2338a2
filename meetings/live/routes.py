"""Pages of the live room: the room itself, the hall's display, and a remote site's join link.

The pages are shells: the server renders the frame and the translated words,
static/js/live.js fills them over the /live Socket.IO namespace. A remote site
has no personal account: GET /join/<token> ties the browser's session to the
site, and the room then renders for that site only.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, logout_user

from meetings.conferences import services as conferences
from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import utcnow
from meetings.errors import AuthenticationRequiredError, InvalidStateError, NotFoundError
from meetings.extensions import db, limiter
from meetings.i18n import STATUS_ACTIONS, STATUS_LABELS, locale
from meetings.live import services
from meetings.live.models import Site
from meetings.live.services import Viewer

bp = Blueprint("live", __name__)

SITE_SESSION_KEYS = ("site_token", "site_id")
NOT_SHARED = _l("This conference does not exist or is not shared with you.")


# --- who is looking ---------------------------------------------------------------


def _forget_site() -> None:
    for key in SITE_SESSION_KEYS:
        session.pop(key, None)


def _link_page(site: Site | None, status: int):
    """A join link that does not (or no longer) work: say why and what to do."""
    if site is None:
        reason = _("This link is not valid. Check that you copied the whole address.")
    elif site.revoked_at is not None:
        reason = _("The organizers closed this link.")
    else:
        reason = _("This link has expired.")
    return render_template("live/link.html", site=site, reason=reason, status=status), status


def _viewer_and_conference(conference_id: int) -> tuple[Viewer, Conference]:
    """The site of this browser's join link, or the logged-in person; and the conference.

    A site sees its own conference only (404 for any other, as for a stranger);
    anonymous visitors go to the login page; people who are not invited get 404.
    """
    token = session.get("site_token")
    if token:
        site = services.site_for_token(token)
        if site is None or not site.is_valid_at(utcnow()):
            _forget_site()
            raise _LinkStopped(site)
        conference = db.session.get(Conference, site.conference_id)
        if site.conference_id != conference_id or conference is None:
            raise NotFoundError(NOT_SHARED)
        return Viewer(site=site), conference
    if not current_user.is_authenticated:
        raise AuthenticationRequiredError()
    user = current_user._get_current_object()
    conference = conferences.get_conference(conference_id, actor=user)
    viewer = Viewer(user=user)
    if not viewer.can_enter(conference):
        raise InvalidStateError(_l("The live room of this conference is closed."))
    return viewer, conference


class _LinkStopped(Exception):
    """The site's link stopped working (revoked, renewed or expired) since it joined."""

    def __init__(self, site: Site | None):
        super().__init__("link stopped")
        self.site = site


@bp.errorhandler(_LinkStopped)
def _link_stopped(error: _LinkStopped):
    return _link_page(error.site, 410 if error.site is not None else 404)


# --- the words live.js shows (no user-facing text is written in the script) ----------


COUNT = "%(count)s"  # kept in the text: the script puts the number in


def _plural(translate) -> dict:
    """The forms for one and for several, for the script to choose by count."""
    return {"one": translate(1), "other": translate(2)}


def ui_strings() -> dict:
    return {
        "connection": {
            "connecting": _("Connecting…"),
            "connected": _("Connected"),
            "reconnecting": _("Reconnecting…"),
            "offline": _("Disconnected"),
        },
        "conference_status": {status.value: str(label) for status, label in STATUS_LABELS.items()},
        "item_status": {
            "pending": _("Not started"),
            "running": _("Running"),
            "paused": _("Paused"),
            "done": _("Done"),
            "skipped": _("Skipped"),
        },
        "site_state": {
            "connected": _("Connected"),
            "reconnecting": _("Reconnecting…"),
            "away": _("Away"),
            "never": _("Not joined yet"),
            "revoked": _("Link closed"),
        },
        "since": _("since %(time)s"),
        "minutes": _("%(num)s min"),
        "elapsed": _("Elapsed"),
        "remaining": _("Remaining"),
        "over_time": _("Over time"),
        "planned": _("Planned"),
        "no_current_item": _("No item is running."),
        "no_agenda": _("The agenda is empty."),
        "projected_end": _("Projected end"),
        "scheduled_end": _("Scheduled end"),
        "later_than_planned": _("later than planned"),
        "item_of": _("Item %(pos)s of %(total)s"),
        "next_item": _("Next"),
        "expected": _plural(
            lambda n: ngettext(
                "%(count)s person expected", "%(count)s people expected", n, count=COUNT
            )
        ),
        "room_checked_in": _("%(checked)s of %(invited)s delegations checked in"),
        "room_people": _plural(
            lambda n: ngettext(
                "%(count)s person in the room", "%(count)s people in the room", n, count=COUNT
            )
        ),
        "people_online": _plural(
            lambda n: ngettext("%(count)s person online", "%(count)s people online", n, count=COUNT)
        ),
        "no_sites": _("No remote sites for this conference."),
        "connected_from": _("Who is connected from where"),
        "nobody_connected": _("Nobody is connected."),
        "connected_since": _("since %(time)s"),
        "sites_connected": _("%(num)s of %(total)s sites connected"),
        "speaking": _("Speaking"),
        "nobody_speaking": _("Nobody has the floor."),
        "queue": _("Waiting for the floor"),
        "queue_empty": _("Nobody is waiting."),
        "from_room": _("In the room"),
        "from_site": _("Remote site"),
        "raise_hand": _("Raise hand"),
        "withdraw": _("Withdraw"),
        "you_have_floor": _("You have the floor."),
        "your_place": _("You are number %(pos)s in the queue."),
        "floor_closed": _("The floor opens when the conference is live."),
        "grant": _("Give the floor"),
        "next_speaker": _("Next speaker (alternating room and sites)"),
        "end_turn": _("End turn"),
        "announcement": _("Announcement"),
        "message_placeholder": _("Write a message…"),
        "no_messages": _("No messages yet."),
        "chat_closed": _("The conference is over: the chat is closed."),
        "open_conference": str(STATUS_ACTIONS[ConferenceStatus.live]),
        "close_conference": str(STATUS_ACTIONS[ConferenceStatus.concluded]),
        "confirm_close": _(
            "Close the conference? Running items end, the floor queue is cleared and the chat "
            "closes. This cannot be undone from the room."
        ),
        "start": _("Start"),
        "resume": _("Resume"),
        "pause": _("Pause"),
        "close_item": _("Close item"),
        "skip": _("Skip"),
        "extend": _("+5 min"),
        "start_next": _("Start the next item"),
        "not_live_yet": _("The conference has not been opened yet."),
        "concluded": _("The conference is closed."),
        "away_title": _("While you were away"),
        "updates": _plural(
            lambda n: ngettext("%(count)s update", "%(count)s updates", n, count=COUNT)
        ),
        "away_agenda": _("the agenda moved to item %(pos)s: %(title)s"),
        "away_agenda_none": _("no item is running any more"),
        "away_items": _plural(
            lambda n: ngettext(
                "%(count)s agenda item changed", "%(count)s agenda items changed", n, count=COUNT
            )
        ),
        "away_floor": _("%(who)s got the floor"),
        "away_floor_none": _("nobody has the floor now"),
        "away_queue": _plural(
            lambda n: ngettext(
                "%(count)s waiting for the floor", "%(count)s waiting for the floor", n, count=COUNT
            )
        ),
        "away_chat": _plural(
            lambda n: ngettext("%(count)s new message", "%(count)s new messages", n, count=COUNT)
        ),
        "away_status": _("the conference is now “%(status)s”"),
        "away_site_joined": _("%(site)s connected"),
        "away_site_left": _("%(site)s left"),
        "dismiss": _("Dismiss"),
        "error_title": _("Not done"),
        "no_answer": _("The server did not answer. Check your connection and try again."),
        "not_connected": _(
            "You are not connected at the moment: try again once the connection is back."
        ),
        "cannot_join": _("You cannot join the live room: %(message)s"),
        "link_closed": _("This link no longer works. Ask the organizers for a new one."),
        "link_revoked": _("The organizers closed this link."),
        "link_renewed": _("This link was replaced by a new one."),
        "close": _("Close"),
        "vote": _adoption_strings(),
        "directives": _directive_strings(),
    }


def _adoption_strings() -> dict:
    from meetings.drafts import adoption  # the drafts build on the live room, not the reverse

    return adoption.live_strings()


def _directive_strings() -> dict:
    from meetings.directives import services as directives  # they build on the live room

    return directives.live_strings()


def _page_config(viewer: Viewer, conference: Conference, mode: str) -> dict:
    return {
        "mode": mode,
        "conference_id": conference.id,
        "locale": locale(),
        "timezone": conference.timezone,
        "heartbeat_seconds": 25,
        "reconnect_grace_seconds": 60,
        "viewer_kind": "site" if viewer.site else "user",
        "strings": ui_strings(),
    }


# --- pages ----------------------------------------------------------------------------


@bp.get("/conferences/<int:conference_id>/live")
def room(conference_id):
    viewer, conference = _viewer_and_conference(conference_id)
    return render_template(
        "live/room.html",
        conference=conference,
        viewer=viewer,
        site=viewer.site,
        can_control=viewer.can_control(conference),
        can_manage=viewer.can_manage(conference),
        config=_page_config(viewer, conference, "room"),
    )


@bp.get("/conferences/<int:conference_id>/display")
def display(conference_id):
    viewer, conference = _viewer_and_conference(conference_id)
    return render_template(
        "live/display.html",
        conference=conference,
        viewer=viewer,
        config=_page_config(viewer, conference, "display"),
    )


@bp.get("/join/<token>")
@limiter.limit("30 per minute")
def join(token):
    """A remote site's link: this browser becomes the site (no personal account) and enters."""
    site = services.site_for_token(token)
    if site is None:
        return _link_page(None, 404)
    if not site.is_valid_at(utcnow()):
        return _link_page(site, 410)
    chosen_locale = session.get("locale")
    logout_user()
    session.clear()  # nothing of a person's session carries over to the site's
    if chosen_locale:
        session["locale"] = chosen_locale
    session["site_token"] = token
    session["site_id"] = site.id
    return redirect(url_for("live.room", conference_id=site.conference_id))
