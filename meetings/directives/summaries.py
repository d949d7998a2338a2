"""The public summary of a conference: a news-style article (title, time, lead photo, text).

Only the conference's organizers write, publish and withdraw it. The public pages show
a summary only while it is published and its conference has at least opened, and they
show nothing of the conference but what the summary itself says. Lead photos are checked
by their content (PNG or JPEG that really decode), re-encoded without their metadata (a
phone photo's EXIF may carry where and when it was taken, and the camera's serial
number) and kept in two sizes under a random key, so a phone on a slow link loads a
small one.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from meetings import audit, uploads, validation
from meetings.accounts.models import User
from meetings.conferences import services as conferences
from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import utcnow
from meetings.directives.models import PublicSummary
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db

# A summary may be published once the conference has opened; before that there is
# nothing to report, and a draft conference is not even known to its invitees.
PUBLISHABLE_STATES = (ConferenceStatus.live, ConferenceStatus.concluded, ConferenceStatus.archived)

MAX_TITLE = 300
MAX_LEAD = 1000
MAX_BODY = 50_000
MAX_CAPTION = 300
MAX_AUTHOR = 200
SLUG_LENGTH = 80

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # a 40-megapixel camera; more is a decompression bomb
FULL_SIZE = 1600  # the longer side of the photo on a desktop and in print
SMALL_SIZE = 640  # phones and the news list
SMALL_SUFFIX = ".sm"
JPEG_QUALITY = 82
PNG = "image/png"
JPEG = "image/jpeg"

SUMMARY_NOT_FOUND = _l("This news article does not exist or is no longer published.")


# --- who may do what ---------------------------------------------------------------


def can_edit(user: User | None, conference: Conference) -> bool:
    """The organizers of the conference (and administrators) write its summary."""
    return conferences.can_manage(user, conference)


def can_publish(conference: Conference) -> bool:
    return conference.status in PUBLISHABLE_STATES


def _require_editor(actor: User, conference: Conference) -> None:
    if not can_edit(actor, conference):
        raise PermissionDeniedError(
            _l("Only the organizers of the conference may write and publish its summary.")
        )


# --- reading (organizers) ------------------------------------------------------------


def summary_of(conference: Conference) -> PublicSummary | None:
    return db.session.scalar(
        select(PublicSummary).where(PublicSummary.conference_id == conference.id)
    )


def get_for_editing(*, actor: User, conference: Conference) -> PublicSummary | None:
    _require_editor(actor, conference)
    return summary_of(conference)


# --- writing --------------------------------------------------------------------------


def _fields(data: dict) -> dict:
    return {
        "title": validation.text(data.get("title"), "title", max_length=MAX_TITLE),
        "lead": validation.text(data.get("lead"), "lead", max_length=MAX_LEAD, required=False),
        "body": validation.text(data.get("body"), "body", max_length=MAX_BODY),
        "photo_caption": validation.text(
            data.get("photo_caption"), "photo_caption", max_length=MAX_CAPTION, required=False
        ),
        "author_name": validation.text(
            data.get("author_name"), "author_name", max_length=MAX_AUTHOR, required=False
        ),
    }


def slugify(text: str) -> str:
    """The address of an article: its title in plain ASCII ("so-ket-cong-tac-...")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:SLUG_LENGTH].rstrip("-") or "hoi-nghi"


def _unique_slug(title: str) -> str:
    base = slugify(title)
    taken = set(
        db.session.scalars(select(PublicSummary.slug).where(PublicSummary.slug.like(f"{base}%")))
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def save_summary(
    *,
    actor: User,
    conference: Conference,
    data: dict,
    version: int | None,
    photo_filename: str | None = None,
    photo_stream: BinaryIO | None = None,
    remove_photo: bool = False,
) -> PublicSummary:
    """Write (or first create) the summary; a stale edit is refused, never merged.

    `version` is the one the person's form was made from (None for a new summary).
    A new photo replaces the old one; the old files are removed once this commits."""
    _require_editor(actor, conference)
    if conference.status == ConferenceStatus.archived:
        raise InvalidStateError(
            _l("The conference is archived: its summary can no longer be changed.")
        )
    summary = summary_of(conference)
    if (summary.version if summary is not None else None) != version:
        raise ConflictError(
            _l(
                "Someone else saved this summary while you were editing it. Your changes "
                "were not saved; the form now shows the current text."
            )
        )
    fields = _fields(data)
    photo = None
    if photo_stream is not None and photo_filename:
        photo = _process_photo(photo_filename, photo_stream)
    if summary is None:
        summary = PublicSummary(
            conference_id=conference.id,
            slug=_unique_slug(fields["title"]),
            created_by_id=actor.id,
            view_count=0,
            version=0,
        )
        db.session.add(summary)
    for key, value in fields.items():
        setattr(summary, key, value)
    old_key = summary.photo_storage_key
    if photo is not None:
        summary.photo_storage_key = _store_photo(photo)
        summary.photo_content_type = photo.content_type
    elif remove_photo:
        summary.photo_storage_key = None
        summary.photo_content_type = None
    if old_key and old_key != summary.photo_storage_key:
        uploads.remove_files_after_commit([old_key, old_key + SMALL_SUFFIX])
    summary.version += 1
    try:
        db.session.flush()
    except IntegrityError as exc:  # another organizer created it at the same moment
        raise ConflictError(
            _l("Someone else created this summary at the same time. Open it again.")
        ) from exc
    audit.record(
        db.session,
        actor,
        "summary.save",
        summary,
        conference=conference.id,
        photo="new" if photo is not None else ("removed" if remove_photo and old_key else None),
    )
    return summary


def _existing(conference: Conference) -> PublicSummary:
    summary = summary_of(conference)
    if summary is None:
        raise NotFoundError(_l("Write and save the summary first."))
    return summary


def publish_summary(
    *, actor: User, conference: Conference, version: int | None = None
) -> PublicSummary:
    """Put the summary on the public news pages, from now on."""
    _require_editor(actor, conference)
    summary = _existing(conference)
    if version is not None and version != summary.version:
        raise ConflictError(
            _l(
                "The summary was changed since you looked at it. Check the preview again, "
                "then publish."
            )
        )
    if not can_publish(conference):
        raise InvalidStateError(_l("A summary can be published once the conference has opened."))
    if summary.published_at is not None:
        raise InvalidStateError(_l("This summary is already published."))
    summary.published_at = utcnow()
    db.session.flush()
    audit.record(db.session, actor, "summary.publish", summary, conference=conference.id)
    return summary


def unpublish_summary(*, actor: User, conference: Conference) -> PublicSummary:
    """Take the summary off the public pages (it is kept, and can be published again).

    Allowed in every state of the conference, archived included: withdrawing a public
    text must always be possible."""
    _require_editor(actor, conference)
    summary = _existing(conference)
    if summary.published_at is None:
        raise InvalidStateError(_l("This summary is not published."))
    summary.published_at = None
    db.session.flush()
    audit.record(db.session, actor, "summary.unpublish", summary, conference=conference.id)
    return summary


# --- the lead photo -----------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    full: bytes
    small: bytes
    content_type: str


def max_photo_bytes() -> int:
    return min(MAX_PHOTO_BYTES, uploads.max_upload_bytes())


def _refuse(message) -> ValidationError:
    return ValidationError.on("photo", message)


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    return None


def _process_photo(filename: str, stream: BinaryIO) -> Photo:
    """A checked, re-encoded photo in two sizes, or a ValidationError on `photo`.

    The content decides, not the name: it must be a PNG or JPEG image that decodes
    whole, with at most MAX_PHOTO_PIXELS pixels."""
    name = uploads.clean_filename(filename)
    limit = max_photo_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _refuse(
            _l(
                "“%(name)s” is too large: at most %(limit)s per photo.",
                name=name,
                limit=uploads.format_size(limit),
            )
        )
    if not data:
        raise _refuse(_l("“%(name)s” is empty.", name=name))
    kind = _sniff(data[:16])
    not_an_image = _l(
        "“%(name)s” is not a PNG or JPEG photo. Save it as JPEG (.jpg) and upload it again.",
        name=name,
    )
    if kind is None:
        raise _refuse(not_an_image)
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise _refuse(
                    _l(
                        "“%(name)s” has too many pixels (%(width)d × %(height)d). "
                        "Make it smaller than 40 megapixels.",
                        name=name,
                        width=width,
                        height=height,
                    )
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise _refuse(
            _l(
                "“%(name)s” is damaged or not a real %(kind)s image. Open it in an image "
                "editor, save it again and upload it once more.",
                name=name,
                kind=kind,
            )
        ) from None
    return _renditions(upright, source_kind=kind)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _encode(image: Image.Image, fmt: str, icc_profile: bytes | None) -> bytes:
    """Only the pixels (and the colour profile) go out: no EXIF, no XMP, no comment."""
    out = io.BytesIO()
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, **extra)
    else:
        image.save(out, "PNG", optimize=True, **extra)
    return out.getvalue()


def _resized(image: Image.Image, side: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    copy.info = {}  # Pillow writes some of it back (a JPEG's comment, for one)
    return copy


def _renditions(image: Image.Image, *, source_kind: str) -> Photo:
    icc_profile = image.info.get("icc_profile")
    if _has_alpha(image):
        image = image.convert("RGBA")
        fmt = "PNG"
    else:
        image = image.convert("RGB")
        fmt = "JPEG"
    full = _resized(image, FULL_SIZE)
    full_bytes = _encode(full, fmt, icc_profile)
    if fmt == "JPEG" and source_kind == "PNG":
        # A screenshot or a chart may be smaller (and sharper) as PNG: keep the lighter.
        as_png = _encode(full, "PNG", icc_profile)
        if len(as_png) < len(full_bytes):
            fmt, full_bytes = "PNG", as_png
    small_bytes = _encode(_resized(image, SMALL_SIZE), fmt, icc_profile)
    return Photo(full=full_bytes, small=small_bytes, content_type=PNG if fmt == "PNG" else JPEG)


def _store_photo(photo: Photo) -> str:
    """Both sizes under one random key; removed again if the transaction is rolled back."""
    key = secrets.token_hex(24)
    folder = uploads.upload_folder()
    for name, content in ((key, photo.full), (key + SMALL_SUFFIX, photo.small)):
        partial = folder / f".{name}.part"
        try:
            partial.write_bytes(content)
            partial.replace(folder / name)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        uploads.remove_on_rollback(name)
    return key


def photo_path(summary: PublicSummary, *, small: bool = False) -> Path:
    if not summary.photo_storage_key:
        raise NotFoundError(_l("This article has no photo."))
    path = uploads.upload_folder() / (summary.photo_storage_key + (SMALL_SUFFIX if small else ""))
    if not path.is_file():
        raise NotFoundError(_l("The photo of this article is missing."))
    return path


# --- the public pages ------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """A summary as one reader gets it: `public` if anyone may read it now, `by_organizer`
    when the reader is one of its organizers (a preview, or a visit that is not counted)."""

    summary: PublicSummary
    tz: ZoneInfo
    public: bool
    by_organizer: bool


def _is_public(summary: PublicSummary, conference: Conference) -> bool:
    return summary.published_at is not None and conference.status in PUBLISHABLE_STATES


def _published():
    return (
        select(PublicSummary, Conference.timezone)
        .join(Conference, Conference.id == PublicSummary.conference_id)
        .where(
            PublicSummary.published_at.is_not(None),
            Conference.status.in_(PUBLISHABLE_STATES),
        )
        .order_by(PublicSummary.published_at.desc(), PublicSummary.id.desc())
    )


def published_summaries(
    *, page: int = 1, per_page: int = 20, exclude_id: int | None = None
) -> tuple[list[tuple[PublicSummary, ZoneInfo]], bool]:
    """Published summaries, newest first, one page of them; and whether more follow."""
    page = max(1, page)
    query = _published()
    if exclude_id is not None:
        query = query.where(PublicSummary.id != exclude_id)
    rows = db.session.execute(query.offset((page - 1) * per_page).limit(per_page + 1)).all()
    items = [(summary, ZoneInfo(tz)) for summary, tz in rows[:per_page]]
    return items, len(rows) > per_page


def reading(slug, *, viewer: User | None) -> Reading:
    """The summary at `slug` for this reader: published ones for everyone, unpublished
    ones only for its organizers (a preview). Anyone else gets a 404, as for an
    address that never existed."""
    if not isinstance(slug, str) or not slug or len(slug) > 200:
        raise NotFoundError(SUMMARY_NOT_FOUND)
    row = db.session.execute(
        select(PublicSummary, Conference)
        .join(Conference, Conference.id == PublicSummary.conference_id)
        .where(PublicSummary.slug == slug)
    ).first()
    if row is None:
        raise NotFoundError(SUMMARY_NOT_FOUND)
    summary, conference = row
    public = _is_public(summary, conference)
    by_organizer = viewer is not None and can_edit(viewer, conference)
    if not public and not by_organizer:
        raise NotFoundError(SUMMARY_NOT_FOUND)
    return Reading(summary=summary, tz=conference.tz, public=public, by_organizer=by_organizer)


def count_view(summary_id: int) -> int:
    """One more view, counted in the database itself (UPDATE ... SET view_count =
    view_count + 1), so that simultaneous readers are all counted; the new count.

    `updated_at` is kept: a reader does not change the article."""
    return db.session.execute(
        update(PublicSummary)
        .where(PublicSummary.id == summary_id)
        .values(view_count=PublicSummary.view_count + 1, updated_at=PublicSummary.updated_at)
        .returning(PublicSummary.view_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
