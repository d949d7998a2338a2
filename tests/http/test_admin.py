"""The administration pages: the unit tree, accounts, and their forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import GlobalRole, Unit, UnitKind, User
from tests.factories import PASSWORD


@pytest.fixture
def admin(db, make, login_as):
    person = make.admin(unit=make.unit(code="TTTT"), locale="en")
    db.session.commit()
    login_as(person)
    return person


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def fresh(db, obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def field_errors(response, name: str) -> str:
    """The messages shown under the form control called `name` (asserting it is marked invalid)."""
    html = response.get_data(as_text=True)
    controls = [
        m
        for m in re.finditer(rf'<(input|select)\b[^>]*\bname="{name}"[^>]*>', html)
        if 'type="hidden"' not in m.group(0)
    ]
    assert controls, f"no control named {name}"
    control = controls[0]
    assert "is-invalid" in control.group(0), f"{name} is not marked invalid"
    rest = html[control.end() :]
    return " ".join(
        re.findall(
            r'<div class="invalid-feedback d-block">([^<]*)</div>',
            rest[: rest.find("</div>\n") + 400],
        )
    )


def unit_rows(html: str) -> list[tuple[str, int, int]]:
    """(code, depth, number of accounts) for each row of the unit table, in order."""
    rows = []
    for chunk in html.split("<tr ")[1:]:
        head = re.match(r'[^>]*data-unit-code="([^"]+)" data-depth="(\d+)"', chunk)
        if head:
            accounts = re.search(r'data-testid="user-count"[^>]*>([\d.,]+)</a>', chunk)
            rows.append((head.group(1), int(head.group(2)), int(accounts.group(1))))
    return rows


def listed_emails(html: str) -> list[str]:
    return re.findall(r'<tr [^>]*data-email="([^"]+)"', html)


# --- units ---------------------------------------------------------------------------


def test_units_are_shown_as_a_tree_with_their_accounts(client, db, make, admin):
    top = make.unit(code="UBDT", kind=UnitKind.committee, city="Hà Nội")
    regional = make.unit(
        code="VDP3",
        parent_id=top.id,
        kind=UnitKind.regional_office,
        city="Buôn Ma Thuột",
        name_en="Regional Department III",
    )
    make.unit(code="VDP3-A", parent_id=regional.id)
    make.unit(code="ARCHIVE", active=False)
    for _ in range(3):
        make.user(unit=regional)
    db.session.commit()

    response = client.get("/admin/units")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert unit_rows(html) == [
        ("ARCHIVE", 0, 0),
        ("TTTT", 0, 1),
        ("UBDT", 0, 0),
        ("VDP3", 1, 3),
        ("VDP3-A", 2, 0),
    ]
    assert "Regional Department III" in html and "Buôn Ma Thuột" in html
    assert "Regional office" in html and "Committee" in html and "Inactive" in html


def test_the_unit_and_account_lists_take_the_same_queries_whatever_their_size(
    client, db, make, admin, query_counter
):
    def queries(path):
        with query_counter() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    top = make.unit(code="A")
    make.user(unit=top)
    db.session.commit()
    small = queries("/admin/units"), queries("/admin/users"), queries(f"/admin/users?unit={top.id}")

    parent = top
    for n in range(12):
        parent = make.unit(code=f"A{n}", parent_id=parent.id if n % 3 else top.id)
        make.user(unit=parent)
        make.user(unit=parent, role=GlobalRole.organizer)
    db.session.commit()
    large = queries("/admin/units"), queries("/admin/users"), queries(f"/admin/users?unit={top.id}")
    assert large == small


def test_creating_a_unit(client, db, make, admin):
    top = make.unit(code="UBDT")
    db.session.commit()
    response = client.post(
        "/admin/units/new",
        data={
            "code": "VDP9",
            "name_vi": "Vụ Địa phương IX",
            "name_en": "Regional Department IX",
            "kind": "regional_office",
            "city": "Đà Nẵng",
            "parent_id": str(top.id),
            "active": "y",
        },
    )
    assert response.status_code == 302 and response.location == "/admin/units"
    unit = db.session.scalar(select(Unit).where(Unit.code == "VDP9"))
    assert (unit.name_vi, unit.kind, unit.city, unit.parent_id, unit.active) == (
        "Vụ Địa phương IX",
        UnitKind.regional_office,
        "Đà Nẵng",
        top.id,
        True,
    )
    page = client.get("/admin/units").get_data(as_text=True)
    assert "The unit VDP9 was created." in page
    assert ("VDP9", 1, 0) in unit_rows(page)


def test_the_new_unit_form_can_start_under_a_parent(client, db, make, admin):
    top = make.unit(code="UBDT")
    db.session.commit()
    html = client.get(f"/admin/units/new?parent={top.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{top.id}">', html)


VALID_UNIT = {
    "code": "VDP9",
    "name_vi": "Vụ Địa phương IX",
    "name_en": "Regional Department IX",
    "kind": "regional_office",
    "city": "",
    "parent_id": "",
    "active": "y",
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "vdp2"}, "code", "Another unit already has the code vdp2."),
        ({"code": "VDP 9"}, "code", "Use letters, digits, dots, dashes or underscores."),
        ({"code": ""}, "code", "This field is required."),
        ({"name_vi": "N" * 201}, "name_vi", "At most 200 characters"),
        ({"name_en": "E" * 201}, "name_en", "At most 200 characters"),
        ({"city": "C" * 121}, "city", "At most 120 characters"),
        ({"name_en": ""}, "name_en", "This field is required."),
        ({"parent_id": "999999"}, "parent_id", "Unknown parent unit."),
        ({"parent_id": "abc"}, "parent_id", "Unknown parent unit."),
        ({"kind": "ministry"}, "kind", "Unknown kind of unit."),
    ],
)
def test_bad_unit_input_is_shown_on_the_field_and_nothing_is_stored(
    client, db, make, admin, changes, field, message
):
    make.unit(code="VDP2")
    db.session.commit()
    before = count(db, Unit)
    response = client.post("/admin/units/new", data={**VALID_UNIT, **changes})
    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert "Nothing was saved." in response.get_data(as_text=True)
    assert count(db, Unit) == before


def test_editing_a_unit(client, db, make, admin):
    top = make.unit(code="UBDT")
    unit = make.unit(code="KHTC", name_vi="Vụ Kế hoạch", city="Hà Nội")
    db.session.commit()
    page = client.get(f"/admin/units/{unit.id}/edit").get_data(as_text=True)
    assert 'value="Vụ Kế hoạch"' in page
    response = client.post(
        f"/admin/units/{unit.id}/edit",
        data={
            "code": "KHTC",
            "name_vi": "Vụ Kế hoạch - Tài chính",
            "name_en": "Planning and Finance",
            "kind": "department",
            "city": "Hà Nội",
            "parent_id": str(top.id),
        },
    )  # active unticked
    assert response.status_code == 302
    unit = fresh(db, unit)
    assert (unit.name_vi, unit.parent_id, unit.active) == ("Vụ Kế hoạch - Tài chính", top.id, False)


def test_a_unit_cannot_be_moved_under_itself_or_its_sub_units(client, db, make, admin):
    top = make.unit(code="TOP")
    middle = make.unit(code="MID", parent_id=top.id)
    bottom = make.unit(code="BOT", parent_id=middle.id)
    other = make.unit(code="OTHER")
    db.session.commit()
    original_name = top.name_vi

    page = client.get(f"/admin/units/{top.id}/edit").get_data(as_text=True)
    offered = set(
        re.findall(
            r'<option[^>]*value="(\d+)"', page.split('name="parent_id"')[1].split("</select>")[0]
        )
    )
    assert offered == {str(admin.unit_id), str(other.id)}  # not itself, not below itself

    for new_parent in (top, bottom):
        response = client.post(
            f"/admin/units/{top.id}/edit",
            data={
                "code": "TOP",
                "name_vi": "Đổi tên",
                "name_en": "Renamed",
                "kind": "committee",
                "parent_id": str(new_parent.id),
                "active": "y",
            },
        )
        assert response.status_code == 422
        assert "cannot be placed under itself or its own sub-unit" in field_errors(
            response, "parent_id"
        )
    top = fresh(db, top)
    assert (top.parent_id, top.name_vi) == (None, original_name)


def test_an_unknown_unit_is_not_found(client, db, admin):
    assert client.get("/admin/units/999999/edit").status_code == 404
    assert client.post("/admin/units/999999/edit", data=VALID_UNIT).status_code == 404


# --- accounts ------------------------------------------------------------------------


def test_accounts_are_listed_and_filtered_by_unit(client, db, make, admin):
    regional, legal = make.unit(code="VDP3"), make.unit(code="PC")
    make.user(unit=regional, email="dp3@ubdt.demo", full_name="H'Linh Niê")
    make.user(unit=regional, email="dp3b@ubdt.demo", full_name="Ama Khiêm", active=False)
    make.user(
        unit=legal, email="daibieu@ubdt.demo", full_name="Lê Thị Hoa", role=GlobalRole.organizer
    )
    db.session.commit()

    html = client.get("/admin/users").get_data(as_text=True)
    assert listed_emails(html) == [
        "dp3b@ubdt.demo",
        "dp3@ubdt.demo",
        "daibieu@ubdt.demo",
        admin.email,
    ]  # by name
    assert "Secretariat (may schedule)" in html and "Administrator" in html

    html = client.get(f"/admin/users?unit={regional.id}").get_data(as_text=True)
    assert listed_emails(html) == ["dp3b@ubdt.demo", "dp3@ubdt.demo"]
    assert re.search(rf'<option value="{regional.id}" selected>', html)
    assert listed_emails(client.get("/admin/users?unit=999999").get_data(as_text=True)) == []


def test_creating_an_account(app, client, db, make, admin):
    unit = make.unit(code="VDP3")
    db.session.commit()
    response = client.post(
        "/admin/users/new",
        data={
            "email": "New.Person@UBDT.demo",
            "full_name": "Người Mới",
            "position": "Chuyên viên",
            "unit_id": str(unit.id),
            "role": "organizer",
            "locale": "en",
            "active": "y",
            "password": "mat-khau-moi",
        },
    )
    assert response.status_code == 302
    assert response.location == f"/admin/users?unit={unit.id}"
    person = db.session.scalar(select(User).where(User.email == "new.person@ubdt.demo"))
    assert (person.full_name, person.unit_id, person.role, person.locale, person.active) == (
        "Người Mới",
        unit.id,
        GlobalRole.organizer,
        "en",
        True,
    )
    assert "The account new.person@ubdt.demo was created." in client.get(
        response.location
    ).get_data(as_text=True)

    newcomer = app.test_client()
    assert (
        newcomer.post(
            "/login", data={"email": "new.person@ubdt.demo", "password": "mat-khau-moi"}
        ).status_code
        == 302
    )


def test_the_new_account_form_can_start_in_a_unit(client, db, make, admin):
    unit = make.unit(code="VDP3")
    db.session.commit()
    html = client.get(f"/admin/users/new?unit={unit.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{unit.id}">', html)


def valid_user(unit_id, **changes):
    return {
        "email": "someone@ubdt.demo",
        "full_name": "Ai Đó",
        "position": "",
        "unit_id": str(unit_id),
        "role": "member",
        "locale": "vi",
        "active": "y",
        "password": "mat-khau-moi",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"email": "TAKEN@ubdt.demo"},
            "email",
            "An account with this e-mail address exists already.",
        ),
        ({"email": "not-an-address"}, "email", "This is not a valid e-mail address."),
        ({"email": "x" * 250 + "@ubdt.demo"}, "email", "At most 254 characters"),
        ({"full_name": "N" * 201}, "full_name", "At most 200 characters"),
        ({"position": "P" * 201}, "position", "At most 200 characters"),
        ({"unit_id": "999999"}, "unit_id", "Choose an existing unit."),
        ({"unit_id": "abc"}, "unit_id", "Choose an existing unit."),
        ({"unit_id": ""}, "unit_id", "This field is required."),
        ({"role": "superuser"}, "role", "Unknown role."),
        ({"locale": "fr"}, "locale", "Choose Vietnamese or English."),
        ({"password": ""}, "password", "The password needs at least 8 characters."),
        ({"password": "short"}, "password", "The password needs at least 8 characters."),
    ],
)
def test_bad_account_input_is_shown_on_the_field_and_nothing_is_stored(
    client, db, make, admin, changes, field, message
):
    make.user(email="taken@ubdt.demo")
    db.session.commit()
    before = count(db, User)
    response = client.post("/admin/users/new", data={**valid_user(admin.unit_id), **changes})
    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert count(db, User) == before


def test_editing_an_account_keeps_the_password_unless_a_new_one_is_given(
    app, client, db, make, admin
):
    person = make.user(email="dp2@ubdt.demo", full_name="Trương Văn Nam")
    other_unit = make.unit(code="VDP2")
    db.session.commit()
    old_hash = person.password_hash
    page = client.get(f"/admin/users/{person.id}/edit").get_data(as_text=True)
    assert 'value="Trương Văn Nam"' in page and "mat-khau" not in page

    response = client.post(
        f"/admin/users/{person.id}/edit",
        data=valid_user(
            other_unit.id,
            email="dp2@ubdt.demo",
            full_name="Trương Văn Nam",
            role="organizer",
            password="",
        ),
    )
    assert response.status_code == 302
    person = fresh(db, person)
    assert (person.unit_id, person.role, person.password_hash) == (
        other_unit.id,
        GlobalRole.organizer,
        old_hash,
    )

    client.post(
        f"/admin/users/{person.id}/edit",
        data=valid_user(other_unit.id, email="dp2@ubdt.demo", password="mat-khau-thu-hai"),
    )
    assert fresh(db, person).check_password("mat-khau-thu-hai")


def test_deactivating_an_account_stops_its_logins(app, client, db, make, admin):
    person = make.user(email="leaving@ubdt.demo")
    db.session.commit()
    response = client.post(
        f"/admin/users/{person.id}/edit",
        data=valid_user(person.unit_id, email="leaving@ubdt.demo", active="", password=""),
    )
    assert response.status_code == 302
    assert fresh(db, person).active is False
    leaver = app.test_client()
    assert (
        leaver.post("/login", data={"email": "leaving@ubdt.demo", "password": PASSWORD}).status_code
        == 200
    )


def test_an_admin_cannot_take_away_their_own_rights(client, db, admin):
    response = client.post(
        f"/admin/users/{admin.id}/edit",
        data=valid_user(admin.unit_id, email=admin.email, role="member", password=""),
    )
    assert response.status_code == 422
    assert "You cannot remove your own administrator rights." in field_errors(response, "role")
    assert fresh(db, admin).role == GlobalRole.admin


def test_an_unknown_account_is_not_found(client, db, admin):
    assert client.get("/admin/users/999999/edit").status_code == 404
