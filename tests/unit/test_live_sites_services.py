"""Remote sites and their join links, called directly: who may, what is checked, what is logged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry, Unit, User
from meetings.conferences.models import Attendance, Conference, ConferenceRole, ConferenceStatus
from meetings.db import utcnow
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db as _db
from meetings.live import services
from meetings.live.models import LiveConnection, LiveEvent, Site
from meetings.live.services import Viewer


@dataclass
class Scene:
    conference: Conference
    organizer: User
    chair: User
    secretary: User
    delegate: User
    remote_member: User
    outsider: User
    admin: User
    remote_unit: Unit  # invited to attend remotely
    room_unit: Unit  # invited to sit in the room
    stranger_unit: Unit  # not invited


def build(make, status: ConferenceStatus = ConferenceStatus.scheduled) -> Scene:
    organizer = make.organizer()
    chair = make.user()
    conference = make.conference(organizer=organizer, chair=chair, status=status)
    secretary = make.user()
    make.participant(conference, user=secretary, role=ConferenceRole.secretary)
    delegate = make.user()
    make.participant(conference, user=delegate)
    remote_unit = make.unit(
        code="DP3", name_vi="Vụ Địa phương III", name_en="Regional Department III", city="Đà Nẵng"
    )
    make.participant(conference, unit=remote_unit, attendance=Attendance.remote, headcount=5)
    room_unit = make.unit(code="TCCB")
    make.participant(conference, unit=room_unit, headcount=2)
    return Scene(
        conference=conference,
        organizer=organizer,
        chair=chair,
        secretary=secretary,
        delegate=delegate,
        remote_member=make.user(unit=remote_unit),
        outsider=make.user(),
        admin=make.admin(),
        remote_unit=remote_unit,
        room_unit=room_unit,
        stranger_unit=make.unit(code="PC"),
    )


@pytest.fixture
def scene(make) -> Scene:
    return build(make)


def _site(scene: Scene, **kwargs) -> Site:
    kwargs.setdefault("unit_id", scene.remote_unit.id)
    return services.create_site(actor=scene.organizer, conference=scene.conference, **kwargs)


def _audit(action: str) -> list[AuditEntry]:
    return list(
        _db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def _events(conference: Conference, type_: str) -> list[LiveEvent]:
    return list(
        _db.session.scalars(
            select(LiveEvent)
            .where(LiveEvent.conference_id == conference.id, LiveEvent.type == type_)
            .order_by(LiveEvent.seq)
        )
    )


def _site_count() -> int:
    return _db.session.scalar(select(func.count()).select_from(Site))


# --- adding a site ---------------------------------------------------------------------


def test_an_organizer_adds_a_site_for_an_invited_unit(scene):
    site = _site(scene, expected_headcount=5)

    assert site.conference_id == scene.conference.id and site.unit_id == scene.remote_unit.id
    assert site.name == "Vụ Địa phương III"  # the official name, whatever the organizer reads
    assert site.expected_headcount == 5
    assert len(site.token) >= 40 and site.revoked_at is None
    assert abs(site.expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    assert services.site_for_token(site.token) is site
    [entry] = _audit("site.create")
    assert entry.actor_id == scene.organizer.id and entry.object_id == site.id
    [event] = _events(scene.conference, "presence")
    [row] = event.payload["presence"]["sites"]
    assert row == {
        "id": site.id,
        "name": "Vụ Địa phương III",
        "unit_code": "DP3",
        "city": "Đà Nẵng",
        "expected_headcount": 5,
        "state": "never",
        "since": None,
        "connections": 0,
    }


def test_two_sites_never_share_a_token(scene):
    first = _site(scene)
    second = _site(scene, unit_id=scene.room_unit.id)
    assert first.token != second.token


def test_a_name_and_a_validity_can_be_given(scene):
    site = _site(scene, name="  Điểm cầu Đà Nẵng ", valid_days=3)
    assert site.name == "Điểm cầu Đà Nẵng"
    assert abs(site.expires_at - (utcnow() + timedelta(days=3))) < timedelta(minutes=1)


def test_only_an_invited_unit_gets_a_site(scene):
    with pytest.raises(ValidationError) as error:
        _site(scene, unit_id=scene.stranger_unit.id)
    assert "unit_id" in error.value.field_errors
    assert "Invite the unit" in str(error.value.message)
    with pytest.raises(ValidationError):
        _site(scene, unit_id=999_999)
    with pytest.raises(ValidationError):
        _site(scene, unit_id="1")
    assert _site_count() == 0


def test_a_unit_has_one_site_per_conference(scene, make):
    _site(scene)
    with pytest.raises(ConflictError) as error:
        _site(scene, name="Again")
    assert error.value.status == 409
    assert _site_count() == 1
    # ... but it may have one in another conference
    other = make.conference(organizer=scene.organizer)
    make.participant(other, unit=scene.remote_unit, attendance=Attendance.remote)
    services.create_site(actor=scene.organizer, conference=other, unit_id=scene.remote_unit.id)
    assert _site_count() == 2


@pytest.mark.parametrize("headcount", [0, -1, 501, "5", 2.5, True])
def test_the_headcount_is_a_whole_number_from_1_to_500(scene, headcount):
    with pytest.raises(ValidationError) as error:
        _site(scene, expected_headcount=headcount)
    assert error.value.field_errors == {
        "expected_headcount": ["The headcount must be between 1 and 500."]
    }
    assert _site_count() == 0


@pytest.mark.parametrize("headcount", [1, 500])
def test_headcount_bounds_are_accepted(scene, headcount):
    assert _site(scene, expected_headcount=headcount).expected_headcount == headcount


@pytest.mark.parametrize("days", [0, 366, -3, "30", False])
def test_a_link_is_valid_for_1_to_365_days(scene, days):
    with pytest.raises(ValidationError) as error:
        _site(scene, valid_days=days)
    assert list(error.value.field_errors) == ["valid_days"]
    assert _site_count() == 0


def test_validity_bounds_are_accepted(scene):
    assert _site(scene, valid_days=365).expires_at > utcnow() + timedelta(days=364)
    assert _site(scene, unit_id=scene.room_unit.id, valid_days=1).expires_at < utcnow() + timedelta(
        days=1, minutes=1
    )


def test_a_too_long_name_is_refused(scene):
    with pytest.raises(ValidationError) as error:
        _site(scene, name="x" * 201)
    assert list(error.value.field_errors) == ["name"]


@pytest.mark.parametrize("status", [ConferenceStatus.concluded, ConferenceStatus.archived])
def test_a_conference_that_is_over_takes_no_new_site(make, status):
    scene = build(make, status=status)
    with pytest.raises(InvalidStateError):
        _site(scene)


@pytest.mark.parametrize("role", ["chair", "secretary", "delegate", "remote_member", "outsider"])
def test_only_organizers_manage_sites(scene, role):
    actor = getattr(scene, role)
    with pytest.raises(PermissionDeniedError):
        services.create_site(actor=actor, conference=scene.conference, unit_id=scene.remote_unit.id)
    site = _site(scene)
    for call in (
        lambda: services.update_site(
            actor=actor, conference=scene.conference, site=site, data={"name": "X"}
        ),
        lambda: services.renew_site_link(actor=actor, conference=scene.conference, site=site),
        lambda: services.revoke_site(actor=actor, conference=scene.conference, site=site),
        lambda: services.site_activity(actor=actor, conference=scene.conference),
    ):
        with pytest.raises(PermissionDeniedError):
            call()
    assert site.name == "Vụ Địa phương III" and site.revoked_at is None


def test_an_administrator_manages_sites(scene):
    site = services.create_site(
        actor=scene.admin, conference=scene.conference, unit_id=scene.remote_unit.id
    )
    services.revoke_site(actor=scene.admin, conference=scene.conference, site=site)
    assert site.revoked_at is not None


def test_get_site_refuses_a_site_of_another_conference(scene, make):
    site = _site(scene)
    other = make.conference(organizer=scene.organizer)
    assert services.get_site(scene.conference, site.id) is site
    for conference, site_id in ((other, site.id), (scene.conference, 999), (scene.conference, "1")):
        with pytest.raises(NotFoundError):
            services.get_site(conference, site_id)


# --- changing, renewing, revoking -------------------------------------------------------


def test_update_changes_name_headcount_and_expiry(scene):
    site = _site(scene)
    token = site.token
    services.update_site(
        actor=scene.organizer,
        conference=scene.conference,
        site=site,
        data={"name": "Điểm cầu Đà Nẵng", "expected_headcount": 7, "valid_days": 2},
    )
    assert (site.name, site.expected_headcount) == ("Điểm cầu Đà Nẵng", 7)
    assert site.expires_at < utcnow() + timedelta(days=2, minutes=1)
    assert site.token == token  # the link stays the same
    [entry] = _audit("site.update")
    assert json.loads(entry.detail) == {"fields": ["expected_headcount", "name", "valid_days"]}
    assert (
        _events(scene.conference, "presence")[-1].payload["presence"]["sites"][0][
            "expected_headcount"
        ]
        == 7
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": None}, "name"),
        ({"expected_headcount": 0}, "expected_headcount"),
        ({"valid_days": 400}, "valid_days"),
    ],
)
def test_update_refuses_bad_values(scene, data, field):
    site = _site(scene)
    with pytest.raises(ValidationError) as error:
        services.update_site(
            actor=scene.organizer, conference=scene.conference, site=site, data=data
        )
    assert list(error.value.field_errors) == [field]


def _connect_site(scene: Scene, site: Site, sid: str = "sid-1") -> None:
    services.connect(
        viewer=Viewer(site=site), conference=scene.conference, sid=sid, remote_addr="10.0.3.7"
    )


def test_a_site_joins_and_leaves_with_its_address_in_the_audit_log(scene):
    site = _site(scene)
    _connect_site(scene, site)

    [joined] = _audit("site.join")
    assert joined.actor_id is None and joined.object_id == site.id
    assert json.loads(joined.detail) == {"remote_addr": "10.0.3.7"}
    board = _events(scene.conference, "presence")[-1].payload["presence"]["sites"][0]
    assert board["state"] == "connected" and board["connections"] == 1

    services.disconnect(sid="sid-1")
    assert len(_audit("site.leave")) == 1
    board = _events(scene.conference, "presence")[-1].payload["presence"]["sites"][0]
    assert board["state"] == "reconnecting" and board["connections"] == 0


def test_renewing_replaces_the_link_and_cuts_the_old_one_off(scene):
    site = _site(scene, valid_days=2)
    old = site.token
    _connect_site(scene, site)
    services.revoke_site(actor=scene.organizer, conference=scene.conference, site=site)

    services.renew_site_link(
        actor=scene.organizer, conference=scene.conference, site=site, valid_days=10
    )

    assert site.token != old
    assert services.site_for_token(old) is None
    assert services.site_for_token(site.token) is site
    assert site.revoked_at is None and site.is_valid_at(utcnow())
    assert site.expires_at > utcnow() + timedelta(days=9)
    assert _db.session.scalar(select(func.count()).select_from(LiveConnection)) == 0
    assert len(_audit("site.renew")) == 1
    # The sockets of the old link are told, then cut after the commit.
    assert len(_db.session.info["meetings.post_commit"]) >= 2


def test_renew_refuses_a_bad_validity_and_keeps_the_link(scene):
    site = _site(scene)
    token = site.token
    with pytest.raises(ValidationError):
        services.renew_site_link(
            actor=scene.organizer, conference=scene.conference, site=site, valid_days=0
        )
    assert services.site_for_token(token) is site


def test_revoking_stops_the_link_and_disconnects_the_site(scene):
    site = _site(scene)
    _connect_site(scene, site, "sid-a")
    _connect_site(scene, site, "sid-b")

    services.revoke_site(actor=scene.organizer, conference=scene.conference, site=site)

    assert site.revoked_at is not None and not site.is_valid_at(utcnow())
    assert not Viewer(site=site).can_enter(scene.conference)
    assert _db.session.scalar(select(func.count()).select_from(LiveConnection)) == 0
    board = _events(scene.conference, "presence")[-1].payload["presence"]["sites"][0]
    assert board["state"] == "revoked" and board["connections"] == 0
    with pytest.raises(PermissionDeniedError):
        _connect_site(scene, site, "sid-c")

    # Revoking twice is harmless and logged once.
    services.revoke_site(actor=scene.organizer, conference=scene.conference, site=site)
    assert len(_audit("site.revoke")) == 1


def test_an_expired_link_cannot_enter(scene):
    site = _site(scene)
    site.expires_at = utcnow() - timedelta(seconds=1)
    assert not Viewer(site=site).can_enter(scene.conference)
    with pytest.raises(PermissionDeniedError):
        _connect_site(scene, site)


# --- what the sites page reads ----------------------------------------------------------


def test_units_for_a_new_site_put_remote_units_first_and_skip_those_with_a_site(scene, make):
    # The delegate's and the organizer's own units are invited through them, too.
    rows = services.units_for_new_site(scene.conference)
    assert rows[0]["unit"] is scene.remote_unit and rows[0]["remote"] is True
    assert rows[0]["headcount"] == 5
    codes = [r["unit"].code for r in rows]
    assert "TCCB" in codes and "PC" not in codes
    assert all(not r["remote"] for r in rows[1:])

    _site(scene)
    assert scene.remote_unit not in [
        r["unit"] for r in services.units_for_new_site(scene.conference)
    ]


def test_site_activity_is_newest_first_and_only_of_this_conference(scene, make):
    site = _site(scene)
    _connect_site(scene, site)
    services.revoke_site(actor=scene.organizer, conference=scene.conference, site=site)
    other = make.conference(organizer=scene.organizer)
    make.participant(other, unit=scene.remote_unit)
    services.create_site(actor=scene.organizer, conference=other, unit_id=scene.remote_unit.id)
    _db.session.flush()

    activity = services.site_activity(actor=scene.organizer, conference=scene.conference)

    assert [e.action for e in activity] == ["site.revoke", "site.join", "site.create"]
    assert all(e.object_id == site.id for e in activity)
    assert (
        len(services.site_activity(actor=scene.organizer, conference=scene.conference, limit=2))
        == 2
    )


def test_sites_with_presence_pairs_each_site_with_its_board_row(scene):
    first = _site(scene)
    second = _site(scene, unit_id=scene.room_unit.id)
    _connect_site(scene, second)

    pairs = services.sites_with_presence(scene.conference)

    assert [(s.id, p["state"]) for s, p in pairs] == [
        (first.id, "never"),
        (second.id, "connected"),
    ]


def test_a_refused_update_changes_nothing_even_before_the_rollback(scene):
    site = _site(scene)
    with pytest.raises(ValidationError):
        services.update_site(
            actor=scene.organizer,
            conference=scene.conference,
            site=site,
            data={"name": "New name", "expected_headcount": 900},
        )
    assert site.name == "Vụ Địa phương III" and site.expected_headcount == 1
