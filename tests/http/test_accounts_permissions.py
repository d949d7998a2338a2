"""Who may open what: every accounts and admin route, for every kind of visitor."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from meetings.accounts import services
from meetings.accounts.models import ApiToken, GlobalRole, Unit, User
from tests.factories import PASSWORD

ROLES = ("anonymous", "member", "organizer", "admin")
LOGIN = "to the log-in page"


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status):
    return {"anonymous": LOGIN, "member": status, "organizer": status, "admin": status}


def admins_only(status):
    return {"anonymous": LOGIN, "member": 403, "organizer": 403, "admin": status}


UNIT_FORM = {
    "code": "NEWCODE",
    "name_vi": "Đơn vị mới",
    "name_en": "New unit",
    "kind": "department",
    "city": "Hà Nội",
    "parent_id": "",
    "active": "y",
}
USER_FORM = {
    "email": "new.person@ubdt.demo",
    "full_name": "Người Mới",
    "position": "",
    "unit_id": "{unit_id}",
    "role": "member",
    "locale": "vi",
    "active": "y",
    "password": "mat-khau-moi",
}

# (method, URL rule, form, expected per role)
TABLE = [
    ("GET", "/login", None, {"anonymous": 200, "member": 302, "organizer": 302, "admin": 302}),
    # A visitor without an account cannot log in; everyone else can (again).
    (
        "POST",
        "/login",
        {"email": "{email}", "password": PASSWORD},
        {"anonymous": 200, "member": 302, "organizer": 302, "admin": 302},
    ),
    ("POST", "/logout", None, everyone(302)),
    ("POST", "/language", {"locale": "en", "next": "/login"}, everyone(302)),
    ("GET", "/profile", None, signed_in(200)),
    ("POST", "/profile", {"full_name": "Tên Mới", "position": "", "locale": "vi"}, signed_in(302)),
    ("GET", "/profile/password", None, signed_in(302)),
    (
        "POST",
        "/profile/password",
        {
            "current_password": PASSWORD,
            "new_password": "mat-khau-2",
            "new_password_repeat": "mat-khau-2",
        },
        signed_in(302),
    ),
    ("GET", "/profile/tokens", None, signed_in(302)),
    ("POST", "/profile/tokens", {"name": "script"}, signed_in(200)),
    ("POST", "/profile/tokens/<int:token_id>/revoke", None, signed_in(302)),
    ("GET", "/profile/feed/regenerate", None, signed_in(302)),
    ("POST", "/profile/feed/regenerate", None, signed_in(302)),
    ("GET", "/admin/", None, admins_only(302)),
    ("GET", "/admin/units", None, admins_only(200)),
    ("GET", "/admin/units/new", None, admins_only(200)),
    ("POST", "/admin/units/new", UNIT_FORM, admins_only(302)),
    ("GET", "/admin/units/<int:unit_id>/edit", None, admins_only(200)),
    ("POST", "/admin/units/<int:unit_id>/edit", {**UNIT_FORM, "code": "TARGET"}, admins_only(302)),
    ("GET", "/admin/users", None, admins_only(200)),
    ("GET", "/admin/users/new", None, admins_only(200)),
    ("POST", "/admin/users/new", USER_FORM, admins_only(302)),
    ("GET", "/admin/users/<int:user_id>/edit", None, admins_only(200)),
    (
        "POST",
        "/admin/users/<int:user_id>/edit",
        {**USER_FORM, "email": "target@ubdt.demo", "password": ""},
        admins_only(302),
    ),
]


@pytest.fixture
def world(db, make):
    home = make.unit(code="HOME")
    people = {role: make.user(unit=home, role=GlobalRole(role)) for role in ROLES[1:]}
    target_unit = make.unit(code="TARGET")
    target_user = make.user(unit=target_unit, email="target@ubdt.demo")
    tokens = {
        role: services.issue_api_token(actor=person, name="mine")[0].id
        for role, person in people.items()
    }
    db.session.commit()
    return {
        "people": people,
        "unit_id": target_unit.id,
        "user_id": target_user.id,
        "tokens": tokens,
    }


def fill(rule: str, world: dict, role: str) -> str:
    token_id = world["tokens"].get(role, 1)
    return (
        rule.replace("<int:unit_id>", str(world["unit_id"]))
        .replace("<int:user_id>", str(world["user_id"]))
        .replace("<int:token_id>", str(token_id))
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "rule", "form", "expected"),
    TABLE,
    ids=[f"{method} {rule}" for method, rule, _, _ in TABLE],
)
def test_permission_table(client, login_as, world, role, method, rule, form, expected):
    person = world["people"].get(role)
    if person is not None:
        login_as(person)
    data = None
    if form is not None:
        data = {
            key: value.format(
                unit_id=world["unit_id"], email=person.email if person else "nobody@ubdt.demo"
            )
            for key, value in form.items()
        }
    response = client.open(fill(rule, world, role), method=method, data=data)

    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response.location.startswith("/login?next=")
    else:
        assert response.status_code == want, response.get_data(as_text=True)[:800]
    if want == 403:
        assert "Only an administrator may do this." in response.get_data(as_text=True)


def test_the_table_covers_every_accounts_and_admin_route(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("accounts", "admin")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == {(method, rule) for method, rule, _, _ in TABLE}


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("role", ["member", "organizer"])
def test_refused_admin_writes_store_nothing(client, db, login_as, world, role):
    login_as(world["people"][role])
    before = count(db, Unit), count(db, User)
    client.post("/admin/units/new", data=UNIT_FORM)
    client.post(f"/admin/units/{world['unit_id']}/edit", data={**UNIT_FORM, "code": "HACKED"})
    client.post(
        "/admin/users/new", data={**USER_FORM, "unit_id": str(world["unit_id"]), "role": "admin"}
    )
    client.post(
        f"/admin/users/{world['user_id']}/edit",
        data={**USER_FORM, "unit_id": str(world["unit_id"]), "role": "admin"},
    )
    client.post(
        f"/admin/users/{world['people'][role].id}/edit",
        data={**USER_FORM, "unit_id": str(world["unit_id"]), "role": "admin"},
    )
    assert (count(db, Unit), count(db, User)) == before
    assert db.session.get(Unit, world["unit_id"]).code == "TARGET"
    roles = db.session.scalars(select(User.role).where(User.role == GlobalRole.admin)).all()
    assert len(roles) == 1  # still only the real administrator


def test_a_person_revokes_only_their_own_tokens(client, db, login_as, world):
    login_as(world["people"]["member"])
    for role in ("organizer", "admin"):
        response = client.post(f"/profile/tokens/{world['tokens'][role]}/revoke")
        assert response.status_code == 404
    revoked = db.session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_not(None))).all()
    assert revoked == []


def test_the_navigation_shows_administration_to_admins_only(client, login_as, world):
    for role in ("member", "organizer", "admin"):
        login_as(world["people"][role])
        html = client.get("/profile").get_data(as_text=True)
        assert bool(re.search(r'href="/admin/units"', html)) is (role == "admin")
