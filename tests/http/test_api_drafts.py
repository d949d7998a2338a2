"""/api/v1 drafts, versions and the diff: reading, writing, who sees what."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.drafts.models import DraftVersion
from tests.http import test_drafts_pages as pages
from tests.http.test_api import bearer
from tests.unit.test_drafts_services import TEXT_V1

# The same scene as the pages: v1 circulated to DP3, v2 seen by the drafters only.
ds = pages.ds
uploads = pages.uploads


def test_list_and_read_a_draft(client, ds):
    headers = bearer(ds.reader)
    drafts = client.get(f"/api/v1/conferences/{ds.conference.id}/drafts", headers=headers)
    assert drafts.status_code == 200
    [draft] = drafts.get_json()
    assert draft["latest_version"] == 1  # v2 was not circulated to the reader's unit
    assert [v["number"] for v in draft["versions"]] == [1]
    version = client.get(f"/api/v1/drafts/{ds.draft_id}/versions/1", headers=headers).get_json()
    assert version["paragraphs"][0] == {
        "position": 1,
        "anchor": version["paragraphs"][0]["anchor"],
        "kind": "heading",
        "level": 1,
        "text": "Báo cáo sơ kết công tác cải cách hành chính",
    }
    assert (
        client.get(f"/api/v1/drafts/{ds.draft_id}/versions/2", headers=headers).status_code == 404
    )


@pytest.mark.parametrize("person", ["delegate", "outsider"])
def test_people_without_a_circulated_version_get_404(client, ds, person):
    headers = bearer(ds.scene.delegate if person == "delegate" else ds.scene.outsider)
    assert client.get(f"/api/v1/drafts/{ds.draft_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/drafts/{ds.draft_id}/versions", headers=headers).status_code == 404


def test_anonymous_gets_401(client, ds):
    assert client.get(f"/api/v1/drafts/{ds.draft_id}").status_code == 401


def test_create_draft_and_save_a_version_keeping_anchors(client, ds):
    headers = bearer(ds.drafter)
    created = client.post(
        f"/api/v1/conferences/{ds.conference.id}/drafts",
        json={"title": "Báo cáo QCDC", "drafting_unit_id": ds.drafting_unit.id, "text": TEXT_V1},
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    draft_id = created.get_json()["id"]
    v1 = client.get(f"/api/v1/drafts/{draft_id}/versions/1", headers=headers).get_json()
    saved = client.post(
        f"/api/v1/drafts/{draft_id}/versions",
        json={"text": TEXT_V1.replace("12 thủ tục", "15 thủ tục"), "note": "Số liệu"},
        headers=headers,
    )
    assert saved.status_code == 201
    v2 = saved.get_json()
    assert v2["number"] == 2 and v2["note"] == "Số liệu"
    assert [p["anchor"] for p in v2["paragraphs"]] == [p["anchor"] for p in v1["paragraphs"]]
    diff = client.get(f"/api/v1/drafts/{draft_id}/diff?from=1&to=2", headers=headers).get_json()
    assert diff["summary"] == {"unchanged": 5, "changed": 1, "added": 0, "removed": 0}
    changed = next(p for p in diff["paragraphs"] if p["status"] == "changed")
    assert {"op": "insert", "text": "15"} in changed["spans"]


def test_readers_cannot_write_and_bad_input_is_refused(client, ds):
    reader = bearer(ds.reader)
    refused = client.post(
        f"/api/v1/drafts/{ds.draft_id}/versions", json={"text": "X"}, headers=reader
    )
    assert refused.status_code == 403
    drafter = bearer(ds.drafter)
    empty = client.post(
        f"/api/v1/drafts/{ds.draft_id}/versions", json={"text": " "}, headers=drafter
    )
    assert empty.status_code == 422 and "text" in empty.get_json()["errors"]
    bad_unit = client.post(
        f"/api/v1/conferences/{ds.conference.id}/drafts",
        json={"title": "X", "drafting_unit_id": 999999, "text": "Y"},
        headers=bearer(ds.scene.organizer),
    )
    assert bad_unit.status_code == 422 and "drafting_unit_id" in bad_unit.get_json()["errors"]
    from meetings.extensions import db

    assert db.session.scalar(select(func.count(DraftVersion.id))) == 2
