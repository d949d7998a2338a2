"""Draft services: who may create and write, immutable numbered versions, anchors, orphans."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import docx
import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry, Unit, User
from meetings.conferences.models import Conference
from meetings.drafts import services
from meetings.drafts.models import (
    Circulation,
    Comment,
    Draft,
    DraftVersion,
    Paragraph,
    Recipient,
)
from meetings.errors import NotFoundError, PermissionDeniedError, ValidationError
from meetings.extensions import db as _db
from tests.http.test_conferences import Scene, build_scene

TEXT_V1 = """# Báo cáo sơ kết công tác cải cách hành chính

Trong 6 tháng đầu năm 2016, Ủy ban Dân tộc đã ban hành kế hoạch cải cách hành chính.

- Rà soát 12 thủ tục hành chính.
- Cập nhật cơ sở dữ liệu quốc gia.

## Hạn chế

Một số đơn vị chưa gửi báo cáo đúng hạn.
"""


@dataclass
class DraftScene:
    scene: Scene
    conference: Conference
    drafting_unit: Unit
    drafter: User  # a member of the drafting unit (TCCB)
    reader_unit: Unit
    reader: User  # a member of a unit invited to the conference (DP3)


def draft_scene(db, make) -> DraftScene:
    scene = build_scene(db, make)
    conference = _db.session.get(Conference, scene.conference)
    remote = next(p.unit for p in conference.participants if p.id == scene.remote_p)
    reader = make.user(unit=remote, full_name="Đặng Văn Ba")
    return DraftScene(
        scene, conference, _db.session.get(Unit, scene.unit), scene.unit_member, remote, reader
    )


def new_draft(ds: DraftScene, actor=None, text=TEXT_V1, **data) -> Draft:
    return services.create_draft(
        actor=actor or ds.scene.organizer,
        conference=ds.conference,
        data={
            "title": "Báo cáo CCHC",
            "drafting_unit_id": ds.drafting_unit.id,
            "text": text,
            **data,
        },
    )


def circulate(version: DraftVersion, unit: Unit) -> None:
    """A circulation row written directly (the circulation services are tested elsewhere)."""
    circulation = Circulation(version_id=version.id, deadline=datetime.now(UTC) + timedelta(days=5))
    circulation.recipients.append(Recipient(unit_id=unit.id))
    version.circulations.append(circulation)
    _db.session.flush()


def docx_upload(name="du-thao.docx", paragraphs=("Đoạn văn từ Word.",)) -> services.Upload:
    document = docx.Document()
    document.add_heading("Báo cáo QCDC", level=1)
    for p in paragraphs:
        document.add_paragraph(p)
    out = io.BytesIO()
    document.save(out)
    out.seek(0)
    return services.Upload(name, out)


@pytest.fixture
def ds(db, make):
    return draft_scene(db, make)


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def test_organizer_creates_a_draft_with_numbered_paragraphs(ds):
    draft = new_draft(ds)
    version = draft.latest
    assert version.number == 1
    assert [(p.position, p.kind.value, p.level) for p in version.paragraphs] == [
        (1, "heading", 1),
        (2, "text", 0),
        (3, "list_item", 0),
        (4, "list_item", 0),
        (5, "heading", 2),
        (6, "text", 0),
    ]
    assert len({p.anchor for p in version.paragraphs}) == 6
    actions = _db.session.scalars(select(AuditEntry.action)).all()
    assert "draft.create" in actions


def test_drafting_unit_member_creates_only_for_own_unit(ds):
    draft = new_draft(ds, actor=ds.drafter)
    assert draft.drafting_unit_id == ds.drafting_unit.id
    with pytest.raises(ValidationError) as error:
        new_draft(ds, actor=ds.drafter, drafting_unit_id=ds.reader_unit.id)
    assert "drafting_unit_id" in error.value.field_errors


@pytest.mark.parametrize("who", ["outsider", "chair_of_other"])
def test_people_outside_the_conference_cannot_create(ds, make, who):
    actor = ds.scene.outsider if who == "outsider" else make.user()
    with pytest.raises(PermissionDeniedError):
        new_draft(ds, actor=actor)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "  "}, "title"),
        ({"drafting_unit_id": 999999}, "drafting_unit_id"),
        ({"text": "\n\n"}, "text"),
    ],
)
def test_bad_input_stores_nothing(ds, data, field):
    with pytest.raises(ValidationError) as error:
        new_draft(ds, **data)
    assert field in error.value.field_errors
    _db.session.rollback()
    assert _db.session.scalar(select(func.count(Draft.id))) == 0


def test_unit_not_invited_cannot_own_a_draft(ds, make):
    stranger = make.unit(code="XX")
    with pytest.raises(ValidationError):
        new_draft(ds, drafting_unit_id=stranger.id)


def test_versions_carry_anchors_and_are_immutable(ds):
    draft = new_draft(ds)
    v1 = draft.latest
    anchors = [p.anchor for p in v1.paragraphs]
    edited = TEXT_V1.replace("kế hoạch cải cách", "kế hoạch cải cách hành chính năm 2016 và")
    edited = edited.replace("- Cập nhật cơ sở dữ liệu quốc gia.\n", "")
    edited += "\nĐoạn mới về phương hướng.\n"
    v2 = services.save_version(
        actor=ds.drafter,
        draft=draft,
        conference=ds.conference,
        text_value=edited,
        note="Sửa theo góp ý",
    )
    assert v2.number == 2 and v2.note == "Sửa theo góp ý"
    new_anchors = [p.anchor for p in v2.paragraphs]
    assert new_anchors[:3] == anchors[:3]  # heading, the edited paragraph, first list item
    assert anchors[3] not in new_anchors
    assert new_anchors[-1] not in anchors
    # v1 is untouched, and cannot be changed
    assert [p.text for p in v1.paragraphs][1].endswith("kế hoạch cải cách hành chính.")
    v1.paragraphs[0].text = "đổi"
    with pytest.raises(services.ImmutableVersionError):
        _db.session.flush()
    _db.session.rollback()


def test_only_drafters_and_organizers_write_versions(ds):
    draft = new_draft(ds)
    circulate(draft.latest, ds.reader_unit)
    for actor in (ds.reader, ds.scene.delegate, ds.scene.outsider):
        with pytest.raises(PermissionDeniedError):
            services.save_version(
                actor=actor, draft=draft, conference=ds.conference, text_value="Khác"
            )


def test_unchanged_text_makes_no_version(ds):
    draft = new_draft(ds)
    with pytest.raises(ValidationError):
        services.save_version(
            actor=ds.drafter, draft=draft, conference=ds.conference, text_value=TEXT_V1
        )


def test_comments_on_deleted_paragraphs_are_orphaned(ds):
    draft = new_draft(ds)
    v1 = draft.latest
    kept, removed = v1.paragraphs[1], v1.paragraphs[5]
    for paragraph in (kept, removed):
        _db.session.add(
            Comment(
                draft_id=draft.id,
                version_id=v1.id,
                anchor=paragraph.anchor,
                body="Đề nghị bổ sung.",
                author_id=ds.reader.id,
                unit_id=ds.reader_unit.id,
            )
        )
    _db.session.flush()
    v2 = services.save_version(
        actor=ds.drafter,
        draft=draft,
        conference=ds.conference,
        text_value=TEXT_V1.replace("Một số đơn vị chưa gửi báo cáo đúng hạn.\n", ""),
    )
    comments = {c.anchor: c for c in _db.session.scalars(select(Comment))}
    assert comments[kept.anchor].orphaned_in_id is None
    assert comments[removed.anchor].orphaned_in_id == v2.id
    # a third version keeps the first orphaning
    v3 = services.save_version(
        actor=ds.drafter, draft=draft, conference=ds.conference, text_value="# Chỉ còn tiêu đề"
    )
    _db.session.expire_all()
    comments = {c.anchor: c for c in _db.session.scalars(select(Comment))}
    assert comments[removed.anchor].orphaned_in_id == v2.id
    assert comments[kept.anchor].orphaned_in_id == v3.id


def test_versions_not_circulated_are_hidden(ds):
    draft = new_draft(ds)
    services.save_version(
        actor=ds.drafter, draft=draft, conference=ds.conference, text_value=TEXT_V1 + "\nThêm.\n"
    )
    with pytest.raises(NotFoundError):
        services.get_draft(draft.id, actor=ds.reader)
    circulate(draft.versions[0], ds.reader_unit)
    found, conference = services.get_draft(draft.id, actor=ds.reader)
    assert services.get_version(found, conference, None, actor=ds.reader).number == 1
    with pytest.raises(NotFoundError):
        services.get_version(found, conference, 2, actor=ds.reader)
    assert services.get_version(found, conference, None, actor=ds.drafter).number == 2
    assert [d.id for d in services.list_drafts(actor=ds.reader, conference=conference)] == [
        draft.id
    ]
    assert services.list_drafts(actor=ds.scene.delegate, conference=conference) == []


def test_docx_upload_is_kept_with_a_random_key(ds, uploads):
    draft = new_draft(ds)
    version = services.save_version(
        actor=ds.drafter, draft=draft, conference=ds.conference, upload=docx_upload()
    )
    assert version.source.value == "docx"
    assert version.original_filename == "du-thao.docx"
    assert [p.text for p in version.paragraphs] == ["Báo cáo QCDC", "Đoạn văn từ Word."]
    assert (uploads / version.original_storage_key).is_file()
    assert version.original_storage_key not in ("du-thao.docx",)
    assert services.original_path(version).read_bytes()[:2] == b"PK"


def _broken_docx() -> services.Upload:
    good = docx_upload().stream.getvalue()
    return services.Upload("hong.docx", io.BytesIO(good[: len(good) // 2]))


def _zip_without_document() -> services.Upload:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "không phải Word")
    out.seek(0)
    return services.Upload("gia.docx", out)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: services.Upload("bao-cao.docx", io.BytesIO("Văn bản thường".encode())),
            "not a real Word",
        ),
        (_broken_docx, "not a real Word"),
        (_zip_without_document, "not a real Word"),
        (lambda: services.Upload("bao-cao.pdf", io.BytesIO(b"%PDF-1.4")), "not a real PDF"),
        (lambda: services.Upload("bao-cao.pdf", docx_upload().stream), "not a real PDF"),
        (lambda: services.Upload("bao-cao.txt", io.BytesIO(b"van ban")), "neither a Word"),
        (lambda: services.Upload("bao-cao.pdf", io.BytesIO(REAL_PDF)), "write or paste the text"),
    ],
)
def test_bad_uploads_store_nothing(ds, uploads, upload, message):
    with pytest.raises(ValidationError) as error:
        services.create_draft(
            actor=ds.scene.organizer,
            conference=ds.conference,
            data={"title": "X", "drafting_unit_id": ds.drafting_unit.id, "text": ""},
            upload=upload(),
        )
    assert message in str(error.value.message)
    _db.session.rollback()
    assert _db.session.scalar(select(func.count(DraftVersion.id))) == 0
    assert not uploads.exists() or list(uploads.iterdir()) == []


REAL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_pdf_is_kept_as_the_original_beside_the_written_text(ds, uploads):
    draft = services.create_draft(
        actor=ds.scene.organizer,
        conference=ds.conference,
        data={"title": "Báo cáo", "drafting_unit_id": ds.drafting_unit.id, "text": TEXT_V1},
        upload=services.Upload("Báo cáo ký số.pdf", io.BytesIO(REAL_PDF)),
    )
    version = draft.latest
    assert version.original_filename == "Báo cáo ký số.pdf"
    assert services.original_mimetype(version) == "application/pdf"
    assert services.original_path(version).read_bytes() == REAL_PDF
    assert version.paragraphs[0].text == "Báo cáo sơ kết công tác cải cách hành chính"


def test_over_limit_upload_is_refused(ds, app, uploads, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(ValidationError) as error:
        services.create_draft(
            actor=ds.scene.organizer,
            conference=ds.conference,
            data={"title": "X", "drafting_unit_id": ds.drafting_unit.id},
            upload=docx_upload(),
        )
    assert "too large" in str(error.value.message)
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_rolled_back_upload_leaves_no_file(ds, uploads):
    draft = new_draft(ds)
    _db.session.commit()
    services.save_version(
        actor=ds.drafter, draft=draft, conference=ds.conference, upload=docx_upload()
    )
    assert len(list(uploads.iterdir())) == 1
    _db.session.rollback()
    assert list(uploads.iterdir()) == []
    assert _db.session.scalar(select(func.count(Paragraph.id))) == 6
