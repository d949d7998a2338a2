"""The public summary's services called directly: writing, publishing, the photo checks,
what the public may read, and the atomic view counter."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry, User
from meetings.conferences.models import Conference, ConferenceRole, ConferenceStatus
from meetings.directives import summaries
from meetings.directives.models import PublicSummary
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db as _db
from tests.conftest import count_queries

S = ConferenceStatus
TITLE = "Sơ kết công tác cải cách hành chính và thực hiện quy chế dân chủ 6 tháng đầu năm 2016"
BODY = (
    "Tham dự Hội nghị có Lãnh đạo các vụ, đơn vị thuộc UBDT.\n\n"
    "Theo Báo cáo sơ kết, công tác CCHC đã được triển khai theo đúng kế hoạch."
)


@dataclass
class Scene:
    conference: Conference
    organizer: User
    chair: User
    secretary: User
    delegate: User
    outsider: User
    admin: User


@pytest.fixture
def scene(make) -> Scene:
    organizer = make.organizer()
    chair = make.user()
    conference = make.conference(organizer=organizer, chair=chair, status=S.live)
    secretary = make.user()
    make.participant(conference, user=secretary, role=ConferenceRole.secretary)
    delegate = make.user()
    make.participant(conference, user=delegate)
    return Scene(conference, organizer, chair, secretary, delegate, make.user(), make.admin())


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def data(**changes) -> dict:
    return {
        "title": TITLE,
        "lead": "",
        "body": BODY,
        "photo_caption": "",
        "author_name": "Ngọc Ánh",
    } | changes


def save(scene: Scene, actor=None, version=None, **kwargs) -> PublicSummary:
    return summaries.save_summary(
        actor=actor or scene.organizer,
        conference=scene.conference,
        data=kwargs.pop("data", None) or data(),
        version=version,
        **kwargs,
    )


def jpeg(width=2000, height=1500, exif_gps=True, color=(164, 22, 26)) -> bytes:
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    exif = Image.Exif()
    if exif_gps:
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0131] = "SecretCam 1.0"  # Software
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = "N", (21.0, 1.0, 42.0)  # latitude
        gps[3], gps[4] = "E", (105.0, 50.0, 5.0)  # longitude
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"internal note")
    return out.getvalue()


def png(width=800, height=600, alpha=False) -> bytes:
    image = Image.new(
        "RGBA" if alpha else "RGB", (width, height), (10, 80, 200, 128)[: 4 if alpha else 3]
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def summary_count() -> int:
    return _db.session.scalar(select(func.count()).select_from(PublicSummary))


def actions() -> list[str]:
    return list(
        _db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("summary.%"))
            .order_by(AuditEntry.id)
        )
    )


# --- writing ---------------------------------------------------------------------------


def test_organizer_writes_the_summary_with_an_address_from_its_title(scene):
    summary = save(scene)
    assert summary.slug == (
        "so-ket-cong-tac-cai-cach-hanh-chinh-va-thuc-hien-quy-che-dan-chu-6-thang-dau-nam"
    )
    assert len(summary.slug) <= summaries.SLUG_LENGTH
    assert (summary.title, summary.body, summary.author_name) == (TITLE, BODY, "Ngọc Ánh")
    assert summary.lead is None and summary.published_at is None
    assert summary.version == 1 and summary.view_count == 0
    assert actions() == ["summary.save"]


def test_the_address_stays_when_the_title_changes_and_is_unique(scene, make):
    first = save(scene)
    slug = first.slug
    save(scene, version=1, data=data(title="Hội nghị sơ kết: tiêu đề mới"))
    assert first.slug == slug and first.version == 2
    other = make.conference(status=S.live, title="Hội nghị khác")
    second = summaries.save_summary(
        actor=other.created_by, conference=other, data=data(), version=None
    )
    assert second.slug == f"{slug}-2"
    assert summaries.slugify("Đổi mới ĐÀO TẠO!") == "doi-moi-dao-tao"
    assert summaries.slugify("!!!") == "hoi-nghi"


@pytest.mark.parametrize("who", ["chair", "secretary", "delegate", "outsider"])
def test_only_the_organizers_write_and_publish(scene, who):
    actor = getattr(scene, who)
    with pytest.raises(PermissionDeniedError):
        save(scene, actor=actor)
    assert summary_count() == 0
    save(scene)
    for action in (summaries.publish_summary, summaries.unpublish_summary):
        with pytest.raises(PermissionDeniedError):
            action(actor=actor, conference=scene.conference)
    assert not summaries.can_edit(actor, scene.conference)
    with pytest.raises(PermissionDeniedError):
        summaries.get_for_editing(actor=actor, conference=scene.conference)


def test_an_administrator_may_write_it(scene):
    assert save(scene, actor=scene.admin).created_by_id == scene.admin.id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"body": ""}, "body"),
        ({"title": "x" * 301}, "title"),
        ({"lead": "x" * 1001}, "lead"),
        ({"body": "x" * 50_001}, "body"),
        ({"photo_caption": "x" * 301}, "photo_caption"),
        ({"author_name": "x" * 201}, "author_name"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(scene, uploads, changes, field):
    with pytest.raises(ValidationError) as caught:
        save(scene, data=data(**changes), photo_filename="anh.jpg", photo_stream=io.BytesIO(jpeg()))
    assert field in caught.value.field_errors
    _db.session.rollback()
    assert summary_count() == 0
    assert stored_files(uploads) == []


def test_a_stale_edit_is_refused(scene):
    save(scene)
    save(scene, version=1, data=data(body="Bản của người thứ nhất."))
    with pytest.raises(ConflictError):
        save(scene, version=1, data=data(body="Bản cũ của người thứ hai."))
    # A second "new" summary for the same conference is a conflict too, not a duplicate.
    with pytest.raises(ConflictError):
        save(scene, version=None)
    assert summaries.summary_of(scene.conference).body == "Bản của người thứ nhất."


def test_an_archived_conference_keeps_its_summary_as_it_is(scene):
    save(scene)
    summaries.publish_summary(actor=scene.organizer, conference=scene.conference)
    scene.conference.status = S.archived
    with pytest.raises(InvalidStateError):
        save(scene, version=1, data=data(title="Sửa sau khi lưu trữ"))
    # Withdrawing a public text stays possible.
    summaries.unpublish_summary(actor=scene.organizer, conference=scene.conference)
    assert summaries.summary_of(scene.conference).published_at is None


# --- publishing ---------------------------------------------------------------------------


def test_publishing_waits_until_the_conference_has_opened(make):
    organizer = make.organizer()
    for status in (S.draft, S.scheduled):
        conference = make.conference(organizer=organizer, status=status)
        summaries.save_summary(actor=organizer, conference=conference, data=data(), version=None)
        with pytest.raises(InvalidStateError):
            summaries.publish_summary(actor=organizer, conference=conference)
        assert not summaries.can_publish(conference)


def test_publish_and_withdraw(scene):
    with pytest.raises(NotFoundError):
        summaries.publish_summary(actor=scene.organizer, conference=scene.conference)
    save(scene)
    with pytest.raises(ConflictError):  # the preview the organizer saw is out of date
        summaries.publish_summary(actor=scene.organizer, conference=scene.conference, version=7)
    before = datetime.now(UTC)
    summary = summaries.publish_summary(
        actor=scene.organizer, conference=scene.conference, version=1
    )
    assert summary.published_at >= before - timedelta(seconds=1)
    assert summary.version == 1  # publishing does not make open edit forms stale
    with pytest.raises(InvalidStateError):
        summaries.publish_summary(actor=scene.organizer, conference=scene.conference)
    summaries.unpublish_summary(actor=scene.organizer, conference=scene.conference)
    assert summary.published_at is None
    with pytest.raises(InvalidStateError):
        summaries.unpublish_summary(actor=scene.organizer, conference=scene.conference)
    assert actions() == ["summary.save", "summary.publish", "summary.unpublish"]


# --- what the public reads ----------------------------------------------------------------


def test_an_unpublished_summary_is_read_only_by_its_organizers(scene):
    summary = save(scene)
    _db.session.commit()
    for viewer in (None, scene.chair, scene.secretary, scene.delegate, scene.outsider):
        with pytest.raises(NotFoundError):
            summaries.reading(summary.slug, viewer=viewer)
    preview = summaries.reading(summary.slug, viewer=scene.organizer)
    assert (preview.public, preview.by_organizer) == (False, True)
    assert summaries.published_summaries() == ([], False)

    summaries.publish_summary(actor=scene.organizer, conference=scene.conference)
    public = summaries.reading(summary.slug, viewer=None)
    assert (public.public, public.by_organizer) == (True, False)
    assert str(public.tz) == "Asia/Ho_Chi_Minh"
    assert summaries.reading(summary.slug, viewer=scene.organizer).by_organizer
    for bad in ("", "khong-co", "x" * 201, None, 12):
        with pytest.raises(NotFoundError):
            summaries.reading(bad, viewer=None)


def test_a_summary_of_a_conference_not_yet_open_is_never_public(scene, make):
    # Defence in depth: even a row marked published (by hand, a bad import) stays hidden.
    conference = make.conference(status=S.scheduled)
    hidden = PublicSummary(
        conference_id=conference.id,
        slug="an",
        title="Ẩn",
        body="Ẩn",
        published_at=datetime.now(UTC),
        view_count=0,
        version=1,
    )
    _db.session.add(hidden)
    _db.session.flush()
    with pytest.raises(NotFoundError):
        summaries.reading("an", viewer=None)
    assert summaries.published_summaries() == ([], False)


def test_the_news_list_is_newest_first_in_pages(make):
    organizer = make.organizer()
    start = datetime(2016, 1, 1, tzinfo=UTC)
    for n in range(5):
        conference = make.conference(organizer=organizer, status=S.concluded, title=f"Tin {n}")
        summary = summaries.save_summary(
            actor=organizer, conference=conference, data=data(title=f"Tin {n}"), version=None
        )
        summary.published_at = start + timedelta(days=n)
    _db.session.flush()
    page1, more1 = summaries.published_summaries(page=1, per_page=2)
    page3, more3 = summaries.published_summaries(page=3, per_page=2)
    assert [s.title for s, _tz in page1] == ["Tin 4", "Tin 3"] and more1
    assert [s.title for s, _tz in page3] == ["Tin 0"] and not more3
    others, _ = summaries.published_summaries(per_page=10, exclude_id=page1[0][0].id)
    assert "Tin 4" not in [s.title for s, _tz in others]


def test_a_view_is_counted_in_the_database_itself(scene, db):
    summary = save(scene)
    summaries.publish_summary(actor=scene.organizer, conference=scene.conference)
    _db.session.commit()
    updated_at = summary.updated_at
    with count_queries(db.engine) as statements:
        assert summaries.count_view(summary.id) == 1
    assert len(statements) == 1
    assert "view_count + " in statements[0] and statements[0].lstrip().upper().startswith("UPDATE")
    # A reader holding a stale copy does not lose another reader's view.
    assert summaries.count_view(summary.id) == 2
    _db.session.commit()
    _db.session.expire_all()
    fresh = _db.session.get(PublicSummary, summary.id)
    assert fresh.view_count == 2
    assert fresh.updated_at == updated_at  # reading does not change the article
    assert fresh.version == 1


# --- the lead photo ----------------------------------------------------------------------


def test_a_photo_is_reencoded_without_its_metadata_in_two_sizes(scene, uploads):
    original = jpeg()
    assert b"SecretCam" in original and b"internal note" in original
    summary = save(scene, photo_filename="Toàn cảnh.jpg", photo_stream=io.BytesIO(original))
    _db.session.commit()
    key = summary.photo_storage_key
    assert len(key) == 48 and "Toàn" not in key
    assert summary.photo_content_type == "image/jpeg"
    assert stored_files(uploads) == sorted([key, key + ".sm"])
    full = (uploads / key).read_bytes()
    small = (uploads / (key + ".sm")).read_bytes()
    for content, longest in ((full, 1600), (small, 640)):
        with Image.open(io.BytesIO(content)) as image:
            assert image.format == "JPEG"
            assert max(image.size) == longest
            assert not image.getexif()  # no camera, no GPS position
        assert b"SecretCam" not in content and b"internal note" not in content
        assert b"Exif" not in content
    assert len(small) < len(full) < len(original)
    assert summaries.photo_path(summary) == uploads / key
    assert summaries.photo_path(summary, small=True) == uploads / (key + ".sm")


def test_a_phone_photo_taken_sideways_is_turned_upright(scene, uploads):
    image = Image.new("RGB", (400, 300), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    summary = save(scene, photo_filename="phone.jpg", photo_stream=io.BytesIO(out.getvalue()))
    with Image.open(uploads / summary.photo_storage_key) as stored:
        assert stored.size == (300, 400)


def test_a_transparent_png_stays_a_png(scene, uploads):
    summary = save(scene, photo_filename="logo.png", photo_stream=io.BytesIO(png(alpha=True)))
    assert summary.photo_content_type == "image/png"
    with Image.open(uploads / summary.photo_storage_key) as stored:
        assert stored.format == "PNG" and stored.mode == "RGBA"


def test_the_content_decides_not_the_name(scene, uploads):
    # A real JPEG with a .png name is a JPEG photo.
    summary = save(scene, photo_filename="anh.png", photo_stream=io.BytesIO(jpeg(exif_gps=False)))
    assert summary.photo_content_type == "image/jpeg"


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    return out.getvalue()


def _huge_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")  # 48 megapixels, a few KB
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("anh.jpg", b"<html>not a photo</html>", "is not a PNG or JPEG photo"),
        ("anh.gif", _gif(), "is not a PNG or JPEG photo"),
        ("anh.pdf", b"%PDF-1.7\n%%EOF", "is not a PNG or JPEG photo"),
        ("anh.jpg", jpeg(exif_gps=False)[:400], "is damaged"),
        ("anh.png", png()[:60], "is damaged"),
        ("anh.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 200, "is damaged"),
        ("anh.jpg", b"", "is empty"),
        ("anh.png", _huge_png(), "too many pixels"),
    ],
)
def test_a_bad_photo_is_refused_and_nothing_stored(scene, uploads, name, content, message):
    with pytest.raises(ValidationError) as caught:
        save(scene, photo_filename=name, photo_stream=io.BytesIO(content))
    assert list(caught.value.field_errors) == ["photo"]
    assert message in str(caught.value.message)
    _db.session.rollback()
    assert summary_count() == 0
    assert stored_files(uploads) == []


def test_a_photo_over_the_size_limit_is_refused(scene, uploads, monkeypatch):
    monkeypatch.setattr(summaries, "MAX_PHOTO_BYTES", 10_000)
    with pytest.raises(ValidationError) as caught:
        save(scene, photo_filename="anh.jpg", photo_stream=io.BytesIO(jpeg()))
    assert "too large" in str(caught.value.message)
    _db.session.rollback()
    assert summary_count() == 0 and stored_files(uploads) == []


def test_replacing_or_removing_the_photo_removes_the_old_files_once_committed(scene, uploads):
    from meetings.db import unit_of_work

    with unit_of_work():
        first = save(scene, photo_filename="a.jpg", photo_stream=io.BytesIO(jpeg()))
        old = first.photo_storage_key
    with unit_of_work():
        second = save(scene, version=1, photo_filename="b.png", photo_stream=io.BytesIO(png()))
        new = second.photo_storage_key
        assert (uploads / old).exists()  # not before the commit
    assert stored_files(uploads) == sorted([new, new + ".sm"])
    # A refused save leaves no photo behind.
    with pytest.raises(ConflictError), unit_of_work():
        summaries.save_summary(
            actor=scene.organizer,
            conference=scene.conference,
            data=data(),
            version=99,
            photo_filename="c.jpg",
            photo_stream=io.BytesIO(jpeg()),
        )
    assert stored_files(uploads) == sorted([new, new + ".sm"])
    with unit_of_work():
        third = save(scene, version=2, remove_photo=True)
        assert third.photo_storage_key is None and third.photo_content_type is None
    assert stored_files(uploads) == []
    with pytest.raises(NotFoundError):
        summaries.photo_path(third)
