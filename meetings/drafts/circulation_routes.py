"""Circulation pages: send a version to units, the dashboard, the answer, the inbox.

Views parse the form, call one service inside unit_of_work() and render or
redirect. Bad input shows the form again (422) with its messages; nothing is stored.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BuildError

from meetings.db import unit_of_work, utcnow
from meetings.drafts import circulation as services
from meetings.errors import PermissionDeniedError, ValidationError
from meetings.forms import optional_id

bp = Blueprint("circulation", __name__)


def _actor():
    return current_user._get_current_object()


@bp.app_context_processor
def inject_inbox_badge():
    def inbox_badge() -> int:
        if not current_user.is_authenticated:
            return 0
        try:
            return services.inbox_count(_actor())
        except SQLAlchemyError:  # an error page in a failed transaction still renders
            return 0

    def draft_url(draft_id: int, **params) -> str:
        # The draft page belongs to the drafts blueprint; fall back to the dashboard without it.
        try:
            return url_for("drafts.show", draft_id=draft_id, **params)
        except BuildError:
            return url_for("circulation.dashboard", draft_id=draft_id)

    return {"inbox_badge": inbox_badge, "draft_url": draft_url}


def _parse_deadline(value: str | None):
    """'2026-12-01T17:00' (datetime-local, the conference's zone) -> naive datetime."""
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime((value or "").strip(), fmt)
        except ValueError:
            continue
    return value


def _render_new(draft, conference, form: dict, errors: dict, status: int = 200):
    invited, others = services.unit_choices(draft, conference)
    return render_template(
        "circulation/new.html",
        draft=draft,
        conference=conference,
        version=draft.latest,
        invited=invited,
        others=others,
        form=form,
        errors=errors,
    ), status


@bp.route("/drafts/<int:draft_id>/circulate", methods=["GET", "POST"])
@login_required
def new(draft_id: int):
    draft, conference = services.get_draft(draft_id, actor=_actor())
    if not services.can_circulate(_actor(), draft, conference):
        raise PermissionDeniedError(
            _("Only the drafting unit and the organizers may circulate this draft.")
        )
    if request.method == "GET":
        return _render_new(draft, conference, {"unit_ids": [], "allow_late": False}, {})

    form = {
        "unit_ids": [optional_id(v) for v in request.form.getlist("unit_ids")],
        "deadline": request.form.get("deadline", ""),
        "allow_late": request.form.get("allow_late") in ("1", "on", "true", "y"),
        "message": request.form.get("message", ""),
    }
    try:
        with unit_of_work():
            circulation = services.circulate(
                actor=_actor(),
                draft=draft,
                conference=conference,
                version=draft.latest,
                unit_ids=form["unit_ids"],
                deadline=_parse_deadline(form["deadline"]),
                allow_late=form["allow_late"],
                message=form["message"],
            )
    except ValidationError as error:
        errors = {k: [str(m) for m in v] for k, v in error.field_errors.items()}
        if not errors:
            errors = {"": [str(error.message)]}
        return _render_new(draft, conference, form, errors, 422)
    flash(
        _(
            "Version %(number)s was sent to %(count)d units.",
            number=circulation.version.number,
            count=len(circulation.recipients),
        ),
        "success",
    )
    return redirect(url_for("circulation.dashboard", draft_id=draft.id))


@bp.get("/drafts/<int:draft_id>/circulation")
@login_required
def dashboard(draft_id: int):
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    manager = services.can_circulate(actor, draft, conference)
    boards = services.draft_dashboard(draft)
    if not manager:
        # A recipient unit sees its own rows only, with its answer form.
        for board in boards:
            board.rows = [r for r in board.rows if r.unit.id == actor.unit_id]
        boards = [b for b in boards if b.rows]
    return render_template(
        "circulation/dashboard.html",
        draft=draft,
        conference=conference,
        boards=boards,
        manager=manager,
        now=utcnow(),
        can_answer=lambda c: services.can_answer(actor, c),
    )


@bp.post("/drafts/<int:draft_id>/circulation/<int:circ_id>/answer")
@login_required
def answer(draft_id: int, circ_id: int):
    actor = _actor()
    with unit_of_work():
        draft, _conference = services.get_draft(draft_id, actor=actor)
        circulation = services.get_circulation(draft, circ_id)
        recipient = services.answer(
            actor=actor, circulation=circulation, answer=request.form.get("answer", "")
        )
    if recipient.late:
        flash(
            _("Your unit's answer was submitted after the deadline and is marked late."), "warning"
        )
    else:
        flash(_("Your unit's answer was submitted."), "success")
    target = request.form.get("next")
    if target == "inbox":
        return redirect(url_for("circulation.inbox"))
    if target == "draft":
        number = circulation.version.number
        return redirect(url_for("drafts.show", draft_id=draft_id, version=number))
    return redirect(url_for("circulation.dashboard", draft_id=draft_id))


@bp.get("/inbox")
@login_required
def inbox():
    items = services.inbox(_actor())
    return render_template(
        "circulation/inbox.html",
        items=items,
        waiting=sum(1 for i in items if i.can_answer),
        due_soon=[i for i in items if i.due_soon],
    )
