"""JSON API of the follow-up: progress reports, the review of a proposed completion, the
dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetings.directives.models import Directive, DirectiveStatus, ProgressReport
from tests.followup_scene import build, today
from tests.http.test_api import bearer


@pytest.fixture
def scene(make, db):
    built = build(make)
    db.session.commit()
    return built


def reports_url(scene) -> str:
    return f"/api/v1/directives/{scene.directive.id}/reports"


def test_report_propose_and_accept(client, db, scene):
    officer = bearer(scene.officer)
    response = client.post(
        reports_url(scene),
        json={"body": "Đã ban hành kế hoạch.", "proposes_completion": True},
        headers=officer,
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["review"] == "pending" and body["directive_status"] == "in_progress"
    assert body["unit_name"] == "Personnel Department" and body["attachments"] == []

    listed = client.get(reports_url(scene), headers=bearer(scene.coop_member)).get_json()
    assert [r["id"] for r in listed] == [body["id"]]

    refused = client.post(f"/api/v1/reports/{body['id']}/accept", json={}, headers=officer)
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"

    accepted = client.post(
        f"/api/v1/reports/{body['id']}/accept",
        json={"note": "Đạt."},
        headers=bearer(scene.organizer),
    )
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["review"] == "accepted"
    assert accepted.get_json()["directive_status"] == "done"

    again = client.post(reports_url(scene), json={"body": "Thêm."}, headers=officer)
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_state"


def test_send_back_needs_a_note(client, db, scene):
    posted = client.post(
        reports_url(scene),
        json={"body": "Xong.", "proposes_completion": True},
        headers=bearer(scene.officer),
    ).get_json()
    organizer = bearer(scene.organizer)

    missing = client.post(f"/api/v1/reports/{posted['id']}/send-back", json={}, headers=organizer)
    assert missing.status_code == 422
    assert "note" in missing.get_json()["errors"]

    sent = client.post(
        f"/api/v1/reports/{posted['id']}/send-back",
        json={"note": "Thiếu số liệu."},
        headers=organizer,
    )
    assert sent.status_code == 200
    assert sent.get_json()["review"] == "sent_back"
    assert sent.get_json()["directive_status"] == "in_progress"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": "x" * 10001}, "body"),
        ({"body": "Xong.", "proposes_completion": "maybe"}, "proposes_completion"),
        ({"body": "Xong.", "status": "done"}, "status"),
    ],
)
def test_bad_reports_are_refused_and_nothing_stored(client, db, scene, payload, field):
    response = client.post(reports_url(scene), json=payload, headers=bearer(scene.officer))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count(ProgressReport.id))) == 0


@pytest.mark.parametrize(("who", "status"), [("coop_member", 403), ("outsider", 404)])
def test_only_the_lead_unit_reports(client, db, scene, who, status):
    response = client.post(
        reports_url(scene), json={"body": "Xong."}, headers=bearer(getattr(scene, who))
    )
    assert response.status_code == status
    assert db.session.scalar(select(func.count(ProgressReport.id))) == 0


def test_anonymous_callers_are_refused(client, scene):
    assert client.get(reports_url(scene)).status_code == 401
    assert client.get("/api/v1/followup").status_code == 401


def test_the_dashboard_as_json(client, make, db, scene):
    late = make.directive(scene.conference, make.unit(code="VP3"), deadline=today() - timedelta(1))
    db.session.commit()
    headers = bearer(scene.organizer)

    body = client.get("/api/v1/followup", headers=headers).get_json()

    assert body["counts"]["total"] == 2 and body["counts"]["overdue"] == 1
    assert [d["id"] for d in body["directives"]] == [late.id, scene.directive.id]
    assert body["directives"][0]["category"] == "overdue"
    assert body["directives"][1]["cooperating_unit_ids"] == [scene.coop_unit.id]
    assert {u["code"] for u in body["units"]} == {"VP3", scene.lead_unit.code}
    assert body["page"] == 1 and body["pages"] == 1

    overdue = client.get("/api/v1/followup?status=overdue", headers=headers).get_json()
    assert [d["id"] for d in overdue["directives"]] == [late.id]
    by_unit = client.get(
        f"/api/v1/followup?unit_id={scene.lead_unit.id}&deadline_from={today().isoformat()}",
        headers=headers,
    ).get_json()
    assert [d["id"] for d in by_unit["directives"]] == [scene.directive.id]


@pytest.mark.parametrize(
    "query",
    [
        "status=late",
        "unit_id=999999",
        "deadline_from=31-12-2016",
        "page=0",
        "deadline_from=2017-01-01&deadline_to=2016-01-01",
    ],
)
def test_bad_dashboard_filters(client, db, scene, query):
    response = client.get(f"/api/v1/followup?{query}", headers=bearer(scene.organizer))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == "invalid"


def test_an_outsider_sees_an_empty_dashboard(client, db, scene):
    body = client.get("/api/v1/followup", headers=bearer(scene.outsider)).get_json()
    assert body["counts"]["total"] == 0 and body["directives"] == []


def test_reports_of_a_directive_nobody_shares(client, db, scene):
    assert client.get(reports_url(scene), headers=bearer(scene.outsider)).status_code == 404
    assert (
        client.post(
            "/api/v1/reports/999999/accept", json={}, headers=bearer(scene.organizer)
        ).status_code
        == 404
    )
    assert db.session.get(Directive, scene.directive.id).status == DirectiveStatus.open
