"""Comment pages: writing, replying, editing and deleting comments on the draft page, the
thread fragment the page fetches when a comment changes elsewhere, and the draft's settings.

Plain forms that POST and redirect back to the paragraph (#anchor), so the page works
without JavaScript; bad input shows the page again (422) with the form still filled in
and nothing stored. static/js/drafts.js sends the same forms with the header
"X-Requested-With: fetch" and gets the rendered thread back instead of a redirect.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meetings.agenda import services as agenda
from meetings.db import unit_of_work
from meetings.drafts import adoption, comments, permissions, services
from meetings.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from meetings.extensions import db
from meetings.text import render_markdown

bp = Blueprint("comments", __name__)

COMMENT_FIELDS = ("anchor", "kind", "quote", "body", "suggested_text", "parent_id")


@bp.app_template_filter("markdown")
def markdown_filter(source):
    return render_markdown(source)


def _actor():
    return current_user._get_current_object()


def _from_script() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def new_key() -> str:
    return secrets.token_urlsafe(18)


@dataclass
class FormState:
    """Which comment form is open on the page, with what was typed and what was wrong."""

    mode: str | None = None  # "comment" (on a paragraph), "reply" (to a thread), "edit"
    target: str | int | None = None  # the anchor, thread id or comment id
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    message: str | None = None
    placed: bool = True  # False: its paragraph or thread is not on the page; say it on top

    def is_open(self, mode: str, target) -> bool:
        return self.mode == mode and str(self.target) == str(target)

    def value(self, name: str, default=""):
        value = self.values.get(name)
        return default if value is None else value

    @classmethod
    def from_args(cls, args) -> FormState:
        """?comment=<anchor>, ?reply=<thread id> or ?edit=<comment id>: the links that open a
        form without JavaScript."""
        for mode in ("comment", "reply", "edit"):
            if args.get(mode):
                quote = args.get("quote")
                return cls(
                    mode=mode, target=args.get(mode), values={"quote": quote} if quote else {}
                )
        return cls()


def _page_number(default: int | None = None) -> int | None:
    value = request.values.get("page_version", "")
    return int(value) if value.isdigit() else default


def render_draft_page(
    actor, draft, conference, version, *, form: FormState | None = None, status=200
):
    """The draft page: a version's numbered paragraphs with their comment threads."""
    visible = permissions.visible_versions(actor, draft, conference)
    view = comments.page(actor, draft, conference, version)
    form = form or FormState.from_args(request.args)
    if form.message:
        form.placed = _placed(form, view)
    return render_template(
        "drafts/show.html",
        conference=conference,
        draft=draft,
        version=version,
        visible=visible,
        previous=next((v for v in reversed(visible) if v.number < version.number), None),
        can_manage=permissions.can_manage(actor, draft, conference),
        comments=view,
        votes=adoption.votes_for_draft(draft),
        form=form,
        new_key=new_key,
    ), status


def _placed(form: FormState, view: comments.CommentsView) -> bool:
    """Whether the page shows the form that failed (else its message goes on top)."""
    threads = [t for ts in view.threads.values() for t in ts] + view.orphaned
    if form.mode == "comment":
        return view.write.allowed and any(p.anchor == form.target for p in view.version.paragraphs)
    if form.mode == "reply":
        return any(str(t.id) == str(form.target) for t in threads)
    if form.mode == "edit":
        return any(str(form.target) in {str(i) for i in t.editable} for t in threads)
    return False


def _page_url(draft_id: int, number: int | None, fragment: str | None = None) -> str:
    url = url_for("drafts.show", draft_id=draft_id, version=number)
    return f"{url}#{fragment}" if fragment else url


def _thread_fragment(actor, draft, conference, version, thread_id, status=200, form=None):
    thread = comments.get_thread(
        thread_id, actor=actor, draft=draft, conference=conference, version=version
    )
    return render_template(
        "drafts/_thread.html",
        t=thread,
        draft=draft,
        conference=conference,
        version=version,
        form=form or FormState(),
        new_key=new_key,
    ), status


def _errors(error) -> dict:
    return {name: [str(m) for m in messages] for name, messages in error.field_errors.items()}


# --- writing -----------------------------------------------------------------------------


@bp.post("/drafts/<int:draft_id>/versions/<int:number>/comments")
@login_required
def create(draft_id: int, number: int):
    """A comment on a paragraph of version `number`, or a reply (parent_id) shown on it."""
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    version = services.get_version(draft, conference, number, actor=actor)
    data = {name: request.form.get(name) for name in COMMENT_FIELDS}
    data["idempotency_key"] = request.form.get("idempotency_key") or request.headers.get(
        "Idempotency-Key"
    )
    try:
        comment = comments.with_duplicate_retry(
            lambda: comments.add_comment(actor, draft, conference, version, data)
        )
        thread_id, anchor = comment.parent_id or comment.id, comment.anchor
    except (ValidationError, ConflictError) as error:
        db.session.rollback()
        if _from_script():
            raise
        reply = data.get("parent_id") not in (None, "")
        form = FormState(
            mode="reply" if reply else "comment",
            target=data["parent_id"] if reply else data["anchor"],
            values={**data, "idempotency_key": data["idempotency_key"]},
            errors=_errors(error),
            message=str(error.message),
        )
        draft, conference = services.get_draft(draft_id, actor=actor)
        version = services.get_version(draft, conference, number, actor=actor)
        return render_draft_page(actor, draft, conference, version, form=form, status=error.status)
    if _from_script():
        draft, conference = services.get_draft(draft_id, actor=actor)
        version = services.get_version(draft, conference, number, actor=actor)
        return _thread_fragment(actor, draft, conference, version, thread_id, 201)
    flash(
        _("Your reply was posted.") if thread_id != comment.id else _("Your comment was saved."),
        "success",
    )
    return redirect(_page_url(draft_id, number, anchor))


def _load_comment(draft_id: int, comment_id: int):
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    comment = comments.get_comment(comment_id, actor=actor, draft=draft, conference=conference)
    return actor, draft, conference, comment


def _page_version(actor, draft, conference):
    number = _page_number()
    try:
        return services.get_version(draft, conference, number, actor=actor)
    except NotFoundError:
        return services.get_version(draft, conference, None, actor=actor)


@bp.post("/drafts/<int:draft_id>/comments/<int:comment_id>/edit")
@login_required
def edit(draft_id: int, comment_id: int):
    actor, draft, conference, comment = _load_comment(draft_id, comment_id)
    data = {
        name: request.form.get(name)
        for name in ("body", "kind", "quote", "suggested_text")
        if name in request.form
    }
    thread_id, anchor = comment.parent_id or comment.id, comment.anchor
    try:
        with unit_of_work():
            comments.edit_comment(actor, draft, conference, comment, data)
    except (ValidationError, ConflictError) as error:
        if _from_script():
            raise
        form = FormState(
            mode="edit",
            target=comment_id,
            values=data,
            errors=_errors(error),
            message=str(error.message),
        )
        draft, conference = services.get_draft(draft_id, actor=actor)
        version = _page_version(actor, draft, conference)
        return render_draft_page(actor, draft, conference, version, form=form, status=error.status)
    draft, conference = services.get_draft(draft_id, actor=actor)
    version = _page_version(actor, draft, conference)
    if _from_script():
        return _thread_fragment(actor, draft, conference, version, thread_id)
    flash(_("The comment was changed."), "success")
    return redirect(_page_url(draft_id, version.number, anchor))


@bp.post("/drafts/<int:draft_id>/comments/<int:comment_id>/delete")
@login_required
def delete(draft_id: int, comment_id: int):
    actor, draft, conference, comment = _load_comment(draft_id, comment_id)
    thread_id, anchor = comment.parent_id, comment.anchor
    try:
        with unit_of_work():
            comments.delete_comment(actor, draft, conference, comment)
    except ConflictError as error:
        if _from_script():
            raise
        flash(str(error.message), "danger")
        draft, conference = services.get_draft(draft_id, actor=actor)
        version = _page_version(actor, draft, conference)
        return redirect(_page_url(draft_id, version.number, anchor))
    draft, conference = services.get_draft(draft_id, actor=actor)
    version = _page_version(actor, draft, conference)
    if _from_script():
        if thread_id is None:
            return "", 204
        return _thread_fragment(actor, draft, conference, version, thread_id)
    flash(_("The comment was deleted."), "success")
    return redirect(_page_url(draft_id, version.number, anchor))


# --- the thread fragment -------------------------------------------------------------------


@bp.get("/drafts/<int:draft_id>/threads/<int:thread_id>")
@login_required
def thread(draft_id: int, thread_id: int):
    """One thread as rendered on the page of ?version=N (default: the latest one the person
    sees); 404 when it is not shown there or not to them."""
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    number = request.args.get("version", "")
    if number and not number.isdigit():
        raise NotFoundError(services.VERSION_NOT_FOUND)
    version = services.get_version(draft, conference, int(number) if number else None, actor=actor)
    html, status = _thread_fragment(
        actor, draft, conference, version, thread_id, form=FormState.from_args(request.args)
    )
    return html, status, {"Cache-Control": "private, no-store"}


# --- settings ---------------------------------------------------------------------------------


@bp.route("/drafts/<int:draft_id>/settings", methods=["GET", "POST"])
@login_required
def settings(draft_id: int):
    """Title, agenda item, and whether units see each other's comments (managers only)."""
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    if not permissions.can_manage(actor, draft, conference):
        raise PermissionDeniedError(services.SETTINGS_REFUSED)
    values = {
        "title": draft.title,
        "agenda_item_id": draft.agenda_item_id,
        "comments_shared": draft.comments_shared,
    }
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = {
            "title": request.form.get("title", ""),
            "agenda_item_id": request.form.get("agenda_item_id", ""),
            "comments_shared": request.form.get("comments_shared") in ("1", "on", "y", "true"),
        }
        data = dict(values)
        if isinstance(data["agenda_item_id"], str) and data["agenda_item_id"].isdigit():
            data["agenda_item_id"] = int(data["agenda_item_id"])
        try:
            with unit_of_work():
                services.update_draft(actor=actor, draft=draft, conference=conference, data=data)
        except ValidationError as error:
            errors = _errors(error) or {"": [str(error.message)]}
            status = 422
            draft, conference = services.get_draft(draft_id, actor=actor)
        else:
            flash(_("The settings of the draft were saved."), "success")
            return redirect(url_for("drafts.show", draft_id=draft_id))
    return render_template(
        "drafts/settings.html",
        conference=conference,
        draft=draft,
        values=values,
        errors=errors,
        items=agenda.items_of(conference),
    ), status
