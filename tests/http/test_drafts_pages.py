"""Draft pages through the test client: who sees what, the forms, uploads, the diff."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from meetings.drafts import services
from meetings.drafts.models import Draft, DraftVersion
from meetings.extensions import db as _db
from tests.unit.test_drafts_services import (
    TEXT_V1,
    circulate,
    docx_upload,
    draft_scene,
    new_draft,
)


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def ds(db, make):
    ds = draft_scene(db, make)
    draft = new_draft(ds)
    circulate(draft.latest, ds.reader_unit)
    services.save_version(
        actor=ds.drafter,
        draft=draft,
        conference=ds.conference,
        text_value=TEXT_V1.replace("12 thủ tục", "15 thủ tục") + "\nĐoạn mới v2.\n",
        note="Cập nhật số liệu",
    )
    _db.session.commit()
    ds.draft_id = draft.id
    return ds


def who(ds, name):
    return {
        "organizer": ds.scene.organizer,
        "drafter": ds.drafter,
        "reader": ds.reader,
        "delegate": ds.scene.delegate,
        "outsider": ds.scene.outsider,
    }[name]


PAGES = [
    ("index", lambda ds: f"/conferences/{ds.conference.id}/drafts"),
    ("show", lambda ds: f"/drafts/{ds.draft_id}"),
    ("v1", lambda ds: f"/drafts/{ds.draft_id}?version=1"),
    ("v2", lambda ds: f"/drafts/{ds.draft_id}?version=2"),
    ("diff", lambda ds: f"/drafts/{ds.draft_id}/diff?from=1&to=2"),
    ("new_version", lambda ds: f"/drafts/{ds.draft_id}/versions/new"),
    ("new_draft", lambda ds: f"/conferences/{ds.conference.id}/drafts/new"),
]
# organizer, drafter (TCCB), reader (v1 circulated to DP3), delegate (invited, not circulated),
# outsider (not invited)
EXPECTED = {
    "index": (200, 200, 200, 200, 404),
    "show": (200, 200, 200, 404, 404),
    "v1": (200, 200, 200, 404, 404),
    "v2": (200, 200, 404, 404, 404),
    "diff": (200, 200, 404, 404, 404),
    "new_version": (200, 200, 404, 404, 404),
    "new_draft": (200, 200, 200, 200, 404),
}
PEOPLE = ("organizer", "drafter", "reader", "delegate", "outsider")


@pytest.mark.parametrize(("page", "url"), PAGES)
@pytest.mark.parametrize("person", PEOPLE)
def test_permission_table(client, login_as, ds, page, url, person):
    login_as(who(ds, person))
    response = client.get(url(ds))
    assert response.status_code == EXPECTED[page][PEOPLE.index(person)], response.status_code


@pytest.mark.parametrize(("page", "url"), PAGES)
def test_anonymous_is_sent_to_login(client, ds, page, url):
    response = client.get(url(ds))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_draft_page_shows_numbered_paragraphs_with_anchors(client, login_as, ds):
    login_as(ds.reader)
    html = client.get(f"/drafts/{ds.draft_id}").get_data(as_text=True)
    version = _db.session.scalars(select(DraftVersion).where(DraftVersion.number == 1)).one()
    for paragraph in version.paragraphs:
        assert f'id="{paragraph.anchor}"' in html
    assert "12 thủ tục" in html
    assert "Đoạn mới v2" not in html  # v2 was not circulated to the reader's unit
    assert "New version" not in html


def test_draft_page_marks_the_version_read(client, login_as, ds):
    from meetings.drafts.models import Recipient

    login_as(ds.reader)
    client.get(f"/drafts/{ds.draft_id}")
    _db.session.expire_all()
    assert _db.session.scalars(select(Recipient)).one().first_read_at is not None


def test_diff_page_shows_insertions_and_deletions(client, login_as, ds):
    login_as(ds.drafter)
    html = client.get(f"/drafts/{ds.draft_id}/diff?from=1&to=2").get_data(as_text=True)
    assert '<del class="diff-del">12</del>' in html
    assert '<ins class="diff-ins">15</ins>' in html
    assert 'data-status="added"' in html and "Đoạn mới v2." in html


def test_new_draft_form_stores_a_draft(client, login_as, ds):
    login_as(ds.drafter)
    response = client.post(
        f"/conferences/{ds.conference.id}/drafts/new",
        data={
            "title": "Báo cáo QCDC",
            "drafting_unit_id": ds.drafting_unit.id,
            "text": "# QCDC\n\nNội dung.",
        },
    )
    assert response.status_code == 302
    draft = _db.session.scalars(select(Draft).where(Draft.title == "Báo cáo QCDC")).one()
    assert response.headers["Location"].endswith(f"/drafts/{draft.id}")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "text": "Nội dung"}, "This field is required."),
        ({"title": "X", "drafting_unit_id": "999999", "text": "Nội dung"}, "Choose the host unit"),
        ({"title": "X", "text": "  "}, "Write the text of the draft"),
    ],
)
def test_new_draft_bad_input(client, login_as, ds, data, message):
    login_as(ds.scene.organizer)
    data = {"drafting_unit_id": ds.drafting_unit.id, **data}
    response = client.post(f"/conferences/{ds.conference.id}/drafts/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(Draft.id))) == 1


def _post_version(client, ds, **data):
    return client.post(
        f"/drafts/{ds.draft_id}/versions/new",
        data={"text": "", "note": "", **data},
        content_type="multipart/form-data",
    )


def test_new_version_from_a_docx_keeps_the_original(client, login_as, ds, uploads):
    login_as(ds.drafter)
    upload = docx_upload("Báo cáo v3.docx")
    response = _post_version(client, ds, file=(upload.stream, upload.filename), note="Từ Word")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("version=3")
    original = client.get(f"/drafts/{ds.draft_id}/versions/3/original")
    assert original.status_code == 200
    assert original.data[:2] == b"PK"
    assert (
        "Báo cáo v3.docx" in original.headers["Content-Disposition"]
        or "filename*" in (original.headers["Content-Disposition"])
    )
    assert client.get(f"/drafts/{ds.draft_id}/versions/1/original").status_code == 404


def _broken():
    good = docx_upload().stream.getvalue()
    return io.BytesIO(good[:300])


@pytest.mark.parametrize(
    ("make_file", "name", "message"),
    [
        (lambda: io.BytesIO("chỉ là văn bản".encode()), "bao-cao.docx", "not a real Word"),
        (_broken, "hong.docx", "not a real Word"),
        (lambda: io.BytesIO(b"%PDF-1.4 ..."), "bao-cao.pdf", "not a real PDF"),
        (lambda: io.BytesIO(b"MZ\x90\x00"), "bao-cao.exe", "neither a Word"),
        (lambda: docx_upload().stream, "lon.docx", "too large"),
    ],
)
def test_bad_uploads_store_nothing(
    client, login_as, ds, uploads, app, monkeypatch, make_file, name, message
):
    if message == "too large":
        monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1000)
    login_as(ds.drafter)
    response = _post_version(client, ds, file=(make_file(), name))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(DraftVersion.id))) == 2
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_new_version_form_is_prefilled_with_the_latest_text(client, login_as, ds):
    login_as(ds.scene.organizer)
    html = client.get(f"/drafts/{ds.draft_id}/versions/new").get_data(as_text=True)
    assert "# Báo cáo sơ kết công tác cải cách hành chính" in html
    assert "15 thủ tục" in html


def test_conference_page_links_to_drafts(client, login_as, ds):
    login_as(ds.scene.organizer)
    html = client.get(f"/conferences/{ds.conference.id}").get_data(as_text=True)
    assert f"/conferences/{ds.conference.id}/drafts" in html


def test_a_unit_that_let_the_deadline_pass_is_told_so_on_the_draft(db, make, client, login_as):
    from datetime import UTC, datetime, timedelta

    conference = make.conference()
    office = make.unit()
    make.participant(conference, unit=office)
    draft = make.draft(conference, make.unit())
    circulation = make.circulation(draft.latest, [office])
    circulation.deadline = datetime.now(UTC) - timedelta(days=1)
    reader = make.user(unit=office)
    db.session.commit()
    login_as(reader)
    page = client.get(f"/drafts/{draft.id}").get_data(as_text=True)
    assert 'data-testid="unit-no-answer"' in page
    assert "did not answer before the deadline" in page
