"""/api/v1 notices and minutes: the same rules as the pages, JSON errors, nothing stored on
bad input."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from meetings.directives.models import MinutesRevision, Notice
from meetings.extensions import db
from tests import notices_scene
from tests.http.test_api import assert_error, bearer
from tests.notices_scene import DIRECTIVE_1, DIRECTIVE_2
from tests.unit.test_notices import require_fonts


@pytest.fixture
def api(client):
    return client


@pytest.fixture
def scene(make):
    data = notices_scene.build(make)
    db.session.commit()
    return data


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _stored(notice_id: int) -> tuple:
    db.session.expire_all()
    notice = db.session.get(Notice, notice_id)
    return (notice.status, notice.title, notice.symbol, notice.number, notice.version)


def test_the_notice_from_generation_to_correction(api, scene):
    headers = bearer(scene.organizer)
    cid = scene.conference.id

    created = api.post(f"/api/v1/conferences/{cid}/notices", json={}, headers=headers)
    assert created.status_code == 201, created.get_json()
    notice = created.get_json()
    assert notice["status"] == "draft" and notice["number"] is None and notice["reference"] is None
    assert notice["symbol"] == "TB-UBDT" and notice["version"] == 1
    assert [d["text"] for d in notice["directives"]] == [DIRECTIVE_1, DIRECTIVE_2]
    assert notice["directives"][0]["lead_unit"]["name_vi"] == "Vụ Tổ chức cán bộ"
    assert notice["directives"][0]["deadline"] == "2016-12-31"
    nid = notice["id"]

    assert_error(
        api.post(f"/api/v1/conferences/{cid}/notices", json={}, headers=headers), 409, "conflict"
    )

    patched = api.patch(
        f"/api/v1/notices/{nid}",
        json={"version": 1, "signer_name": "Nguyễn Văn An", "issued_on": "2016-09-22"},
        headers=headers,
    )
    assert patched.status_code == 200
    assert patched.get_json()["signer_name"] == "Nguyễn Văn An"
    assert patched.get_json()["version"] == 2

    before = _stored(nid)
    stale = api.patch(f"/api/v1/notices/{nid}", json={"version": 1, "title": "Cũ"}, headers=headers)
    assert_error(stale, 409, "conflict")
    bad = api.patch(
        f"/api/v1/notices/{nid}",
        json={"version": 2, "title": "", "symbol": "tb ubdt", "issued_on": "2016-01-01"},
        headers=headers,
    )
    body = assert_error(bad, 422, "invalid")
    assert set(body["errors"]) == {"title", "symbol", "issued_on"}
    unknown = api.patch(f"/api/v1/notices/{nid}", json={"version": 2, "number": 5}, headers=headers)
    assert_error(unknown, 422, "invalid")
    assert _stored(nid) == before

    issued = api.post(f"/api/v1/notices/{nid}/issue", json={"version": 2}, headers=headers)
    assert issued.status_code == 200, issued.get_json()
    data = issued.get_json()
    assert (data["status"], data["reference"], data["year"], data["issued_on"]) == (
        "issued",
        "1/TB-UBDT",
        2016,
        "2016-09-22",
    )
    assert_error(
        api.patch(f"/api/v1/notices/{nid}", json={"version": 3, "title": "X"}, headers=headers),
        409,
        "invalid_state",
    )
    assert_error(api.delete(f"/api/v1/notices/{nid}", headers=headers), 409, "invalid_state")

    correction = api.post(f"/api/v1/notices/{nid}/correct", json={}, headers=headers)
    assert correction.status_code == 201
    assert correction.get_json()["replaces_id"] == nid
    assert (
        api.get(f"/api/v1/notices/{nid}", headers=headers).get_json()["replaced_by_id"]
        == (correction.get_json()["id"])
    )
    listed = api.get(f"/api/v1/conferences/{cid}/notices", headers=headers).get_json()
    assert [n["status"] for n in listed] == ["draft", "issued"]

    removed = api.delete(f"/api/v1/notices/{correction.get_json()['id']}", headers=headers)
    assert removed.status_code == 204
    assert _count(Notice) == 1


def test_a_taken_number_is_refused_and_the_notice_stays_a_draft(api, scene, make):
    from datetime import date, timedelta

    from meetings.conferences.models import ConferenceStatus
    from meetings.directives import notices

    other = make.conference(
        organizer=scene.organizer,
        chair=scene.chair,
        host_unit=scene.office,
        starts_at=notices_scene.at(8, 0) - timedelta(days=3),
        status=ConferenceStatus.concluded,
    )
    make.directive(other, scene.personnel)
    first = notices.generate_notice(actor=scene.organizer, conference=other)
    notices.issue_notice(
        actor=scene.organizer, notice=first, conference=other, number=9, issued_on=date(2016, 9, 18)
    )
    draft = notices.generate_notice(actor=scene.organizer, conference=scene.conference)
    db.session.commit()
    headers = bearer(scene.organizer)

    refused = api.post(
        f"/api/v1/notices/{draft.id}/issue",
        json={"version": 1, "number": 9, "issued_on": "2016-09-22"},
        headers=headers,
    )

    body = assert_error(refused, 422, "invalid")
    assert "9/TB-UBDT" in body["errors"]["number"][0]
    assert _stored(draft.id)[0].value == "draft"
    ok = api.post(
        f"/api/v1/notices/{draft.id}/issue",
        json={"version": 1, "number": None, "issued_on": "2016-09-22"},
        headers=headers,
    )
    assert ok.get_json()["reference"] == "10/TB-UBDT"


@pytest.mark.parametrize(
    "who, status, code",
    [
        ("chair", 403, "forbidden"),
        ("secretary", 403, "forbidden"),
        ("delegate", 403, "forbidden"),
        ("outsider", 404, "not_found"),
        (None, 401, "unauthenticated"),
    ],
)
def test_only_the_organizers_write_notices(api, scene, who, status, code):
    headers = bearer(getattr(scene, who)) if who else {}

    assert_error(
        api.post(f"/api/v1/conferences/{scene.conference.id}/notices", json={}, headers=headers),
        status,
        code,
    )
    assert _count(Notice) == 0


@pytest.mark.parametrize(
    "who, status", [("delegate", 200), ("remote_member", 200), ("outsider", 404), (None, 401)]
)
def test_reading_notices_and_minutes(api, scene, who, status):
    from meetings.directives import minutes, notices

    notice = notices.generate_notice(actor=scene.organizer, conference=scene.conference)
    minutes.generate_minutes(actor=scene.secretary, conference=scene.conference)
    db.session.commit()
    headers = bearer(getattr(scene, who)) if who else {}
    cid = scene.conference.id

    for url in (
        f"/api/v1/notices/{notice.id}",
        f"/api/v1/notices/{notice.id}.docx",
        f"/api/v1/conferences/{cid}/notices",
        f"/api/v1/conferences/{cid}/minutes",
        f"/api/v1/conferences/{cid}/minutes/revisions",
        f"/api/v1/conferences/{cid}/minutes/revisions/1",
        f"/api/v1/conferences/{cid}/minutes.docx",
    ):
        assert api.get(url, headers=headers).status_code == status, url


def test_the_minutes_through_the_api(api, scene):
    headers = bearer(scene.secretary)
    base = f"/api/v1/conferences/{scene.conference.id}/minutes"

    assert_error(api.get(base, headers=headers), 404, "not_found")
    generated = api.post(f"{base}/generate", json={"note": "Bản đầu"}, headers=headers)
    assert generated.status_code == 201
    first = generated.get_json()
    assert (first["number"], first["generated"], first["note"]) == (1, True, "Bản đầu")
    assert first["saved_by"]["full_name"] == "Trần Minh Đức"
    assert DIRECTIVE_1 in first["body"]

    stale = api.post(f"{base}/revisions", json={"body": "Mới", "base": None}, headers=headers)
    assert_error(stale, 409, "conflict")
    missing = api.post(f"{base}/revisions", json={"body": "Mới"}, headers=headers)
    assert set(assert_error(missing, 422, "invalid")["errors"]) == {"base"}
    empty = api.post(f"{base}/revisions", json={"body": "", "base": 1}, headers=headers)
    assert set(assert_error(empty, 422, "invalid")["errors"]) == {"body"}
    assert _count(MinutesRevision) == 1

    saved = api.post(
        f"{base}/revisions", json={"body": "## Biên bản\n\nĐã sửa.", "base": 1}, headers=headers
    )
    assert saved.status_code == 201 and saved.get_json()["number"] == 2

    latest = api.get(base, headers=headers).get_json()
    assert latest["number"] == 2 and latest["body"].endswith("Đã sửa.")
    listed = api.get(f"{base}/revisions", headers=headers).get_json()
    assert [r["number"] for r in listed] == [2, 1] and "body" not in listed[0]
    assert api.get(f"{base}/revisions/1", headers=headers).get_json()["body"] == first["body"]
    assert_error(api.get(f"{base}/revisions/5", headers=headers), 404, "not_found")

    word = api.get(f"{base}.docx?revision=1", headers=headers)
    assert word.status_code == 200
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs)
    assert "BIÊN BẢN" in text and DIRECTIVE_1 in text


def test_the_chair_does_not_write_the_minutes(api, scene):
    headers = bearer(scene.chair)
    base = f"/api/v1/conferences/{scene.conference.id}/minutes"

    assert_error(api.post(f"{base}/generate", json={}, headers=headers), 403, "forbidden")
    assert_error(
        api.post(f"{base}/revisions", json={"body": "x", "base": None}, headers=headers),
        403,
        "forbidden",
    )
    assert _count(MinutesRevision) == 0


def test_pdf_downloads(api, scene):
    require_fonts()
    from meetings.directives import minutes, notices

    notice = notices.generate_notice(actor=scene.organizer, conference=scene.conference)
    minutes.generate_minutes(actor=scene.secretary, conference=scene.conference)
    db.session.commit()
    headers = bearer(scene.delegate)

    for url in (
        f"/api/v1/notices/{notice.id}.pdf",
        f"/api/v1/conferences/{scene.conference.id}/minutes.pdf",
    ):
        response = api.get(url, headers=headers)
        assert response.status_code == 200 and response.mimetype == "application/pdf", url
        assert response.data.startswith(b"%PDF")
