"""JSON API of circulation: send, dashboard, answer, inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetings.drafts import circulation as svc
from meetings.drafts.models import Circulation, Recipient
from tests.http.test_api import bearer
from tests.unit.test_circulation import build_draft


@pytest.fixture
def ctx(make, db):
    ctx = build_draft(make)
    db.session.commit()
    return ctx


def soon(days=3) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_circulate_then_dashboard(client, ctx, db):
    headers = bearer(ctx["drafter"])
    units = [ctx["units"][0].id, ctx["units"][1].id]

    response = client.post(
        f"/api/v1/drafts/{ctx['draft'].id}/circulations",
        json={"unit_ids": units, "deadline": soon(), "allow_late": True, "message": "Góp ý"},
        headers=headers,
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["version"] == 1 and body["total"] == 2 and body["allow_late"] is True
    assert [r["unit_code"] for r in body["recipients"]] == ["VP1", "VP2"]
    board = client.get(f"/api/v1/drafts/{ctx['draft'].id}/circulations", headers=headers).get_json()
    assert board[0]["id"] == body["id"] and board[0]["answered"] == 0
    assert board[0]["recipients"][0]["answer"] == "pending"


def test_a_naive_deadline_is_read_in_the_conference_zone(client, ctx, db):
    local = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0, second=0)
    naive = local.astimezone(ctx["conference"].tz).replace(tzinfo=None).isoformat()

    response = client.post(
        f"/api/v1/drafts/{ctx['draft'].id}/circulations",
        json={"unit_ids": [ctx["units"][0].id], "deadline": naive},
        headers=bearer(ctx["organizer"]),
    )

    assert response.status_code == 201
    assert datetime.fromisoformat(response.get_json()["deadline"]) == local


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"unit_ids": [], "deadline": "FUTURE"}, "unit_ids"),
        ({"unit_ids": [999999], "deadline": "FUTURE"}, "unit_ids"),
        ({"unit_ids": ["DRAFTING"], "deadline": "FUTURE"}, "unit_ids"),
        ({"unit_ids": ["UNIT"], "deadline": "PAST"}, "deadline"),
        ({"unit_ids": ["UNIT"], "deadline": "soon"}, "deadline"),
        ({"unit_ids": ["UNIT"]}, "deadline"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(client, ctx, db, payload, field):
    subst = {
        "FUTURE": soon(),
        "PAST": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "DRAFTING": ctx["draft"].drafting_unit_id,
        "UNIT": ctx["units"][0].id,
    }
    payload = {
        k: ([subst.get(x, x) for x in v] if isinstance(v, list) else subst.get(v, v))
        for k, v in payload.items()
    }

    response = client.post(
        f"/api/v1/drafts/{ctx['draft'].id}/circulations",
        json=payload,
        headers=bearer(ctx["drafter"]),
    )

    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Circulation)) == 0


@pytest.mark.parametrize(("who", "status"), [("recipient", 403), ("outsider", 404)])
def test_only_managers_circulate(client, ctx, db, who, status):
    person = ctx["members"][0 if who == "recipient" else 2]
    svc.circulate(
        actor=ctx["drafter"],
        draft=ctx["draft"],
        conference=ctx["conference"],
        version=ctx["version"],
        unit_ids=[ctx["units"][0].id],
        deadline=datetime.now(UTC) + timedelta(days=1),
    )
    db.session.commit()

    response = client.post(
        f"/api/v1/drafts/{ctx['draft'].id}/circulations",
        json={"unit_ids": [ctx["units"][1].id], "deadline": soon()},
        headers=bearer(person),
    )

    assert response.status_code == status
    assert db.session.scalar(select(func.count()).select_from(Circulation)) == 1


def test_answer_and_inbox(client, ctx, db):
    circulation = svc.circulate(
        actor=ctx["drafter"],
        draft=ctx["draft"],
        conference=ctx["conference"],
        version=ctx["version"],
        unit_ids=[ctx["units"][0].id, ctx["units"][1].id],
        deadline=datetime.now(UTC) + timedelta(days=1),
    )
    db.session.commit()
    member = bearer(ctx["members"][0])

    inbox = client.get("/api/v1/inbox", headers=member).get_json()
    assert [(i["circulation_id"], i["state"], i["can_answer"]) for i in inbox] == [
        (circulation.id, "new", True)
    ]

    url = f"/api/v1/circulations/{circulation.id}/answer"
    first = client.post(url, json={"answer": "agree"}, headers=member)
    again = client.post(url, json={"answer": "comments"}, headers=member)
    bad = client.post(url, json={"answer": "maybe"}, headers=bearer(ctx["members"][1]))
    outsider = client.post(url, json={"answer": "agree"}, headers=bearer(ctx["members"][2]))
    drafter = client.post(url, json={"answer": "agree"}, headers=bearer(ctx["drafter"]))

    assert first.status_code == 200 and first.get_json()["answer"] == "agree"
    assert again.status_code == 409 and "already submitted" in again.get_json()["message"]
    assert bad.status_code == 422 and "answer" in bad.get_json()["errors"]
    assert (outsider.status_code, drafter.status_code) == (404, 403)
    assert client.get("/api/v1/inbox", headers=member).get_json()[0]["state"] == "answered"
    # a recipient's dashboard lists its own row only
    rows = client.get(f"/api/v1/drafts/{ctx['draft'].id}/circulations", headers=member).get_json()
    assert [r["unit_code"] for r in rows[0]["recipients"]] == ["VP1"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Recipient.submitted_at.is_not(None))) == 1


def test_a_late_answer_is_refused_unless_allowed(client, ctx, db):
    strict = svc.circulate(
        actor=ctx["drafter"],
        draft=ctx["draft"],
        conference=ctx["conference"],
        version=ctx["version"],
        unit_ids=[ctx["units"][0].id],
        deadline=datetime.now(UTC) + timedelta(days=1),
    )
    lenient = svc.circulate(
        actor=ctx["drafter"],
        draft=ctx["draft"],
        conference=ctx["conference"],
        version=ctx["version"],
        unit_ids=[ctx["units"][1].id],
        deadline=datetime.now(UTC) + timedelta(days=1),
        allow_late=True,
    )
    strict.deadline = lenient.deadline = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()

    refused = client.post(
        f"/api/v1/circulations/{strict.id}/answer",
        json={"answer": "agree"},
        headers=bearer(ctx["members"][0]),
    )
    late = client.post(
        f"/api/v1/circulations/{lenient.id}/answer",
        json={"answer": "agree"},
        headers=bearer(ctx["members"][1]),
    )

    assert refused.status_code == 409 and refused.get_json()["code"] == "invalid_state"
    assert late.status_code == 200 and late.get_json()["late"] is True


def test_anonymous_callers_get_401(client, ctx):
    assert client.get("/api/v1/inbox").status_code == 401
    assert client.post("/api/v1/circulations/1/answer", json={"answer": "agree"}).status_code == 401
