"""The directives page of a conference through the test client: who sees what, recording,
editing, confirming and deleting with the forms; refusals; the conclusion guard; the
live room hears the form's changes; the page's query count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import unit_of_work
from meetings.directives.models import Directive, DirectiveState
from meetings.extensions import db as _db
from meetings.live.models import LiveEvent
from tests.socket.conftest import build_room


@pytest.fixture
def room(make):
    room = build_room(make)
    with unit_of_work():
        room.lead = make.unit(code="VP", name_vi="Văn phòng Ủy ban")
        room.helper = make.unit(code="TTTT", name_vi="Trung tâm Thông tin")
    return room


def page(room) -> str:
    return f"/conferences/{room.id}/directives"


def form(room, **changes) -> dict:
    data = {
        "text": "Kiểm tra việc thực hiện kế hoạch tại các đơn vị.",
        "lead_unit_id": str(room.lead.id),
        "cooperating_unit_ids": [str(room.helper.id)],
        "deadline": (room.conference.local_ends_at.date() + timedelta(days=60)).isoformat(),
        "agenda_item_id": str(room.items[3].id),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def stored() -> list[Directive]:
    _db.session.rollback()
    _db.session.expire_all()
    return list(_db.session.scalars(select(Directive).order_by(Directive.number)))


def record(room, make, n: int = 1, confirmed: bool = False) -> list[int]:
    with unit_of_work():
        return [
            make.directive(
                room.conference, room.lead, text=f"Kết luận số {i}", confirmed=confirmed
            ).id
            for i in range(1, n + 1)
        ]


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "forms", "confirm"),
    [
        ("anonymous", 302, False, False),
        ("outsider", 404, False, False),
        ("delegate", 200, False, False),
        ("organizer", 200, False, False),
        ("secretary", 200, True, False),
        ("chair", 200, True, True),
    ],
)
def test_who_sees_the_page_and_its_forms(room, make, client, login_as, who, status, forms, confirm):
    record(room, make)
    if who != "anonymous":
        login_as(room.user(who))

    response = client.get(page(room))

    assert response.status_code == status
    if status != 200:
        return
    html = response.get_data(as_text=True)
    assert "Kết luận số 1" in html and "Draft directive" in html
    assert ('data-testid="record-form"' in html) is forms
    assert ('data-testid="edit-form"' in html) is forms
    assert ('data-testid="confirm"' in html) is confirm


def test_the_page_says_when_directives_are_recorded_and_when_they_are_frozen(
    room, make, client, login_as
):
    login_as(room.chair)
    with unit_of_work():
        _db.session.get(Conference, room.id).status = ConferenceStatus.scheduled
    html = client.get(page(room)).get_data(as_text=True)
    assert 'data-testid="not-live"' in html and 'data-testid="record-form"' not in html

    record(room, make, confirmed=True)
    with unit_of_work():
        _db.session.get(Conference, room.id).status = ConferenceStatus.concluded
    html = client.get(page(room)).get_data(as_text=True)
    assert 'data-testid="frozen"' in html and 'data-testid="edit-form"' not in html
    assert "Kết luận số 1" in html and 'data-testid="status"' in html


# --- recording -----------------------------------------------------------------------------------


def test_the_secretary_records_a_directive_with_the_form(room, client, login_as):
    login_as(room.secretary)
    seq = room.conference.live_seq

    response = client.post(page(room), data=form(room))

    assert response.status_code == 302
    [directive] = stored()
    assert response.location.endswith(f"{page(room)}#directive-{directive.id}")
    assert (directive.number, directive.state) == (1, DirectiveState.draft)
    assert directive.agenda_item_id == room.items[3].id
    assert [u.code for u in directive.cooperating_units] == ["TTTT"]
    # The form's change reaches the live room like one made there.
    event = _db.session.scalar(
        select(LiveEvent).where(LiveEvent.conference_id == room.id, LiveEvent.seq > seq)
    )
    assert event.type == "directives" and event.payload["directives"][0]["id"] == directive.id
    html = client.get(response.location).get_data(as_text=True)
    assert "Directive 1 was recorded as a draft." in html
    assert "Văn phòng Ủy ban" in html and "Trung tâm Thông tin" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": ""}, "This field is required."),
        ({"lead_unit_id": ""}, "Choose an existing, active unit to lead."),
        ({"lead_unit_id": "999999"}, "Choose an existing, active unit to lead."),
        ({"deadline": ""}, "Enter a deadline."),
        ({"deadline": "31/02/2016"}, "Enter a date."),
        ({"deadline": "day"}, "must be after the day of the conference"),
        ({"cooperating_unit_ids": ["lead"]}, "cannot also be a cooperating unit"),
        ({"agenda_item_id": "999999"}, "Choose an item of this conference"),
    ],
)
def test_bad_input_shows_the_form_again_with_a_message_and_stores_nothing(
    room, client, login_as, changes, message
):
    login_as(room.secretary)
    if changes.get("deadline") == "day":
        changes["deadline"] = room.conference.local_ends_at.date().isoformat()
    if changes.get("cooperating_unit_ids") == ["lead"]:
        changes["cooperating_unit_ids"] = [str(room.lead.id)]

    response = client.post(page(room), data=form(room, **changes))

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "The directive was not recorded." in html
    assert 'data-testid="record-form"' in html
    if changes.get("text") != "":
        assert "Kiểm tra việc thực hiện kế hoạch" in html  # what was typed is kept
    assert stored() == []


@pytest.mark.parametrize("who", ["delegate", "organizer", "outsider"])
def test_others_may_not_record(room, client, login_as, who):
    login_as(room.user(who))
    response = client.post(page(room), data=form(room))
    assert response.status_code == (404 if who == "outsider" else 403)
    assert stored() == []


def test_recording_before_the_meeting_is_refused_with_the_reason(room, client, login_as):
    with unit_of_work():
        _db.session.get(Conference, room.id).status = ConferenceStatus.scheduled
    login_as(room.chair)

    response = client.post(page(room), data=form(room), headers={"Referer": page(room)})

    assert response.status_code == 302
    html = client.get(page(room)).get_data(as_text=True)
    assert "open the conference first" in html
    assert stored() == []


# --- editing, confirming, deleting ---------------------------------------------------------------


def test_the_secretary_edits_a_draft(room, make, client, login_as):
    [directive_id] = record(room, make)
    login_as(room.secretary)

    response = client.post(
        f"/directives/{directive_id}/edit",
        data=form(room, text="Kết luận đã sửa.", cooperating_unit_ids=None, version="1"),
    )

    assert response.status_code == 302
    [directive] = stored()
    assert (directive.text, directive.version) == ("Kết luận đã sửa.", 2)
    assert directive.cooperating_units == []


def test_a_stale_edit_shows_the_conflict_and_what_was_typed(room, make, client, login_as):
    [directive_id] = record(room, make)
    login_as(room.secretary)
    client.post(
        f"/directives/{directive_id}/edit", data=form(room, text="Bản thứ hai.", version="1")
    )

    response = client.post(
        f"/directives/{directive_id}/edit", data=form(room, text="Bản của tôi.", version="1")
    )

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in html
    assert "Bản của tôi." in html and "Bản thứ hai." in html
    assert stored()[0].text == "Bản thứ hai."


def test_the_chair_confirms_and_the_secretary_may_not(room, make, client, login_as):
    [directive_id] = record(room, make)
    login_as(room.secretary)
    assert client.post(f"/directives/{directive_id}/confirm").status_code == 403
    assert stored()[0].state == DirectiveState.draft

    login_as(room.chair)
    response = client.post(f"/directives/{directive_id}/confirm", data={"version": "1"})

    assert response.status_code == 302
    assert stored()[0].state == DirectiveState.confirmed
    html = client.get(page(room)).get_data(as_text=True)
    assert "Directive 1 is confirmed." in html
    assert 'data-testid="confirm"' not in html


def test_deleting_a_draft_renumbers_the_rest(room, make, client, login_as):
    first, _second, _third = record(room, make, 3)
    login_as(room.secretary)

    response = client.post(f"/directives/{first}/delete", data={"version": "1"})

    assert response.status_code == 302
    assert [(d.number, d.text) for d in stored()] == [(1, "Kết luận số 2"), (2, "Kết luận số 3")]


def test_a_confirmed_directive_is_not_deleted(room, make, client, login_as):
    [directive_id] = record(room, make, confirmed=True)
    login_as(room.chair)
    response = client.post(f"/directives/{directive_id}/delete", headers={"Referer": page(room)})
    assert response.status_code == 302
    assert "cannot be deleted" in client.get(page(room)).get_data(as_text=True)
    assert len(stored()) == 1


def test_an_unknown_directive_is_404(room, client, login_as):
    login_as(room.chair)
    assert client.post("/directives/999999/confirm").status_code == 404


# --- concluding ------------------------------------------------------------------------------------


def test_the_status_form_refuses_to_conclude_while_drafts_remain(room, make, client, login_as):
    [directive_id] = record(room, make)
    login_as(room.chair)
    status_url = f"/conferences/{room.id}/status"

    response = client.post(status_url, data={"to": "concluded"}, headers={"Referer": page(room)})

    assert response.status_code == 302
    assert "Confirm or delete the draft directives first." in client.get(page(room)).get_data(
        as_text=True
    )
    assert _db.session.get(Conference, room.id).status == ConferenceStatus.live

    client.post(f"/directives/{directive_id}/confirm")
    client.post(status_url, data={"to": "concluded"})
    _db.session.expire_all()
    assert _db.session.get(Conference, room.id).status == ConferenceStatus.concluded


# --- the page's cost ---------------------------------------------------------------------------------


def test_the_page_takes_the_same_number_of_queries_with_more_directives(
    room, make, client, login_as, query_counter
):
    login_as(room.chair)
    record(room, make, 2)

    def queries() -> int:
        with query_counter() as statements:
            assert client.get(page(room)).status_code == 200
        return len(statements)

    few = queries()
    with unit_of_work():
        for n in range(20):
            make.directive(
                room.conference,
                room.helper,
                text=f"Thêm {n}",
                confirmed=n % 2 == 0,
                cooperating_units=[room.lead],
            )
    many = queries()
    html = client.get(page(room)).get_data(as_text=True)
    assert len(re.findall(r'data-testid="directive-\d+"', html)) == 22
    assert many == few <= 14
    assert _db.session.scalar(select(func.count()).select_from(Directive)) == 22
