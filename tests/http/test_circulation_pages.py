"""Circulation pages: the circulate form, the dashboard, answering, the inbox and its badge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetings.drafts import circulation as svc
from meetings.drafts.models import Answer, Circulation, Recipient
from tests.unit.test_circulation import build_draft


@pytest.fixture
def ctx(make, db):
    ctx = build_draft(make)
    db.session.commit()
    return ctx


def future_local(days: int = 3) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def circulate_now(ctx, db, unit_index=(0, 1), deadline=None, allow_late=False):
    circulation = svc.circulate(
        actor=ctx["drafter"],
        draft=ctx["draft"],
        conference=ctx["conference"],
        version=ctx["version"],
        unit_ids=[ctx["units"][i].id for i in unit_index],
        deadline=deadline or datetime.now(UTC) + timedelta(days=3),
        allow_late=allow_late,
        now=datetime.now(UTC) - timedelta(days=10),
    )
    db.session.commit()
    return circulation


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- permission table -------------------------------------------------------------

PAGES = [
    ("get", "/drafts/{d}/circulate"),
    ("get", "/drafts/{d}/circulation"),
    ("get", "/inbox"),
]
EXPECTED = {
    # who:           circulate form, dashboard, inbox
    "organizer": (200, 200, 200),
    "drafter": (200, 200, 200),
    "recipient": (403, 200, 200),
    "outsider": (404, 404, 200),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_permission_table(client, ctx, db, login_as, make, who):
    circulate_now(ctx, db)
    people = {
        "organizer": ctx["organizer"],
        "drafter": ctx["drafter"],
        "recipient": ctx["members"][0],
        "outsider": ctx["members"][2],
    }
    login_as(people[who])

    for (method, url), expected in zip(PAGES, EXPECTED[who], strict=True):
        response = getattr(client, method)(url.format(d=ctx["draft"].id))
        assert response.status_code == expected, (who, url)


def test_anonymous_visitors_are_sent_to_log_in(client, ctx):
    for _method, url in PAGES:
        response = client.get(url.format(d=ctx["draft"].id))
        assert response.status_code == 302 and "/login" in response.location


def test_only_recipient_members_may_post_an_answer(client, ctx, db, login_as):
    circulation = circulate_now(ctx, db)
    url = f"/drafts/{ctx['draft'].id}/circulation/{circulation.id}/answer"
    for person, expected in ((ctx["drafter"], 403), (ctx["members"][2], 404)):
        login_as(person)
        assert client.post(url, data={"answer": "agree"}).status_code == expected
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Recipient.submitted_at.is_not(None))) == 0


# --- circulating ------------------------------------------------------------------


def test_the_form_groups_invited_units_first(client, ctx, login_as):
    login_as(ctx["drafter"])

    html = client.get(f"/drafts/{ctx['draft'].id}/circulate").get_data(as_text=True)

    assert html.index("Units invited to the conference") < html.index("VP1") < html.index("VP2")
    assert html.index("Other units") < html.index("VP3")
    assert f'value="{ctx["draft"].drafting_unit_id}"' not in html
    assert "Asia/Ho_Chi_Minh" in html


def test_circulating_from_the_form(client, ctx, db, login_as):
    login_as(ctx["drafter"])
    deadline = future_local()

    response = client.post(
        f"/drafts/{ctx['draft'].id}/circulate",
        data={
            "unit_ids": [str(ctx["units"][0].id), str(ctx["units"][2].id)],
            "deadline": deadline,
            "allow_late": "1",
            "message": "Xin ý kiến trước hạn.",
        },
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Version 1 was sent to 2 units." in html
    assert "0/2" in html
    circulation = db.session.scalar(select(Circulation))
    assert circulation.allow_late and circulation.message == "Xin ý kiến trước hạn."
    local = circulation.deadline.astimezone(ctx["conference"].tz).strftime("%Y-%m-%dT%H:%M")
    assert local == deadline


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("past", "The deadline must be in the future."),
        ("garbled", "Enter the deadline as a date and time."),
        ("no units", "Choose at least one unit"),
        ("unknown unit", "One of the chosen units does not exist."),
        ("drafting unit", "cannot be a recipient"),
    ],
)
def test_bad_input_is_explained_and_nothing_stored(client, ctx, db, login_as, case, message):
    login_as(ctx["organizer"])
    data = {"unit_ids": [str(ctx["units"][0].id)], "deadline": future_local()}
    if case == "past":
        data["deadline"] = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    elif case == "garbled":
        data["deadline"] = "next friday"
    elif case == "no units":
        data["unit_ids"] = []
    elif case == "unknown unit":
        data["unit_ids"] = ["999999"]
    elif case == "drafting unit":
        data["unit_ids"] = [str(ctx["draft"].drafting_unit_id)]

    response = client.post(f"/drafts/{ctx['draft'].id}/circulate", data=data)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was sent." in html and message in html
    assert count(db, Circulation) == 0 and count(db, Recipient) == 0


# --- answering, dashboard, inbox ------------------------------------------------------


def test_a_recipient_answers_from_the_inbox(client, ctx, db, login_as):
    circulation = circulate_now(ctx, db)
    login_as(ctx["members"][0])

    inbox = client.get("/inbox").get_data(as_text=True)
    assert ctx["draft"].title in inbox and 'data-state="new"' in inbox
    assert 'data-testid="inbox-badge"' in inbox

    response = client.post(
        f"/drafts/{ctx['draft'].id}/circulation/{circulation.id}/answer",
        data={"answer": "comments", "next": "inbox"},
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert (
        "Your unit&#39;s answer was submitted." in html
        or "Your unit's answer was submitted." in html
    )
    assert 'data-state="answered"' in html and "With comments" in html
    assert 'data-testid="inbox-badge"' not in html
    db.session.expire_all()
    recipient = db.session.scalar(select(Recipient).where(Recipient.unit_id == ctx["units"][0].id))
    assert recipient.answer == Answer.comments


def test_a_second_answer_is_refused_with_a_message(client, ctx, db, login_as):
    circulation = circulate_now(ctx, db)
    login_as(ctx["members"][0])
    url = f"/drafts/{ctx['draft'].id}/circulation/{circulation.id}/answer"
    client.post(url, data={"answer": "agree"})

    response = client.post(
        url, data={"answer": "comments"}, headers={"Referer": "/inbox"}, follow_redirects=True
    )

    assert "already submitted" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (
        db.session.scalar(select(Recipient.answer).where(Recipient.unit_id == ctx["units"][0].id))
        == Answer.agree
    )


def test_the_dashboard_counts_and_marks_overdue(client, ctx, db, login_as):
    circulation = circulate_now(ctx, db, unit_index=(0, 1, 2), allow_late=True)
    svc.answer(actor=ctx["members"][0], circulation=circulation, answer="agree")
    svc.mark_read(actor=ctx["members"][1], version=ctx["version"])
    circulation.deadline = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    login_as(ctx["drafter"])

    html = client.get(f"/drafts/{ctx['draft'].id}/circulation").get_data(as_text=True)

    assert 'data-testid="answered-count">1/3' in html
    assert 'data-testid="overdue-count">2' in html
    assert html.count("bi-alarm") == 2 and "Agree, no comments" in html
    assert "Not opened" in html


def test_a_recipient_sees_only_its_own_row_with_the_answer_form(client, ctx, db, login_as):
    circulate_now(ctx, db)
    login_as(ctx["members"][1])

    html = client.get(f"/drafts/{ctx['draft'].id}/circulation").get_data(as_text=True)

    assert 'data-unit="VP2"' in html and 'data-unit="VP1"' not in html
    assert "Submit with comments" in html and "answered-count" not in html


def test_the_inbox_shows_a_reminder_banner_for_due_items(client, ctx, db, login_as):
    circulate_now(ctx, db, deadline=datetime.now(UTC) + timedelta(hours=20))
    login_as(ctx["members"][0])

    html = client.get("/inbox").get_data(as_text=True)

    assert 'data-testid="reminder-banner"' in html


def test_the_inbox_badge_costs_one_query(client, ctx, db, login_as, query_counter):
    circulate_now(ctx, db)
    login_as(ctx["members"][0])
    client.get("/conferences")
    with query_counter() as with_badge:
        client.get("/conferences")
    login_as(ctx["members"][2])
    client.get("/conferences")
    with query_counter() as without:
        html = client.get("/conferences").get_data(as_text=True)

    assert 'data-testid="inbox-badge"' not in html
    assert len([s for s in with_badge if "circulation_recipients" in s]) == 1
    assert len(with_badge) - len(without) <= 1
