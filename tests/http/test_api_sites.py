"""JSON API: the remote sites of a conference and their join links."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry
from meetings.conferences.models import Attendance, Conference, ConferenceRole
from meetings.extensions import db as _db
from meetings.live import services
from meetings.live.models import LiveEvent, Site
from meetings.live.services import Viewer
from tests.http.test_api import assert_error, bearer


@pytest.fixture
def api(client):
    return client


@pytest.fixture
def scene(make):
    organizer = make.organizer()
    chair = make.user()
    conference = make.conference(organizer=organizer, chair=chair)
    delegate = make.user()
    make.participant(conference, user=delegate)
    remote_unit = make.unit(code="DP3", name_vi="Vụ Địa phương III", city="Đà Nẵng")
    make.participant(conference, unit=remote_unit, attendance=Attendance.remote, headcount=5)
    room_unit = make.unit(code="TCCB")
    make.participant(conference, unit=room_unit)
    site = services.create_site(
        actor=organizer, conference=conference, unit_id=remote_unit.id, expected_headcount=5
    )
    _db.session.commit()
    return {
        "organizer": organizer,
        "chair": chair,
        "delegate": delegate,
        "outsider": make.user(),
        "admin": make.admin(),
        "conference": conference,
        "site": site,
        "room_unit": room_unit,
        "base": f"/api/v1/conferences/{conference.id}/sites",
    }


def _count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def _fingerprint() -> tuple:
    _db.session.expire_all()
    rows = _db.session.execute(
        select(Site.id, Site.name, Site.expected_headcount, Site.token, Site.expires_at).order_by(
            Site.id
        )
    ).all()
    return tuple(rows), _count(AuditEntry), _count(LiveEvent)


def _site(site_id: int) -> Site:
    _db.session.expire_all()
    return _db.session.get(Site, site_id)


# --- reading ---------------------------------------------------------------------------


def test_organizers_read_the_sites_with_their_links(api, scene):
    response = api.get(scene["base"], headers=bearer(scene["organizer"]))

    assert response.status_code == 200
    [row] = response.get_json()
    site = _site(scene["site"].id)
    assert row["id"] == site.id and row["name"] == "Vụ Địa phương III"
    assert row["unit"]["code"] == "DP3" and row["expected_headcount"] == 5
    assert row["state"] == "never" and row["since"] is None and row["connections"] == 0
    assert row["link_valid"] is True and row["revoked_at"] is None
    assert row["token"] == site.token
    assert row["join_url"] == f"http://localhost/join/{site.token}"
    assert row["expires_at"].startswith(site.expires_at.strftime("%Y-%m-%dT%H:%M"))


@pytest.mark.parametrize("who", ["delegate", "chair"])
def test_invitees_read_the_sites_without_their_links(api, scene, who):
    headers = bearer(scene[who])
    [row] = api.get(scene["base"], headers=headers).get_json()
    assert row["name"] == "Vụ Địa phương III"
    assert "token" not in row and "join_url" not in row
    one = api.get(f"{scene['base']}/{row['id']}", headers=headers).get_json()
    assert "token" not in one and one["id"] == row["id"]


def test_a_connected_site_reads_as_connected(api, scene):
    site = _site(scene["site"].id)
    conference = _db.session.get(Conference, site.conference_id)
    services.connect(
        viewer=Viewer(site=site), conference=conference, sid="x1", remote_addr="10.1.1.1"
    )
    _db.session.commit()
    row = api.get(f"{scene['base']}/{site.id}", headers=bearer(scene["delegate"])).get_json()
    assert row["state"] == "connected" and row["connections"] == 1 and row["since"]


# --- adding ----------------------------------------------------------------------------


def test_an_organizer_adds_a_site_and_gets_its_link(api, scene):
    response = api.post(
        scene["base"],
        json={"unit_id": scene["room_unit"].id, "expected_headcount": 3, "valid_days": 10},
        headers=bearer(scene["organizer"]),
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    site = _site(body["id"])
    assert site.unit_id == scene["room_unit"].id and site.expected_headcount == 3
    assert body["join_url"].endswith(f"/join/{site.token}") and body["state"] == "never"
    presence = _db.session.scalars(
        select(LiveEvent).where(LiveEvent.type == "presence").order_by(LiveEvent.seq.desc())
    ).first()
    assert [s["id"] for s in presence.payload["presence"]["sites"]] == [scene["site"].id, site.id]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "unit_id"),
        ({"unit_id": "3"}, "unit_id"),
        ({"unit_id": None}, "unit_id"),
        ({"unit_id": 0, "expected_headcount": 0}, "expected_headcount"),
        ({"unit_id": 0, "expected_headcount": 501}, "expected_headcount"),
        ({"unit_id": 0, "expected_headcount": "4"}, "expected_headcount"),
        ({"unit_id": 0, "valid_days": 0}, "valid_days"),
        ({"unit_id": 0, "valid_days": 366}, "valid_days"),
        ({"unit_id": 0, "name": "x" * 201}, "name"),
        ({"unit_id": 0, "token": "mine"}, "token"),
    ],
)
def test_bad_input_is_422_per_field_and_nothing_is_stored(api, scene, payload, field):
    headers = bearer(scene["organizer"])
    if payload.get("unit_id") == 0:
        payload = {**payload, "unit_id": scene["room_unit"].id}
    before = _fingerprint()

    body = assert_error(api.post(scene["base"], json=payload, headers=headers), 422, "invalid")

    assert field in body["errors"], body
    assert _fingerprint() == before


def test_a_unit_not_invited_is_422_and_a_second_site_is_409(api, make, scene):
    headers = bearer(scene["organizer"])
    stranger = make.unit()
    _db.session.commit()
    before = _fingerprint()

    body = assert_error(
        api.post(scene["base"], json={"unit_id": stranger.id}, headers=headers), 422, "invalid"
    )
    assert body["errors"]["unit_id"] == ["Invite the unit to the conference first."]
    remote_unit = scene["site"].unit_id
    assert_error(
        api.post(scene["base"], json={"unit_id": remote_unit}, headers=headers), 409, "conflict"
    )
    assert _fingerprint() == before


# --- changing, renewing, revoking ------------------------------------------------------


def test_patch_changes_only_what_is_sent(api, scene):
    site_id = scene["site"].id
    token = _site(site_id).token
    response = api.patch(
        f"{scene['base']}/{site_id}",
        json={"expected_headcount": 9},
        headers=bearer(scene["organizer"]),
    )
    assert response.status_code == 200
    assert response.get_json()["expected_headcount"] == 9
    site = _site(site_id)
    assert (site.name, site.expected_headcount, site.token) == ("Vụ Địa phương III", 9, token)


@pytest.mark.parametrize(
    "payload", [{"name": ""}, {"expected_headcount": 0}, {"valid_days": 0}, {"name": None}]
)
def test_a_bad_patch_is_422_and_changes_nothing(api, scene, payload):
    headers = bearer(scene["organizer"])
    before = _fingerprint()
    assert_error(
        api.patch(f"{scene['base']}/{scene['site'].id}", json=payload, headers=headers),
        422,
        "invalid",
    )
    assert _fingerprint() == before


def test_renew_gives_a_new_link_and_the_old_one_stops(api, client, scene):
    site_id = scene["site"].id
    old = _site(site_id).token
    response = api.post(
        f"{scene['base']}/{site_id}/renew",
        json={"valid_days": 2},
        headers=bearer(scene["organizer"]),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["token"] != old and body["link_valid"] is True
    assert services.site_for_token(old) is None
    assert client.get(f"/join/{old}").status_code == 404


def test_revoke_stops_the_link_and_renew_brings_the_site_back(api, scene):
    site_id = scene["site"].id
    headers = bearer(scene["organizer"])

    body = api.post(f"{scene['base']}/{site_id}/revoke", headers=headers).get_json()

    assert body["state"] == "revoked" and body["link_valid"] is False and body["revoked_at"]
    assert _site(site_id).revoked_at is not None
    body = api.post(f"{scene['base']}/{site_id}/renew", json={}, headers=headers).get_json()
    assert body["state"] != "revoked" and body["link_valid"] is True


def test_a_site_of_another_conference_is_404(api, make, scene):
    other = make.conference(organizer=scene["organizer"])
    _db.session.commit()
    headers = bearer(scene["organizer"])
    url = f"/api/v1/conferences/{other.id}/sites/{scene['site'].id}"
    assert_error(api.get(url, headers=headers), 404, "not_found")
    assert_error(api.post(f"{url}/revoke", headers=headers), 404, "not_found")
    assert _site(scene["site"].id).revoked_at is None


# --- who may ---------------------------------------------------------------------------


def _operations(scene) -> list[tuple[str, str, str, dict | None]]:
    base, site = scene["base"], scene["site"].id
    return [
        ("read", "GET", base, None),
        ("read", "GET", f"{base}/{site}", None),
        ("manage", "POST", base, {"unit_id": scene["room_unit"].id}),
        ("manage", "PATCH", f"{base}/{site}", {"name": "Điểm cầu"}),
        ("manage", "POST", f"{base}/{site}/renew", {}),
        ("manage", "POST", f"{base}/{site}/revoke", None),
    ]


# role -> (outcome for reading, outcome for managing)
EXPECTED = {
    "anonymous": (401, 401),
    "outsider": (404, 404),
    "delegate": (200, 403),
    "unit_member": (200, 403),
    "secretary": (200, 403),
    "chair": (200, 403),
    "organizer": (200, "ok"),
    "admin": (200, "ok"),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_permission_table(api, make, scene, role):
    conference = scene["conference"]
    people = dict(scene)
    people["unit_member"] = make.user(unit=scene["room_unit"])
    people["secretary"] = make.user()
    make.participant(conference, user=people["secretary"], role=ConferenceRole.secretary)
    _db.session.commit()
    headers = {} if role == "anonymous" else bearer(people[role])
    read, manage = EXPECTED[role]

    for kind, method, url, body in _operations(scene):
        before = _fingerprint()
        response = api.open(url, method=method, json=body, headers=headers)
        expected = read if kind == "read" else manage
        if expected == "ok":
            assert response.status_code in (200, 201), (method, url, response.get_json())
            continue
        codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 200: None}
        if expected == 200:
            assert response.status_code == 200, (method, url)
        else:
            assert_error(response, expected, codes[expected])
            assert _fingerprint() == before, (method, url)
