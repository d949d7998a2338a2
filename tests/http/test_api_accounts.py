"""JSON API: units (read by everyone, written by administrators) and people (read only)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from meetings.accounts.models import AuditEntry, UnitKind
from meetings.extensions import db as _db
from tests.http.test_api import assert_error, bearer, stored_state


@pytest.fixture
def api(client):
    return client


# --- units -------------------------------------------------------------------------------


def test_units_are_listed_in_tree_order_and_filtered_by_kind(api, make):
    committee = make.unit("UB", kind=UnitKind.committee, name_vi="Ủy ban", name_en="Committee")
    make.unit("VU-B", parent=committee)
    make.unit("VU-A", parent=committee)
    make.unit("CQ-3", kind=UnitKind.regional_office, city="Đà Nẵng")
    headers = bearer(make.user(unit=committee, locale="vi"))

    listed = api.get("/api/v1/units", headers=headers).get_json()
    offices = api.get("/api/v1/units?kind=regional_office", headers=headers).get_json()

    assert [u["code"] for u in listed] == ["CQ-3", "UB", "VU-A", "VU-B"]
    assert listed[1] == {
        "id": committee.id,
        "code": "UB",
        "name": "Ủy ban",
        "name_vi": "Ủy ban",
        "name_en": "Committee",
        "kind": "committee",
        "city": None,
        "parent_id": None,
        "active": True,
    }
    assert listed[2]["parent_id"] == committee.id
    assert [u["code"] for u in offices] == ["CQ-3"] and offices[0]["city"] == "Đà Nẵng"


def test_a_unit_name_follows_the_language_asked_for(api, make):
    unit = make.unit(name_vi="Vụ Địa phương", name_en="Department of Local Affairs")
    headers = bearer(make.user(unit=unit, locale="vi"))

    vietnamese = api.get(f"/api/v1/units/{unit.id}", headers=headers).get_json()
    english = api.get(f"/api/v1/units/{unit.id}?lang=en", headers=headers).get_json()

    assert vietnamese["name"] == "Vụ Địa phương"
    assert english["name"] == "Department of Local Affairs"


def test_an_administrator_creates_and_changes_a_unit(api, make):
    admin = make.admin()
    parent = make.unit("UB")
    headers = bearer(admin)

    created = api.post(
        "/api/v1/units",
        headers=headers,
        json={
            "code": "CQ-MN",
            "name_vi": "Cơ quan miền Nam",
            "name_en": "Southern Office",
            "kind": "representative_office",
            "city": "TP. Hồ Chí Minh",
            "parent_id": parent.id,
        },
    )
    assert created.status_code == 201, created.get_json()
    unit_id = created.get_json()["id"]

    changed = api.patch(
        f"/api/v1/units/{unit_id}", headers=headers, json={"city": "Cần Thơ", "active": False}
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["code"], body["city"], body["active"], body["parent_id"]) == (
        "CQ-MN",
        "Cần Thơ",
        False,
        parent.id,
    )
    actions = _db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["unit.create", "unit.update"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"code": "ub"}, "code"),  # codes are unique whatever the case
        ({"code": "has space"}, "code"),
        ({"code": ""}, "code"),
        ({"parent_id": 987654}, "parent_id"),
        ({"kind": "castle"}, "kind"),
        ({"name_vi": None}, "name_vi"),
        ({"id": 5}, "id"),  # read-only fields are not input
    ],
)
def test_a_bad_unit_is_422_and_nothing_is_stored(api, make, payload, field):
    make.unit("UB")
    headers = bearer(make.admin())
    before = stored_state()

    response = api.post(
        "/api/v1/units",
        headers=headers,
        json={"code": "NEW", "name_vi": "Mới", "name_en": "New", **payload},
    )

    assert field in assert_error(response, 422, "invalid")["errors"]
    assert stored_state() == before


def test_a_unit_cannot_move_under_its_own_sub_unit(api, make):
    top = make.unit("TOP")
    child = make.unit("CHILD", parent=top)
    headers = bearer(make.admin())
    before = stored_state()

    response = api.patch(f"/api/v1/units/{top.id}", headers=headers, json={"parent_id": child.id})

    assert "parent_id" in assert_error(response, 422, "invalid")["errors"]
    assert stored_state() == before


@pytest.mark.parametrize("role", ["member", "organizer"])
def test_only_administrators_write_units(api, make, role):
    unit = make.unit("UB")
    caller = make.organizer() if role == "organizer" else make.user()
    headers = bearer(caller)
    before = stored_state()

    created = api.post(
        "/api/v1/units", headers=headers, json={"code": "NEW", "name_vi": "Mới", "name_en": "New"}
    )
    changed = api.patch(f"/api/v1/units/{unit.id}", headers=headers, json={"name_vi": "Đổi"})

    assert_error(created, 403, "forbidden")
    assert_error(changed, 403, "forbidden")
    assert stored_state() == before


def test_an_unknown_unit_is_404(api, make):
    headers = bearer(make.admin())
    assert_error(api.get("/api/v1/units/987654", headers=headers), 404, "not_found")
    assert_error(
        api.patch("/api/v1/units/987654", headers=headers, json={"city": "X"}), 404, "not_found"
    )


# --- people --------------------------------------------------------------------------------


def test_people_are_listed_by_name_and_filtered_by_unit(api, make):
    unit_a, unit_b = make.unit("A"), make.unit("B")
    make.user(unit=unit_a, full_name="Trần Thị C")
    make.user(unit=unit_a, full_name="Lê Văn A")
    caller = make.user(unit=unit_b, full_name="Phạm B", locale="vi")
    headers = bearer(caller)

    everyone = api.get("/api/v1/users", headers=headers).get_json()
    of_a = api.get(f"/api/v1/users?unit_id={unit_a.id}", headers=headers).get_json()

    assert [u["full_name"] for u in everyone] == ["Lê Văn A", "Phạm B", "Trần Thị C"]
    assert [u["full_name"] for u in of_a] == ["Lê Văn A", "Trần Thị C"]
    assert of_a[0]["unit"] == {"id": unit_a.id, "code": "A", "name": unit_a.name_vi}


def test_one_person_and_me(api, make):
    organizer = make.organizer(position="Chánh Văn phòng", locale="en")
    other = make.user()
    headers = bearer(organizer)

    person = api.get(f"/api/v1/users/{other.id}", headers=headers).get_json()
    me = api.get("/api/v1/users/me", headers=headers).get_json()

    assert set(person) == {
        "id",
        "email",
        "full_name",
        "position",
        "unit_id",
        "unit",
        "role",
        "locale",
        "active",
    }
    assert person["id"] == other.id and person["role"] == "member"
    assert me["id"] == organizer.id and me["position"] == "Chánh Văn phòng"
    assert me["role"] == "organizer" and me["can_schedule"] is True and me["is_admin"] is False
    assert me["locale"] == "en"
    assert_error(api.get("/api/v1/users/987654", headers=headers), 404, "not_found")


def test_people_are_read_only(api, make):
    admin = make.admin()
    headers = bearer(admin)

    assert_error(
        api.post("/api/v1/users", headers=headers, json={"email": "x@example.test"}),
        405,
        "method_not_allowed",
    )
    assert_error(
        api.patch(
            f"/api/v1/users/{admin.id}",
            headers=headers,
            data=json.dumps({"role": "member"}),
            content_type="application/json",
        ),
        405,
        "method_not_allowed",
    )
    assert_error(
        api.patch("/api/v1/users/me", headers=headers, json={"full_name": "X"}),
        405,
        "method_not_allowed",
    )
