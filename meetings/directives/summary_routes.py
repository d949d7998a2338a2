"""The public summary: the organizers' edit page, and the public news pages.

The news pages (/news...) need no account, set no cookie and load no script: a small
stylesheet, the text and one photo sized for the screen. Their language is Vietnamese
unless the reader asks otherwise (?lang=en, kept on the links of these pages).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from meetings.accounts.models import LOCALES
from meetings.conferences import services as conferences
from meetings.db import unit_of_work
from meetings.directives import summaries
from meetings.errors import ConflictError, InvalidStateError, ValidationError
from meetings.forms import REQUIRED, apply_errors
from meetings.text import render_markdown

bp = Blueprint("summaries", __name__)

NEWS_PER_PAGE = 20
OTHER_NEWS = 5
MAX_PAGE = 10_000


class SummaryForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[InputRequired(REQUIRED), Length(max=summaries.MAX_TITLE)]
    )
    lead = TextAreaField(
        _l("Lead (the opening sentence, in bold)"),
        validators=[Length(max=summaries.MAX_LEAD)],
        render_kw={"rows": 3},
    )
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[InputRequired(REQUIRED), Length(max=summaries.MAX_BODY)],
        render_kw={"rows": 18, "spellcheck": "true"},
    )
    photo = FileField(_l("Lead photo (JPEG or PNG)"), render_kw={"accept": ".jpg,.jpeg,.png"})
    remove_photo = BooleanField(_l("Remove the photo"))
    photo_caption = StringField(_l("Photo caption"), validators=[Length(max=summaries.MAX_CAPTION)])
    author_name = StringField(_l("Author"), validators=[Length(max=summaries.MAX_AUTHOR)])
    version = HiddenField()

    FIELDS = ("title", "lead", "body", "photo_caption", "author_name")

    @classmethod
    def for_summary(cls, summary, **defaults) -> SummaryForm:
        if summary is None:
            return cls(formdata=None, **defaults)
        return cls(
            formdata=None,
            version=str(summary.version),
            **{name: getattr(summary, name) or "" for name in cls.FIELDS},
        )

    def service_data(self) -> dict:
        return {name: self[name].data for name in self.FIELDS}

    def stored_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


def _actor():
    return current_user._get_current_object()


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    limit = summaries.max_photo_bytes() // (1024 * 1024)
    message = _("The photo is too large: at most %(limit)d MB. Nothing was saved.", limit=limit)
    if request.view_args and "conference_id" in request.view_args:
        flash(message, "danger")
        return redirect(url_for("summaries.edit", conference_id=request.view_args["conference_id"]))
    return render_template("errors/error.html", status=413, message=message), 413


# --- the organizers' page -----------------------------------------------------------


def _edit_page(conference, summary, form, *, status=200, alerts=(), conflict=None, differences=()):
    response = make_response(
        render_template(
            "summaries/edit.html",
            conference=conference,
            summary=summary,
            form=form,
            alerts=list(alerts),
            conflict=conflict,
            differences=list(differences),
            can_publish=summaries.can_publish(conference),
            archived=conference.status.value == "archived",
            max_photo_mb=summaries.max_photo_bytes() // (1024 * 1024),
        ),
        status,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _differences(mine: SummaryForm, current: SummaryForm) -> list[tuple[str, str, str]]:
    return [
        (str(mine[name].label.text), mine[name].data or "—", current[name].data or "—")
        for name in SummaryForm.FIELDS
        if (mine[name].data or "").strip() != (current[name].data or "").strip()
    ]


@bp.route("/conferences/<int:conference_id>/summary", methods=["GET", "POST"])
@login_required
def edit(conference_id):
    actor = _actor()
    conference = conferences.get_conference(conference_id, actor=actor)
    summary = summaries.get_for_editing(actor=actor, conference=conference)
    if request.method == "GET":
        form = SummaryForm.for_summary(summary, title=conference.title, author_name=actor.full_name)
        return _edit_page(conference, summary, form)
    form = SummaryForm()
    alerts: list = []
    if form.validate():
        upload = form.photo.data
        try:
            with unit_of_work():
                saved = summaries.save_summary(
                    actor=actor,
                    conference=conference,
                    data=form.service_data(),
                    version=form.stored_version(),
                    photo_filename=upload.filename if upload else None,
                    photo_stream=upload.stream if upload else None,
                    remove_photo=form.remove_photo.data,
                )
                published = saved.published_at is not None
        except InvalidStateError:
            raise
        except ConflictError as error:
            summary = summaries.summary_of(conference)
            current = SummaryForm.for_summary(summary)
            return _edit_page(
                conference,
                summary,
                current,
                status=409,
                conflict=error.message,
                differences=_differences(form, current),
            )
        except ValidationError as error:
            alerts = apply_errors(form, error)
            summary = summaries.summary_of(conference)
        else:
            flash(
                _("The summary was saved; the public page shows the new text.")
                if published
                else _("The summary was saved. Look at the preview, then publish it."),
                "success",
            )
            return redirect(url_for("summaries.edit", conference_id=conference_id))
    if form.photo.data:
        alerts.append(_("The photo was not kept either: choose it again if you still want it."))
    return _edit_page(conference, summary, form, status=422, alerts=alerts)


def _posted_version() -> int | None:
    value = request.form.get("version", "")
    return int(value) if value.isdigit() else None


@bp.post("/conferences/<int:conference_id>/summary/publish")
@login_required
def publish(conference_id):
    actor = _actor()
    conference = conferences.get_conference(conference_id, actor=actor)
    with unit_of_work():
        summary = summaries.publish_summary(
            actor=actor, conference=conference, version=_posted_version()
        )
        slug = summary.slug
    flash(_("The summary is published: anyone can read it now."), "success")
    return redirect(url_for("summaries.show", slug=slug))


@bp.post("/conferences/<int:conference_id>/summary/unpublish")
@login_required
def unpublish(conference_id):
    actor = _actor()
    conference = conferences.get_conference(conference_id, actor=actor)
    with unit_of_work():
        summaries.unpublish_summary(actor=actor, conference=conference)
    flash(_("The summary was withdrawn from the public pages."), "success")
    return redirect(url_for("summaries.edit", conference_id=conference_id))


# --- the public pages -----------------------------------------------------------------


@bp.context_processor
def _public_links():
    """Links that keep the language the reader asked for with ?lang=."""
    asked = request.args.get("lang")
    lang = asked if asked in LOCALES else None

    def news_url(endpoint, **values):
        if lang:
            values.setdefault("lang", lang)
        return url_for(endpoint, **values)

    def language_url(code):
        values = {**request.args.to_dict(), **(request.view_args or {}), "lang": code}
        return url_for(request.endpoint, **values)

    return {"news_url": news_url, "language_url": language_url, "render_markdown": render_markdown}


def _public(response):
    # Read fresh each time: the view counter, an article withdrawn a moment ago.
    response.headers["Cache-Control"] = "no-cache"
    return response


def _counts_as_a_view() -> bool:
    """A reader opening the page; not a HEAD request or a browser's prefetch."""
    if request.method != "GET":
        return False
    purpose = request.headers.get("Sec-Purpose") or request.headers.get("Purpose") or ""
    return "prefetch" not in purpose.lower()


@bp.get("/news")
def index():
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    items, has_more = summaries.published_summaries(page=page, per_page=NEWS_PER_PAGE)
    return _public(
        make_response(
            render_template("summaries/index.html", items=items, page=page, has_more=has_more)
        )
    )


@bp.get("/news/<slug>")
def show(slug):
    with unit_of_work():
        read = summaries.reading(slug, viewer=_viewer())
        views = read.summary.view_count
        if read.public and not read.by_organizer and _counts_as_a_view():
            views = summaries.count_view(read.summary.id)
    others, _more = summaries.published_summaries(per_page=OTHER_NEWS, exclude_id=read.summary.id)
    return _public(
        make_response(
            render_template(
                "summaries/show.html", read=read, summary=read.summary, views=views, others=others
            )
        )
    )


@bp.get("/news/<slug>/print")
def print_view(slug):
    read = summaries.reading(slug, viewer=_viewer())
    return _public(
        make_response(render_template("summaries/print.html", read=read, summary=read.summary))
    )


@bp.get("/news/<slug>/photo")
def photo(slug):
    read = summaries.reading(slug, viewer=_viewer())
    path = summaries.photo_path(read.summary, small=request.args.get("size") == "small")
    mimetype = read.summary.photo_content_type or summaries.JPEG
    response = send_file(path, mimetype=mimetype, conditional=True, etag=True)
    if read.public:
        # The address changes (?v=) when the photo is replaced.
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response
