"""Accounts services called directly: units, users, log-in, profile, API and feed tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.accounts import services
from meetings.accounts.models import ApiToken, AuditEntry, GlobalRole, Unit, UnitKind, User
from meetings.errors import NotFoundError, PermissionDeniedError, ValidationError
from tests.factories import PASSWORD


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def field_message(error: ValidationError, field: str) -> str:
    assert field in error.field_errors, error.field_errors
    return " ".join(str(m) for m in error.field_errors[field])


UNIT_DATA = {
    "code": "VDP9",
    "name_vi": "Vụ Địa phương IX",
    "name_en": "Regional Department IX",
    "kind": "regional_office",
    "city": "Đà Nẵng",
}


# --- units ---------------------------------------------------------------------


def test_admin_creates_a_unit_and_it_is_audited(db, make):
    admin = make.admin()
    parent = make.unit(code="UBDT")
    unit = services.create_unit(actor=admin, data={**UNIT_DATA, "parent_id": parent.id})
    assert (unit.code, unit.kind, unit.city, unit.parent_id) == (
        "VDP9",
        UnitKind.regional_office,
        "Đà Nẵng",
        parent.id,
    )
    assert unit.active is True
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit.create"))
    assert (entry.actor_id, entry.object_id) == (admin.id, unit.id)


@pytest.mark.parametrize("role", [GlobalRole.member, GlobalRole.organizer])
def test_only_an_admin_creates_or_changes_units(db, make, role):
    person = make.user(role=role)
    before = count(db, Unit)
    with pytest.raises(PermissionDeniedError):
        services.create_unit(actor=person, data=UNIT_DATA)
    with pytest.raises(PermissionDeniedError):
        services.update_unit(actor=person, unit=person.unit, data={"name_vi": "Đổi tên"})
    with pytest.raises(PermissionDeniedError):
        services.create_unit(actor=None, data=UNIT_DATA)
    assert count(db, Unit) == before
    assert person.unit.name_vi != "Đổi tên"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "vdp2"}, "code", "Another unit already has the code"),
        ({"code": "VDP 9"}, "code", "Use letters, digits"),
        ({"code": "X" * 41}, "code", "At most 40 characters"),
        ({"code": ""}, "code", "This field is required."),
        ({"name_vi": "N" * 201}, "name_vi", "At most 200 characters"),
        ({"name_en": "   "}, "name_en", "This field is required."),
        ({"kind": "ministry"}, "kind", "Unknown kind of unit."),
        ({"city": "C" * 121}, "city", "At most 120 characters"),
        ({"parent_id": 999_999}, "parent_id", "Unknown parent unit."),
        ({"parent_id": "1"}, "parent_id", "Unknown parent unit."),
    ],
)
def test_bad_unit_data_is_refused_with_a_field_message(db, make, data, field, message):
    admin = make.admin()
    make.unit(code="VDP2")
    db.session.commit()
    before = count(db, Unit)
    with pytest.raises(ValidationError) as caught:
        services.create_unit(actor=admin, data={**UNIT_DATA, **data})
    assert message in field_message(caught.value, field)
    db.session.rollback()
    assert count(db, Unit) == before


def test_a_unit_cannot_move_under_itself_or_its_own_sub_unit(db, make):
    admin = make.admin()
    top = make.unit(code="TOP")
    middle = make.unit(code="MID", parent_id=top.id)
    bottom = make.unit(code="BOT", parent_id=middle.id)
    for new_parent in (top, middle, bottom):
        with pytest.raises(ValidationError) as caught:
            services.update_unit(actor=admin, unit=top, data={"parent_id": new_parent.id})
        assert "cannot be placed under itself" in field_message(caught.value, "parent_id")
    assert top.parent_id is None

    services.update_unit(actor=admin, unit=bottom, data={"parent_id": top.id})
    assert bottom.parent_id == top.id


def test_updating_a_unit_keeps_its_own_code_and_changes_what_was_sent(db, make):
    admin = make.admin()
    unit = make.unit(code="KHTC", city="Hà Nội")
    services.update_unit(
        actor=admin, unit=unit, data={"code": "khtc", "name_en": "Planning", "active": False}
    )
    assert (unit.code, unit.name_en, unit.active, unit.city) == (
        "khtc",
        "Planning",
        False,
        "Hà Nội",
    )


def test_unit_tree_is_in_tree_order_with_depths(db, make):
    root = make.unit(code="A")
    make.unit(code="B")
    child_2 = make.unit(code="A2", parent_id=root.id)
    child_1 = make.unit(code="A1", parent_id=root.id)
    make.unit(code="A1X", parent_id=child_1.id)
    assert child_2.id < child_1.id  # creation order is not tree order
    tree = [(unit.code, depth) for unit, depth in services.unit_tree()]
    assert tree == [("A", 0), ("A1", 1), ("A1X", 2), ("A2", 1), ("B", 0)]


def test_user_counts_by_unit_in_one_query(db, make, query_counter):
    full, empty = make.unit(), make.unit()
    make.user(unit=full)
    make.user(unit=full, active=False)
    make.user()
    with query_counter() as statements:
        counts = services.user_counts_by_unit()
    assert len(statements) == 1
    assert counts[full.id] == 2
    assert empty.id not in counts


# --- users ---------------------------------------------------------------------


def user_data(unit, **changes):
    return {
        "email": "Nguoi.Moi@UBDT.demo",
        "full_name": "Người Mới",
        "position": "Chuyên viên",
        "unit_id": unit.id,
        "role": "organizer",
        "locale": "en",
        "password": "mat-khau-moi",
        **changes,
    }


def test_admin_creates_an_account_that_can_log_in(db, make):
    admin = make.admin()
    unit = make.unit()
    user = services.create_user(actor=admin, data=user_data(unit))
    assert (user.email, user.role, user.locale, user.unit_id) == (
        "nguoi.moi@ubdt.demo",
        GlobalRole.organizer,
        "en",
        unit.id,
    )
    assert user.password_hash != "mat-khau-moi"
    assert services.authenticate("NGUOI.MOI@ubdt.demo ", "mat-khau-moi") is user
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))


def test_only_an_admin_creates_accounts(db, make):
    member = make.user()
    before = count(db, User)
    with pytest.raises(PermissionDeniedError):
        services.create_user(actor=member, data=user_data(member.unit))
    assert count(db, User) == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "taken@ubdt.demo"}, "email", "exists already"),
        ({"email": "TAKEN@ubdt.demo"}, "email", "exists already"),
        ({"email": "not-an-address"}, "email", "not a valid e-mail address"),
        ({"full_name": "N" * 201}, "full_name", "At most 200 characters"),
        ({"full_name": ""}, "full_name", "This field is required."),
        ({"position": "P" * 201}, "position", "At most 200 characters"),
        ({"unit_id": 999_999}, "unit_id", "Choose an existing unit."),
        ({"unit_id": None}, "unit_id", "Choose an existing unit."),
        ({"role": "superuser"}, "role", "Unknown role."),
        ({"locale": "fr"}, "locale", "Choose Vietnamese or English."),
        ({"password": "short"}, "password", "at least 8 characters"),
        ({"password": None}, "password", "at least 8 characters"),
    ],
)
def test_bad_account_data_is_refused_with_a_field_message(db, make, changes, field, message):
    admin = make.admin()
    make.user(email="taken@ubdt.demo")
    db.session.commit()
    before = count(db, User)
    with pytest.raises(ValidationError) as caught:
        services.create_user(actor=admin, data=user_data(admin.unit, **changes))
    assert message in field_message(caught.value, field)
    db.session.rollback()
    assert count(db, User) == before


def test_update_user_keeps_the_password_unless_a_new_one_is_given(db, make):
    admin = make.admin()
    person = make.user()
    old_hash = person.password_hash
    services.update_user(actor=admin, user=person, data={"full_name": "Tên Mới", "password": ""})
    assert (person.full_name, person.password_hash) == ("Tên Mới", old_hash)
    services.update_user(actor=admin, user=person, data={"password": "mat-khau-thu-hai"})
    assert person.check_password("mat-khau-thu-hai")


def test_update_user_may_keep_the_same_email_but_not_take_another(db, make):
    admin = make.admin()
    person = make.user(email="mot@ubdt.demo")
    make.user(email="hai@ubdt.demo")
    services.update_user(actor=admin, user=person, data={"email": "MOT@ubdt.demo"})
    with pytest.raises(ValidationError) as caught:
        services.update_user(actor=admin, user=person, data={"email": "hai@ubdt.demo"})
    assert "exists already" in field_message(caught.value, "email")
    assert person.email == "mot@ubdt.demo"


@pytest.mark.parametrize("changes", [{"role": "member"}, {"active": False}])
def test_an_admin_cannot_take_away_their_own_rights(db, make, changes):
    admin = make.admin()
    with pytest.raises(ValidationError) as caught:
        services.update_user(actor=admin, user=admin, data=changes)
    assert "your own administrator rights" in field_message(caught.value, "role")
    assert admin.role == GlobalRole.admin and admin.active


def test_list_users_filters_by_unit_and_loads_the_units(db, make, query_counter):
    unit = make.unit()
    make.user(unit=unit, full_name="B")
    make.user(unit=unit, full_name="A")
    for _ in range(3):
        make.user()
    unit_id = unit.id
    db.session.commit()
    db.session.expunge_all()
    assert [u.full_name for u in services.list_users(unit_id)] == ["A", "B"]
    db.session.expunge_all()
    with query_counter() as statements:
        names = [person.unit.name_vi for person in services.list_users()]
    assert len(names) == 5
    assert len(statements) == 2  # the people, then their units


# --- profile, password, log-in -----------------------------------------------------


def test_update_profile_changes_only_what_a_person_may_change(db, make):
    person = make.user(email="me@ubdt.demo")
    services.update_profile(
        actor=person,
        data={
            "full_name": "Tên Tôi",
            "position": "",
            "locale": "en",
            "role": "admin",
            "email": "other@ubdt.demo",
            "unit_id": 999,
            "active": False,
        },
    )
    assert (person.full_name, person.position, person.locale) == ("Tên Tôi", None, "en")
    assert (person.role, person.email, person.active) == (GlobalRole.member, "me@ubdt.demo", True)


def test_update_profile_refuses_an_unknown_language(db, make):
    person = make.user(locale="vi")
    with pytest.raises(ValidationError) as caught:
        services.update_profile(actor=person, data={"locale": "xx"})
    assert "Choose Vietnamese or English." in field_message(caught.value, "locale")
    assert person.locale == "vi"


def test_change_password(db, make):
    person = make.user()
    with pytest.raises(ValidationError) as caught:
        services.change_password(actor=person, current="wrong-password", new="mat-khau-moi")
    assert "current password is not right" in field_message(caught.value, "current_password")
    with pytest.raises(ValidationError) as caught:
        services.change_password(actor=person, current=PASSWORD, new="ngan")
    assert "at least 8 characters" in field_message(caught.value, "new_password")
    assert person.check_password(PASSWORD)

    services.change_password(actor=person, current=PASSWORD, new="mat-khau-moi")
    assert person.check_password("mat-khau-moi") and not person.check_password(PASSWORD)


def test_authenticate(db, make):
    person = make.user(email="co.ten@ubdt.demo")
    make.user(email="nghi.viec@ubdt.demo", active=False)
    assert services.authenticate("co.ten@ubdt.demo", PASSWORD) is person
    assert services.authenticate(" Co.Ten@UBDT.demo", PASSWORD) is person
    assert services.authenticate("co.ten@ubdt.demo", "wrong-password") is None
    assert services.authenticate("co.ten@ubdt.demo", "") is None
    assert services.authenticate("nobody@ubdt.demo", PASSWORD) is None
    assert services.authenticate("nghi.viec@ubdt.demo", PASSWORD) is None
    assert services.authenticate(None, None) is None


# --- tokens ------------------------------------------------------------------------


def test_an_api_token_is_stored_as_a_hash_and_identifies_its_owner(db, make):
    person = make.user()
    token, secret = services.issue_api_token(actor=person, name="Báo cáo tự động")
    assert secret.startswith("mtg_") and len(secret) > 40
    assert token.prefix == secret[:10]
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert secret not in stored and len(stored) == 1
    assert token.last_used_at is None

    assert services.user_for_api_token(secret) is person
    assert token.last_used_at is not None
    assert services.user_for_api_token(secret + "x") is None
    assert services.user_for_api_token("") is None
    assert services.user_for_api_token("x" * 500) is None


def test_a_revoked_token_or_an_inactive_owner_is_refused(db, make):
    person = make.user()
    kept, kept_secret = services.issue_api_token(actor=person, name="kept")
    revoked, revoked_secret = services.issue_api_token(actor=person, name="revoked")
    services.revoke_api_token(actor=person, token_id=revoked.id)
    assert revoked.revoked_at is not None
    assert services.user_for_api_token(revoked_secret) is None
    assert services.user_for_api_token(kept_secret) is person
    assert [t.name for t in services.list_api_tokens(actor=person)] == ["kept"]

    person.active = False
    assert services.user_for_api_token(kept_secret) is None


def test_api_token_names_are_checked(db, make):
    person = make.user()
    for name, message in (("", "This field is required."), ("n" * 81, "At most 80 characters")):
        with pytest.raises(ValidationError) as caught:
            services.issue_api_token(actor=person, name=name)
        assert message in field_message(caught.value, "name")
    assert count(db, ApiToken) == 0


def test_nobody_revokes_someone_elses_token(db, make):
    owner, other, admin = make.user(), make.user(), make.admin()
    token, secret = services.issue_api_token(actor=owner, name="mine")
    for intruder in (other, admin):
        with pytest.raises(NotFoundError):
            services.revoke_api_token(actor=intruder, token_id=token.id)
    with pytest.raises(NotFoundError):
        services.revoke_api_token(actor=owner, token_id=999_999)
    assert services.user_for_api_token(secret) is owner


def test_tokens_are_listed_newest_first(db, make):
    person = make.user()
    for name in ("first", "second", "third"):
        services.issue_api_token(actor=person, name=name)
    services.issue_api_token(actor=make.user(), name="someone else's")
    assert [t.name for t in services.list_api_tokens(actor=person)] == ["third", "second", "first"]


def test_a_new_feed_token_replaces_the_old_one(db, make):
    person = make.user()
    old = person.feed_token
    assert services.user_for_feed_token(old) is person
    new = services.regenerate_feed_token(actor=person)
    assert new != old and len(new) >= 40
    assert services.user_for_feed_token(old) is None
    assert services.user_for_feed_token(new) is person
    person.active = False
    assert services.user_for_feed_token(new) is None
