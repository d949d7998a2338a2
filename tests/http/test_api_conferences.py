"""JSON API: conferences (list, read, schedule, edit with versions, status changes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from meetings.conferences.models import Conference, ConferenceRole, ConferenceStatus
from meetings.extensions import db as _db
from tests.http.test_api import assert_error, bearer, stored_state


@pytest.fixture
def api(client):
    return client


NOW = datetime.now(UTC).replace(microsecond=0)


def _body(unit_id: int, **fields) -> dict:
    return {
        "title": "Sơ kết 6 tháng",
        "host_unit_id": unit_id,
        "starts_at": "2031-03-02T08:00:00+07:00",
        "ends_at": "2031-03-02T11:30:00+07:00",
        **fields,
    }


# --- listing and reading ---------------------------------------------------------------


def test_the_list_holds_only_what_the_caller_may_see(api, make):
    organizer = make.organizer()
    unit = make.unit()
    member = make.user(unit=unit)
    invited = make.conference(organizer=organizer, title="Invited personally")
    make.participant(invited, user=member)
    by_unit = make.conference(organizer=organizer, title="Invited as a unit")
    make.participant(by_unit, unit=unit)
    draft = make.conference(organizer=organizer, status=ConferenceStatus.draft, title="Draft")
    make.participant(draft, user=member)
    make.conference(organizer=organizer, title="Not invited")
    _db.session.commit()

    member_sees = api.get("/api/v1/conferences", headers=bearer(member)).get_json()
    organizer_sees = api.get("/api/v1/conferences", headers=bearer(organizer)).get_json()
    admin_sees = api.get("/api/v1/conferences", headers=bearer(make.admin())).get_json()

    assert {c["title"] for c in member_sees} == {"Invited personally", "Invited as a unit"}
    assert len(organizer_sees) == len(admin_sees) == 4


def test_the_list_filters_by_time_and_unit(api, make):
    organizer = make.organizer()
    other_unit = make.unit()
    make.conference(organizer=organizer, title="Past", starts_at=NOW - timedelta(days=30))
    soon = make.conference(organizer=organizer, title="Soon", starts_at=NOW + timedelta(days=2))
    make.conference(organizer=organizer, title="Later", starts_at=NOW + timedelta(days=40))
    make.participant(soon, unit=other_unit)
    headers = bearer(organizer)

    def titles(query):
        response = api.get(f"/api/v1/conferences{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [c["title"] for c in response.get_json()]

    assert titles("") == ["Soon", "Later"]  # upcoming by default, soonest first
    assert titles("?when=upcoming") == ["Soon", "Later"]
    assert titles("?when=past") == ["Past"]
    assert titles("?when=all") == ["Later", "Soon", "Past"]
    assert titles(f"?when=all&unit_id={other_unit.id}") == ["Soon"]
    assert titles(f"?when=all&unit_id={organizer.unit_id}") == ["Later", "Soon", "Past"]


def test_a_conference_reads_with_utc_and_local_times_and_the_callers_rights(api, make):
    organizer = make.organizer()
    chair = make.user()
    conference = make.conference(
        organizer=organizer,
        chair=chair,
        timezone="Asia/Ho_Chi_Minh",
        starts_at=datetime(2031, 3, 2, 1, 0, tzinfo=UTC),
        ends_at=datetime(2031, 3, 2, 4, 30, tzinfo=UTC),
    )
    _db.session.commit()

    body = api.get(f"/api/v1/conferences/{conference.id}", headers=bearer(chair)).get_json()

    assert body["starts_at"] == "2031-03-02T01:00:00+00:00"
    assert body["starts_at_local"] == "2031-03-02T08:00:00+07:00"
    assert body["ends_at_local"] == "2031-03-02T11:30:00+07:00"
    assert body["timezone"] == "Asia/Ho_Chi_Minh"
    assert body["status"] == "scheduled" and body["version"] == conference.version
    assert body["chair"] == {"id": chair.id, "full_name": chair.full_name}
    assert body["host_unit"]["id"] == organizer.unit_id
    # The chair opens the meeting but does not manage it.
    assert body["you"] == {
        "roles": ["chair"],
        "can_manage": False,
        "can_check_in": False,
        "next_states": ["live"],
    }


@pytest.mark.parametrize("who", ["outsider", "invitee of a draft", "missing id"])
def test_a_conference_not_shared_with_the_caller_is_404(api, make, who):
    organizer = make.organizer()
    caller = make.user()
    status = ConferenceStatus.draft if who == "invitee of a draft" else ConferenceStatus.scheduled
    conference = make.conference(organizer=organizer, status=status)
    if who == "invitee of a draft":
        make.participant(conference, user=caller)
    conference_id = conference.id + 1000 if who == "missing id" else conference.id
    _db.session.commit()

    response = api.get(f"/api/v1/conferences/{conference_id}", headers=bearer(caller))

    assert_error(response, 404, "not_found")


# --- scheduling ------------------------------------------------------------------------


def test_the_secretariat_schedules_a_conference(api, make):
    organizer = make.organizer()
    chair = make.user()
    headers = bearer(organizer)

    response = api.post(
        "/api/v1/conferences",
        headers=headers,
        json=_body(
            organizer.unit_id,
            chair_id=chair.id,
            kind="annual_review",
            venue="Hội trường A",
            period_start="2031-01-01",
            period_end="2031-06-30",
            video_bridge_url="https://meet.example.org/ubdt",
        ),
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft" and body["version"] == 1
    assert body["you"]["roles"] == ["organizer"] and body["you"]["can_manage"] is True
    conference = _db.session.get(Conference, body["id"])
    assert conference.title == "Sơ kết 6 tháng" and conference.venue == "Hội trường A"
    assert conference.starts_at == datetime(2031, 3, 2, 1, 0, tzinfo=UTC)
    assert conference.period_end.isoformat() == "2031-06-30"
    roles = {p.user_id: p.role for p in conference.participants}
    assert roles == {organizer.id: ConferenceRole.organizer, chair.id: ConferenceRole.chair}


def test_times_without_offset_are_read_in_the_conference_time_zone(api, make):
    organizer = make.organizer()
    headers = bearer(organizer)

    response = api.post(
        "/api/v1/conferences",
        headers=headers,
        json=_body(
            organizer.unit_id,
            timezone="Europe/Paris",
            starts_at="2031-07-01T09:00:00",
            ends_at="2031-07-01T12:00:00",
        ),
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["timezone"] == "Europe/Paris"
    assert body["starts_at"] == "2031-07-01T07:00:00+00:00"  # Paris is UTC+2 in July
    assert body["starts_at_local"] == "2031-07-01T09:00:00+02:00"


def test_without_a_time_zone_the_default_is_ho_chi_minh(api, make):
    organizer = make.organizer()
    headers = bearer(organizer)

    response = api.post(
        "/api/v1/conferences",
        headers=headers,
        json=_body(
            organizer.unit_id, starts_at="2031-03-02T08:00:00", ends_at="2031-03-02T11:00:00"
        ),
    )

    body = response.get_json()
    assert body["timezone"] == "Asia/Ho_Chi_Minh"
    assert body["starts_at"] == "2031-03-02T01:00:00+00:00"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"ends_at": "2031-03-02T07:00:00+07:00"}, "ends_at"),  # before the start
        ({"ends_at": "2031-03-30T07:00:00+07:00"}, "ends_at"),  # longer than 14 days
        ({"host_unit_id": 987654}, "host_unit_id"),
        ({"chair_id": 987654}, "chair_id"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"title": "   "}, "title"),
        ({"video_bridge_url": "ftp://x"}, "video_bridge_url"),
        ({"period_start": "2031-06-30", "period_end": "2031-01-01"}, "period_end"),
    ],
)
def test_rules_of_the_service_give_422_and_nothing_is_stored(api, make, fields, field):
    organizer = make.organizer()
    headers = bearer(organizer)
    before = stored_state()

    response = api.post(
        "/api/v1/conferences", headers=headers, json=_body(organizer.unit_id, **fields)
    )

    body = assert_error(response, 422, "invalid")
    assert field in body["errors"], body
    assert stored_state() == before


def test_a_member_may_not_schedule(api, make):
    member = make.user()
    headers = bearer(member)
    before = stored_state()

    response = api.post("/api/v1/conferences", headers=headers, json=_body(member.unit_id))

    assert_error(response, 403, "forbidden")
    assert stored_state() == before


# --- editing ------------------------------------------------------------------------------


def test_an_edit_changes_only_the_fields_sent_and_bumps_the_version(api, make):
    organizer = make.organizer()
    conference = make.conference(
        organizer=organizer,
        venue="Hall A",
        title="Before",
        timezone="Asia/Ho_Chi_Minh",
        starts_at=datetime(2031, 5, 4, 1, 0, tzinfo=UTC),
    )
    version, ends_at = conference.version, conference.ends_at
    headers = bearer(organizer)

    response = api.patch(
        f"/api/v1/conferences/{conference.id}",
        headers=headers,
        json={"version": version, "venue": "Hall B", "starts_at": "2031-05-04T07:30:00"},
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == version + 1
    assert body["venue"] == "Hall B" and body["title"] == "Before"
    assert body["starts_at_local"] == "2031-05-04T07:30:00+07:00"
    _db.session.expire_all()
    assert conference.venue == "Hall B" and conference.ends_at == ends_at


def test_a_stale_edit_is_409_and_changes_nothing(api, make):
    organizer = make.organizer()
    conference = make.conference(organizer=organizer, title="Current")
    conference.version = 3
    headers = bearer(organizer)
    before = stored_state()

    response = api.patch(
        f"/api/v1/conferences/{conference.id}",
        headers=headers,
        json={"version": 2, "title": "Overwritten"},
    )

    body = assert_error(response, 409, "conflict")
    assert "Someone else" in body["message"]
    assert stored_state() == before


def test_an_edit_without_version_is_422(api, make):
    organizer = make.organizer()
    conference = make.conference(organizer=organizer)
    headers = bearer(organizer)
    before = stored_state()

    response = api.patch(
        f"/api/v1/conferences/{conference.id}", headers=headers, json={"title": "No version"}
    )

    body = assert_error(response, 422, "invalid")
    assert list(body["errors"]) == ["version"]
    assert stored_state() == before


def test_a_concluded_conference_can_no_longer_be_edited(api, make):
    organizer = make.organizer()
    conference = make.conference(organizer=organizer, status=ConferenceStatus.concluded)
    headers = bearer(organizer)

    response = api.patch(
        f"/api/v1/conferences/{conference.id}",
        headers=headers,
        json={"version": conference.version, "title": "Late"},
    )

    assert_error(response, 409, "invalid_state")


def test_an_invitee_may_read_but_not_edit(api, make):
    organizer = make.organizer()
    delegate = make.user()
    conference = make.conference(organizer=organizer)
    make.participant(conference, user=delegate)
    headers = bearer(delegate)
    before = stored_state()

    response = api.patch(
        f"/api/v1/conferences/{conference.id}",
        headers=headers,
        json={"version": conference.version, "title": "Mine now"},
    )

    assert_error(response, 403, "forbidden")
    assert stored_state() == before


# --- status -------------------------------------------------------------------------------


def test_the_lifecycle_runs_through_the_status_endpoint(api, make):
    organizer = make.organizer()
    chair = make.user()
    conference = make.conference(organizer=organizer, chair=chair, status=ConferenceStatus.draft)
    url = f"/api/v1/conferences/{conference.id}/status"
    organizer_headers, chair_headers = bearer(organizer), bearer(chair)

    scheduled = api.post(url, headers=organizer_headers, json={"to": "scheduled"})
    assert scheduled.status_code == 200, scheduled.get_json()
    assert scheduled.get_json()["status"] == "scheduled"
    live = api.post(url, headers=chair_headers, json={"to": "live"})
    assert live.get_json()["status"] == "live"
    assert live.get_json()["you"]["next_states"] == ["concluded"]
    concluded = api.post(url, headers=chair_headers, json={"to": "concluded"})
    assert concluded.get_json()["status"] == "concluded"

    _db.session.expire_all()
    assert _db.session.scalar(select(Conference.status)) == ConferenceStatus.concluded


def test_a_move_the_state_does_not_allow_is_409(api, make):
    organizer = make.organizer()
    conference = make.conference(organizer=organizer, status=ConferenceStatus.draft)
    url = f"/api/v1/conferences/{conference.id}/status"
    headers = bearer(organizer)
    before = stored_state()

    skipping = api.post(url, headers=headers, json={"to": "concluded"})
    assert_error(skipping, 409, "invalid_state")
    no_chair = api.post(url, headers=headers, json={"to": "scheduled"})
    assert "chair" in assert_error(no_chair, 409, "invalid_state")["message"]
    assert stored_state() == before


def test_the_chair_may_not_schedule_or_archive(api, make):
    organizer = make.organizer()
    chair = make.user()
    conference = make.conference(organizer=organizer, chair=chair)
    headers = bearer(chair)

    response = api.post(
        f"/api/v1/conferences/{conference.id}/status", headers=headers, json={"to": "draft"}
    )

    assert_error(response, 403, "forbidden")


@pytest.mark.parametrize("payload", [{}, {"to": "cancelled"}, {"to": "live", "why": "x"}])
def test_a_bad_status_request_is_422(api, make, payload):
    organizer = make.organizer()
    conference = make.conference(organizer=organizer)
    headers = bearer(organizer)

    response = api.post(
        f"/api/v1/conferences/{conference.id}/status", headers=headers, json=payload
    )

    assert_error(response, 422, "invalid")
