"""Concluding directives recorded at the live meeting, called directly on the services:
recording, numbering, editing, confirming, deleting; who may; bad input; the live event
and snapshot; concluding the conference waits for the drafts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry
from meetings.conferences import services as conferences
from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import unit_of_work
from meetings.directives import services
from meetings.directives.models import Directive, DirectiveState
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db, socketio
from meetings.live import services as live
from meetings.live import state
from meetings.live.models import LiveEvent
from meetings.live.services import Viewer
from tests.socket.conftest import add_items, build_room


@pytest.fixture
def emitted(monkeypatch):
    sent = []
    monkeypatch.setattr(
        socketio,
        "emit",
        lambda name, data, to=None, namespace=None, **kw: sent.append((name, data, to)),
    )
    return sent


@pytest.fixture
def room(make, emitted):
    room = build_room(make)
    with unit_of_work():
        room.lead = make.unit(code="VP", name_vi="Văn phòng Ủy ban")
        room.helper = make.unit(code="TTTT", name_vi="Trung tâm Thông tin")
        room.inactive = make.unit(code="OLD", name_vi="Đơn vị đã giải thể", active=False)
    return room


def day_after(room, days: int = 30) -> date:
    return room.conference.local_ends_at.date() + timedelta(days=days)


def data(room, **changes) -> dict:
    return {
        "text": "Tiếp tục triển khai kế hoạch cải cách hành chính năm 2016.",
        "lead_unit_id": room.lead.id,
        "cooperating_unit_ids": [room.helper.id],
        "deadline": day_after(room),
        **changes,
    }


def record(room, who: str = "secretary", **changes) -> Directive:
    with unit_of_work():
        directive = services.record_directive(
            actor=room.user(who), conference=room.conference, data=data(room, **changes)
        )
    return directive


def directive_events(room) -> list[LiveEvent]:
    return list(
        db.session.scalars(
            select(LiveEvent)
            .where(LiveEvent.conference_id == room.id, LiveEvent.type == "directives")
            .order_by(LiveEvent.seq)
        )
    )


def count_directives() -> int:
    return db.session.scalar(select(func.count()).select_from(Directive))


# --- recording --------------------------------------------------------------------------------


def test_the_secretary_records_a_draft_that_the_room_receives(room, emitted):
    with unit_of_work():
        live.control_item(
            viewer=Viewer(user=room.chair),
            conference=room.conference,
            item_id=room.items[2].id,
            action="start",
        )
    emitted.clear()

    directive = record(room)

    assert (directive.number, directive.state) == (1, DirectiveState.draft)
    assert directive.agenda_item_id == room.items[2].id  # the item under discussion
    assert [u.code for u in directive.cooperating_units] == ["TTTT"]
    assert directive.created_by_id == room.secretary.id
    sent = [data for name, data, to in emitted if name == "event" and data["type"] == "directives"]
    assert len(sent) == 1 and emitted[-1][2] == f"conference:{room.id}"
    [shown] = sent[0]["data"]["directives"]
    assert shown == {
        "id": directive.id,
        "number": 1,
        "text": "Tiếp tục triển khai kế hoạch cải cách hành chính năm 2016.",
        "lead_unit": {"id": room.lead.id, "code": "VP", "name": "Văn phòng Ủy ban"},
        "cooperating_units": [
            {"id": room.helper.id, "code": "TTTT", "name": "Trung tâm Thông tin"}
        ],
        "deadline": day_after(room).isoformat(),
        "agenda_item_id": room.items[2].id,
        "state": "draft",
        "status": "open",
        "version": 1,
        "created_at": shown["created_at"],
        "confirmed_at": None,
    }
    assert db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "directive.record")
    )


def test_directives_are_numbered_in_order_and_keep_an_item_given(room):
    first = record(room)
    second = record(room, "chair", agenda_item_id=room.items[0].id, cooperating_unit_ids=[])

    assert (first.number, second.number) == (1, 2)
    assert second.agenda_item_id == room.items[0].id
    assert second.cooperating_units == []
    assert [d.number for d in services.list_for_conference(room.conference)] == [1, 2]


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("chair", True),
        ("secretary", True),
        ("organizer", False),
        ("delegate", False),
        ("outsider", False),
    ],
)
def test_only_the_chair_and_the_secretary_record(room, emitted, who, allowed):
    if allowed:
        assert record(room, who).number == 1
        return
    emitted.clear()
    with pytest.raises(PermissionDeniedError):
        record(room, who)
    assert count_directives() == 0
    assert emitted == []


def test_an_administrator_who_is_not_chair_or_secretary_may_not_record(room, make):
    with unit_of_work():
        admin = make.admin()
    with pytest.raises(PermissionDeniedError), unit_of_work():
        services.record_directive(actor=admin, conference=room.conference, data=data(room))
    assert count_directives() == 0


def test_a_site_or_nobody_may_not_record(room):
    with pytest.raises(PermissionDeniedError), unit_of_work():
        services.record_directive(actor=None, conference=room.conference, data=data(room))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": ""}, "text", "This field is required."),
        ({"text": "   "}, "text", "This field is required."),
        ({"text": "x" * 5001}, "text", "At most 5000 characters"),
        ({"text": "Nội dung\x00"}, "text", "control characters"),
        ({"lead_unit_id": 999_999}, "lead_unit_id", "Choose an existing, active unit to lead."),
        ({"lead_unit_id": None}, "lead_unit_id", "Choose an existing, active unit to lead."),
        ({"lead_unit_id": "1"}, "lead_unit_id", "Choose an existing, active unit to lead."),
        ({"lead_unit_id": "inactive"}, "lead_unit_id", "Choose an existing, active unit to lead."),
        ({"deadline": None}, "deadline", "Enter a deadline."),
        ({"deadline": "2030-01-01"}, "deadline", "Enter the deadline as a date."),
        ({"deadline": "same day"}, "deadline", "must be after the day of the conference"),
        ({"deadline": "day before"}, "deadline", "must be after the day of the conference"),
        ({"deadline": "far"}, "deadline", "more than ten years away"),
        ({"cooperating_unit_ids": "lead"}, "cooperating_unit_ids", "cannot also be"),
        ({"cooperating_unit_ids": "twice"}, "cooperating_unit_ids", "only once"),
        ({"cooperating_unit_ids": [999_999]}, "cooperating_unit_ids", "existing, active units"),
        ({"cooperating_unit_ids": "inactive"}, "cooperating_unit_ids", "existing, active units"),
        ({"cooperating_unit_ids": "abc"}, "cooperating_unit_ids", "Choose the cooperating"),
        ({"agenda_item_id": "other"}, "agenda_item_id", "this conference's agenda"),
        ({"agenda_item_id": 999_999}, "agenda_item_id", "this conference's agenda"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(
    room, make, emitted, changes, field, message
):
    with unit_of_work():
        other_item = make.conference().id
    day = room.conference.local_ends_at.date()
    stand_ins = {
        ("lead_unit_id", "inactive"): room.inactive.id,
        ("deadline", "same day"): day,
        ("deadline", "day before"): day - timedelta(days=1),
        ("deadline", "far"): day + timedelta(days=366 * 11),
        ("cooperating_unit_ids", "lead"): [room.helper.id, room.lead.id],
        ("cooperating_unit_ids", "twice"): [room.helper.id, room.helper.id],
        ("cooperating_unit_ids", "inactive"): [room.inactive.id],
        ("agenda_item_id", "other"): _item_of(other_item),
    }
    changes = {
        name: stand_ins.get((name, value), value) if isinstance(value, str) else value
        for name, value in changes.items()
    }
    emitted.clear()
    before = room.conference.live_seq

    with pytest.raises(ValidationError) as refused:
        record(room, **changes)

    assert message in str(refused.value.field_errors[field][0])
    assert count_directives() == 0
    assert emitted == []
    db.session.rollback()
    assert db.session.get(Conference, room.id).live_seq == before


def test_every_wrong_field_is_reported_at_once(room):
    with pytest.raises(ValidationError) as refused:
        record(room, text="", lead_unit_id=None, deadline=None)
    assert set(refused.value.field_errors) == {"text", "lead_unit_id", "deadline"}
    assert str(refused.value.message) == "Some fields are not valid."
    assert count_directives() == 0


def _item_of(conference_id: int) -> int:
    with unit_of_work():
        return add_items(db.session.get(Conference, conference_id), 1)[0].id


def test_the_deadline_is_compared_with_the_conference_day_in_its_time_zone(make):
    # 20 September 2016, 21:00 to 23:00 UTC is 21 September, 04:00 to 06:00 in Hà Nội.
    with unit_of_work():
        chair = make.user()
        conference = make.conference(
            chair=chair,
            status=ConferenceStatus.live,
            starts_at=datetime(2016, 9, 20, 21, 0, tzinfo=UTC),
            ends_at=datetime(2016, 9, 20, 23, 0, tzinfo=UTC),
        )
        lead = make.unit()
    base = {"text": "Kiểm tra", "lead_unit_id": lead.id}
    with pytest.raises(ValidationError) as refused, unit_of_work():
        services.record_directive(
            actor=chair, conference=conference, data={**base, "deadline": date(2016, 9, 21)}
        )
    assert "(Sep 21, 2016)" in str(refused.value.message)
    with unit_of_work():
        directive = services.record_directive(
            actor=chair, conference=conference, data={**base, "deadline": date(2016, 9, 22)}
        )
    assert directive.deadline == date(2016, 9, 22)


@pytest.mark.parametrize("status", [ConferenceStatus.scheduled, ConferenceStatus.concluded])
def test_directives_are_recorded_only_while_the_conference_is_live(make, emitted, status):
    room = build_room(make)
    with unit_of_work():
        room.conference.status = status  # as if it had never opened, or had closed
        room.lead = make.unit()
        room.helper = make.unit()
    with pytest.raises(InvalidStateError) as refused:
        record(room, "chair")
    expected = "open the conference" if status == ConferenceStatus.scheduled else "concluded"
    assert expected in str(refused.value.message)
    assert count_directives() == 0


# --- editing, confirming, deleting --------------------------------------------------------------


def update(room, directive, who="secretary", version=None, **changes):
    with unit_of_work():
        return services.update_directive(
            actor=room.user(who),
            conference=room.conference,
            directive=directive,
            data=changes,
            version=directive.version if version is None else version,
        )


def confirm(room, directive, who="chair", version=None):
    with unit_of_work():
        return services.confirm_directive(
            actor=room.user(who), conference=room.conference, directive=directive, version=version
        )


def delete(room, directive, who="secretary", version=None):
    with unit_of_work():
        services.delete_directive(
            actor=room.user(who), conference=room.conference, directive=directive, version=version
        )


def test_the_secretary_edits_a_draft_and_the_room_gets_the_new_text(room):
    directive = record(room)
    update(room, directive, text="Đẩy mạnh ứng dụng công nghệ thông tin.", cooperating_unit_ids=[])

    assert directive.version == 2
    assert directive.text == "Đẩy mạnh ứng dụng công nghệ thông tin."
    assert directive.cooperating_units == []
    latest = directive_events(room)[-1].payload["directives"][0]
    assert (latest["text"], latest["version"]) == ("Đẩy mạnh ứng dụng công nghệ thông tin.", 2)


def test_a_stale_edit_is_refused_and_changes_nothing(room):
    directive = record(room)
    update(room, directive, text="Bản thứ hai.")
    with pytest.raises(ConflictError) as refused:
        update(room, directive, "chair", version=1, text="Bản cũ hơn.")
    assert refused.value.code == "conflict"
    db.session.expire_all()
    assert db.session.get(Directive, directive.id).text == "Bản thứ hai."


def test_an_edit_without_a_version_is_refused(room):
    directive = record(room)
    with pytest.raises(ValidationError), unit_of_work():
        services.update_directive(
            actor=room.secretary,
            conference=room.conference,
            directive=directive,
            data={"text": "Khác"},
            version=None,
        )


def test_the_lead_unit_cannot_become_one_of_the_cooperating_units(room):
    directive = record(room)
    with pytest.raises(ValidationError) as refused:
        update(room, directive, lead_unit_id=room.helper.id)
    assert "lead_unit_id" in refused.value.field_errors
    # Both at once is fine: the helper leads, the former lead cooperates.
    update(room, directive, lead_unit_id=room.helper.id, cooperating_unit_ids=[room.lead.id])
    assert directive.lead_unit.code == "TTTT"
    assert [u.code for u in directive.cooperating_units] == ["VP"]


def test_the_chair_confirms_and_may_still_edit_but_the_secretary_may_not(room):
    directive = record(room)
    with pytest.raises(PermissionDeniedError):
        confirm(room, directive, "secretary")
    with pytest.raises(PermissionDeniedError):
        confirm(room, directive, "organizer")

    confirm(room, directive)
    assert directive.state == DirectiveState.confirmed
    assert directive.confirmed_by_id == room.chair.id and directive.confirmed_at is not None
    assert directive_events(room)[-1].payload["directives"][0]["state"] == "confirmed"
    with pytest.raises(InvalidStateError):
        confirm(room, directive)

    with pytest.raises(PermissionDeniedError):
        update(room, directive, "secretary", text="Sửa sau khi xác nhận.")
    update(room, directive, "chair", text="Chủ trì sửa lại.")
    assert (directive.text, directive.state) == ("Chủ trì sửa lại.", DirectiveState.confirmed)


def test_confirming_a_version_that_changed_is_refused(room):
    directive = record(room)
    update(room, directive, text="Đã sửa.")
    with pytest.raises(ConflictError):
        confirm(room, directive, version=1)
    assert db.session.get(Directive, directive.id).state == DirectiveState.draft


def test_deleting_a_draft_renumbers_the_ones_after_it(room):
    first, second, third = (record(room, text=f"Kết luận {n}") for n in (1, 2, 3))
    confirm(room, third)

    delete(room, first, version=first.version)

    db.session.expire_all()
    rows = [(d.number, d.text) for d in services.list_for_conference(room.conference)]
    assert rows == [(1, "Kết luận 2"), (2, "Kết luận 3")]
    assert [d["number"] for d in directive_events(room)[-1].payload["directives"]] == [1, 2]
    # A new one goes after the last.
    assert record(room, text="Kết luận 4").number == 3


def test_a_confirmed_directive_cannot_be_deleted(room):
    directive = record(room)
    confirm(room, directive)
    with pytest.raises(InvalidStateError):
        delete(room, directive, "chair")
    assert count_directives() == 1


def test_others_may_not_edit_or_delete(room):
    directive = record(room)
    for who in ("delegate", "organizer", "outsider"):
        with pytest.raises(PermissionDeniedError):
            update(room, directive, who, text="Không được.")
        with pytest.raises(PermissionDeniedError):
            delete(room, directive, who)
    assert db.session.get(Directive, directive.id).text.startswith("Tiếp tục")


def test_a_directive_of_another_conference_is_not_found(room, make):
    directive = record(room)
    with unit_of_work():
        other = make.conference(chair=room.chair, status=ConferenceStatus.live)
    with pytest.raises(NotFoundError):
        services.directive_in(other, directive.id)
    with pytest.raises(NotFoundError):
        services.directive_in(room.conference, "1")


# --- concluding ------------------------------------------------------------------------------


def test_the_conference_cannot_be_concluded_while_a_draft_remains(room):
    directive = record(room)
    with pytest.raises(InvalidStateError) as refused, unit_of_work():
        live.close_conference(viewer=Viewer(user=room.chair), conference=room.conference)
    assert str(refused.value.message) == "Confirm or delete the draft directives first."
    assert db.session.get(Conference, room.id).status == ConferenceStatus.live

    confirm(room, directive)
    with unit_of_work():
        conferences.change_status(
            actor=room.chair, conference=room.conference, to=ConferenceStatus.concluded
        )
    assert room.conference.status == ConferenceStatus.concluded

    # Frozen for the record.
    with pytest.raises(InvalidStateError):
        update(room, directive, "chair", text="Sau khi kết thúc.")
    with pytest.raises(InvalidStateError):
        record(room, "chair")


def test_a_conference_without_directives_concludes(room):
    with unit_of_work():
        conferences.change_status(
            actor=room.chair, conference=room.conference, to=ConferenceStatus.concluded
        )
    assert room.conference.status == ConferenceStatus.concluded


# --- the live room ----------------------------------------------------------------------------


def test_the_snapshot_carries_the_directives_and_what_the_viewer_may_do(room):
    directive = record(room)

    chair = state.snapshot(room.conference, Viewer(user=room.chair))["directives"]
    secretary = state.snapshot(room.conference, Viewer(user=room.secretary))["directives"]
    delegate = state.snapshot(room.conference, Viewer(user=room.delegate))["directives"]
    site = state.snapshot(room.conference, Viewer(site=room.site))["directives"]

    assert [d["id"] for d in chair["directives"]] == [directive.id]
    assert site["directives"] == chair["directives"]
    assert (chair["me"]["can_record"], chair["me"]["can_confirm"]) == (True, True)
    assert (secretary["me"]["can_record"], secretary["me"]["can_confirm"]) == (True, False)
    assert (delegate["me"]["can_record"], delegate["me"]["can_confirm"]) == (False, False)
    assert (site["me"]["can_record"], site["me"]["units"]) == (False, [])
    units = chair["me"]["units"]
    # The conference's units first, then the others; inactive units are not offered.
    flags = [u["invited"] for u in units]
    assert flags == sorted(flags, reverse=True) and flags[0] is True
    assert "OLD" not in {u["code"] for u in units}
    assert {"VP", "TTTT"} <= {u["code"] for u in units if not u["invited"]}
    assert (
        chair["me"]["min_deadline"]
        == (room.conference.local_ends_at.date() + timedelta(days=1)).isoformat()
    )


def test_the_directives_state_takes_a_bounded_number_of_queries(room, query_counter):
    def queries() -> int:
        with query_counter() as statements:
            services.directives_state(room.conference)
        return len(statements)

    record(room)
    few = queries()
    for n in range(12):
        record(room, text=f"Kết luận {n}", cooperating_unit_ids=[room.helper.id])
    assert (
        queries() == few <= 4
    )  # the conference (expired by the commit), the directives, their units


def test_deleting_the_agenda_item_a_directive_came_from_keeps_the_directive(room):
    from meetings.agenda import services as agenda

    directive = record(room, agenda_item_id=room.items[3].id)
    item = db.session.get(type(room.items[3]), room.items[3].id)

    with unit_of_work():
        agenda.delete_item(
            actor=room.organizer, conference=room.conference, item=item, version=item.version
        )

    db.session.expire_all()
    kept = db.session.get(Directive, directive.id)
    assert kept is not None and kept.agenda_item_id is None


def test_deleting_an_agenda_item_keeps_the_drafts_and_the_floor_given_under_it(room, make):
    from meetings.agenda import services as agenda
    from meetings.drafts.models import Draft
    from meetings.live.models import FloorRequest

    item = room.items[3]
    with unit_of_work():
        draft = make.draft(room.conference, make.unit(), agenda_item_id=item.id)
        request = FloorRequest(conference_id=room.conference.id, agenda_item_id=item.id)
        db.session.add(request)
    item = db.session.get(type(item), item.id)
    with unit_of_work():
        agenda.delete_item(
            actor=room.organizer, conference=room.conference, item=item, version=item.version
        )
    db.session.expire_all()
    assert db.session.get(Draft, draft.id).agenda_item_id is None
    assert db.session.get(FloorRequest, request.id).agenda_item_id is None
