"""Conference pages through the test client: list, calendar, the conference page, its forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import User
from meetings.conferences.models import (
    Attendance,
    Conference,
    ConferenceRole,
    ConferenceStatus,
    Participant,
    Rsvp,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class Scene:
    """A scheduled conference with one person in each role; plain ids, safe across requests."""

    conference: int
    organizer: User
    chair: User
    secretary: User
    delegate: User
    unit_member: User
    outsider: User
    admin: User
    delegate_p: int
    unit_p: int
    remote_p: int
    unit: int
    spare_unit: int


def build_scene(db, make, status=ConferenceStatus.scheduled, starts_at=None) -> Scene:
    host = make.unit(code="VP", name_vi="Văn phòng Ủy ban", name_en="Committee Office")
    organizer = make.organizer(unit=host, full_name="Nguyễn Thị Thu")
    chair = make.user(full_name="Hà Hùng", position="Thứ trưởng")
    conference = make.conference(
        organizer=organizer,
        chair=chair,
        status=status,
        title="Hội nghị sơ kết 6 tháng đầu năm 2016",
        starts_at=starts_at or datetime(2016, 9, 20, 8, 15, tzinfo=UTC),
        ends_at=(starts_at or datetime(2016, 9, 20, 8, 15, tzinfo=UTC))
        + timedelta(hours=2, minutes=15),
        venue="Hội trường tầng 2",
        description="Dòng một\n<script>alert(1)</script>",
    )
    secretary = make.user(full_name="Phạm Văn Long")
    make.participant(conference, user=secretary, role=ConferenceRole.secretary)
    delegate = make.user(full_name="Lê Thị Hoa")
    delegate_p = make.participant(conference, user=delegate)
    unit = make.unit(code="TCCB", name_vi="Vụ Tổ chức cán bộ", name_en="Personnel Department")
    unit_member = make.user(unit=unit, full_name="Trần Minh Đức")
    unit_p = make.participant(conference, unit=unit, headcount=4)
    remote_unit = make.unit(
        code="DP3", name_vi="Vụ Địa phương III", name_en="Regional Department III", city="Đà Nẵng"
    )
    remote_p = make.participant(
        conference, unit=remote_unit, attendance=Attendance.remote, headcount=5
    )
    spare = make.unit(code="PC", name_vi="Vụ Pháp chế", name_en="Legal Department")
    scene = Scene(
        conference.id,
        organizer,
        chair,
        secretary,
        delegate,
        unit_member,
        make.user(full_name="Người Ngoài"),
        make.admin(full_name="Quản Trị"),
        delegate_p.id,
        unit_p.id,
        remote_p.id,
        unit.id,
        spare.id,
    )
    db.session.commit()
    return scene


@pytest.fixture
def scene(db, make) -> Scene:
    return build_scene(db, make)


def fresh(db, model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def page(response) -> str:
    return response.get_data(as_text=True)


# --- home, list ------------------------------------------------------------------


def test_home_redirects_to_the_list(client):
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/conferences")


def test_list_shows_upcoming_and_past_with_zone_and_status(db, make, client, login_as):
    organizer = make.organizer(locale="vi")
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    make.conference(organizer=organizer, title="Sắp họp", starts_at=soon)
    make.conference(
        organizer=organizer,
        title="Đã họp",
        status=ConferenceStatus.concluded,
        starts_at=datetime(2016, 9, 20, 8, 15, tzinfo=UTC),
    )
    db.session.commit()
    login_as(organizer)

    upcoming = page(client.get("/conferences"))
    assert "Sắp họp" in upcoming and "Đã họp" not in upcoming
    assert soon.astimezone(HCM).strftime("%d/%m/%Y") in upcoming
    assert 'data-status="scheduled"' in upcoming
    assert 'href="/conferences/new"' in upcoming

    past = page(client.get("/conferences?when=past"))
    assert "Đã họp" in past and "Sắp họp" not in past
    assert "20/09/2016" in past and "15:15–18:15" in past and "UTC+07:00" in past
    assert 'data-status="concluded"' in past


def test_list_filters_by_unit(db, make, client, login_as):
    organizer = make.organizer()
    soon = datetime.now(UTC) + timedelta(days=3)
    with_unit = make.conference(organizer=organizer, title="Có Vụ Pháp chế", starts_at=soon)
    make.conference(organizer=organizer, title="Không có", starts_at=soon)
    legal = make.unit(code="PC")
    make.participant(with_unit, unit=legal)
    db.session.commit()
    login_as(organizer)
    body = page(client.get(f"/conferences?unit={legal.id}"))
    assert "Có Vụ Pháp chế" in body and "Không có" not in body
    assert f'<option value="{legal.id}" selected>' in body


def test_empty_list_tells_what_to_do(db, make, client, login_as):
    member = make.user()
    organizer = make.organizer()
    db.session.commit()
    login_as(member)
    body = page(client.get("/conferences?lang=en"))
    assert "No upcoming conferences." in body and "When you or your unit are invited" in body
    assert 'href="/conferences/new"' not in body
    login_as(organizer)
    body = page(client.get("/conferences?lang=en"))
    assert "Schedule one with the button above" in body
    assert "No past conferences yet." in page(client.get("/conferences?when=past&lang=en"))


# --- calendar ----------------------------------------------------------------------


def test_calendar_shows_conferences_on_their_local_day(db, make, client, login_as):
    organizer = make.organizer()
    # 23:30 in Hanoi on 30 September is still 30 September there (16:30 UTC).
    make.conference(
        organizer=organizer,
        title="Họp tối",
        starts_at=datetime(2016, 9, 30, 16, 30, tzinfo=UTC),
        ends_at=datetime(2016, 9, 30, 16, 50, tzinfo=UTC),
    )
    make.conference(
        organizer=organizer,
        title="Họp Paris",
        timezone="Europe/Paris",
        starts_at=datetime(2016, 9, 12, 7, 0, tzinfo=UTC),
    )
    db.session.commit()
    login_as(organizer)
    body = page(client.get("/conferences/calendar?year=2016&month=9&lang=en"))
    assert "September 2016" in body
    cells = body.split('data-date="')
    day = {cell[:10]: cell for cell in cells[1:]}
    assert "Họp tối" in day["2016-09-30"].split("</td>")[0]
    assert (
        "23:30" in day["2016-09-30"].split("</td>")[0]
        or "11:30" in day["2016-09-30"].split("</td>")[0]
    )
    assert "Họp Paris" in day["2016-09-12"].split("</td>")[0]
    assert "9:00" in day["2016-09-12"].split("</td>")[0]  # Paris summer time, not UTC
    # Monday first: the grid opens on Monday 29 August.
    assert cells[1][:10] == "2016-08-29"
    assert body.index(">Monday<") < body.index(">Sunday<")
    assert "year=2016&amp;month=8" in body and "year=2016&amp;month=10" in body


def test_calendar_in_vietnamese_and_today(db, make, client, login_as):
    member = make.user(locale="vi")
    db.session.commit()
    login_as(member)
    body = page(client.get("/conferences/calendar?year=2016&month=9"))
    assert "Tháng 9" in body or "tháng 9" in body
    assert "Thứ Hai" in body
    today = datetime.now(HCM).date()
    body = page(client.get("/conferences/calendar"))
    assert f'data-date="{today.isoformat()}" aria-current="date"' in body
    assert 'data-testid="calendar-empty"' in body


def test_calendar_across_the_year_and_bad_month(db, make, client, login_as):
    member = make.user()
    db.session.commit()
    login_as(member)
    body = page(client.get("/conferences/calendar?year=2016&month=12"))
    assert "year=2017&amp;month=1" in body and "year=2016&amp;month=11" in body
    assert client.get("/conferences/calendar?year=2016&month=13").status_code == 422


def test_calendar_filters_by_unit(db, make, client, login_as):
    organizer = make.organizer()
    on_day = datetime(2016, 9, 20, 8, 15, tzinfo=UTC)
    first = make.conference(organizer=organizer, title="Họp Alpha", starts_at=on_day)
    make.conference(organizer=organizer, title="Họp Beta", starts_at=on_day)
    unit = make.unit()
    make.participant(first, unit=unit)
    db.session.commit()
    login_as(organizer)
    body = page(client.get(f"/conferences/calendar?year=2016&month=9&unit={unit.id}"))
    assert "Họp Alpha" in body and "Họp Beta" not in body


# --- the conference page -------------------------------------------------------------


def test_conference_page_shows_every_detail(scene, client, login_as, db):
    login_as(scene.delegate)
    response = client.get(f"/conferences/{scene.conference}?lang=en")
    body = page(response)
    assert response.status_code == 200
    for text in (
        "Hội nghị sơ kết 6 tháng đầu năm 2016",
        "Semi-annual review",
        "Committee Office",
        "Hội trường tầng 2",
        "Asia/Ho_Chi_Minh",
        "UTC+07:00",
        "Hà Hùng",
        "Thứ trưởng",
        "Tuesday",
        "3:15",
        "5:30",
    ):
        assert text in body, text
    # The description is plain text: escaped, line breaks kept by CSS.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert 'class="text-prewrap conference-description">Dòng một\n' in body
    # Participants grouped: people and units in the room, remote sites.
    groups = [part.split('"')[0] for part in body.split('data-group="')[1:]]
    assert groups == ["people", "units", "remote"]
    assert (
        "Personnel Department" in body and "Regional Department III" in body and "Đà Nẵng" in body
    )
    assert f'href="/conferences/{scene.conference}.ics"' in body
    # A delegate sees no organizer tools, only their own answer form.
    assert "/invitations" not in body and "/edit" not in body and "/status" not in body
    assert (
        f'action="/conferences/{scene.conference}/participants/{scene.delegate_p}/answer"' in body
    )
    assert "/check-in" not in body


def test_organizer_sees_the_tools(scene, client, login_as):
    login_as(scene.organizer)
    body = page(client.get(f"/conferences/{scene.conference}"))
    assert f'action="/conferences/{scene.conference}/invitations"' in body
    assert f'href="/conferences/{scene.conference}/edit"' in body
    assert 'data-testid="to-live"' in body and 'data-testid="to-draft"' in body
    assert f"/participants/{scene.unit_p}/check-in" in body
    assert f"/participants/{scene.remote_p}/check-in" not in body  # remote sites are not checked in
    assert 'id="manage-modal"' in body


def test_chair_sees_only_opening_and_secretary_sees_check_in(scene, client, login_as):
    login_as(scene.chair)
    body = page(client.get(f"/conferences/{scene.conference}"))
    assert 'data-testid="to-live"' in body and 'data-testid="to-draft"' not in body
    assert "/check-in" not in body and "/edit" not in body
    login_as(scene.secretary)
    body = page(client.get(f"/conferences/{scene.conference}"))
    assert "/status" not in body and f"/participants/{scene.delegate_p}/check-in" in body


def test_unit_member_answers_for_the_unit_from_the_page(scene, client, login_as, db):
    login_as(scene.unit_member)
    body = page(client.get(f"/conferences/{scene.conference}"))
    assert f'action="/conferences/{scene.conference}/participants/{scene.unit_p}/answer"' in body
    response = client.post(
        f"/conferences/{scene.conference}/participants/{scene.unit_p}/answer",
        data={"answer": "substitute", "substitute_name": "Nguyễn Văn Bình"},
    )
    assert response.status_code == 302
    participant = fresh(db, Participant, scene.unit_p)
    assert participant.rsvp == Rsvp.substitute and participant.substitute_name == "Nguyễn Văn Bình"
    body = page(client.get(response.location))
    assert "Nguyễn Văn Bình" in body


def test_answer_without_substitute_name_shows_the_form_again(scene, client, login_as, db):
    login_as(scene.delegate)
    response = client.post(
        f"/conferences/{scene.conference}/participants/{scene.delegate_p}/answer",
        data={"answer": "substitute", "substitute_name": "", "note": "Bận"},
    )
    assert response.status_code == 422
    body = page(response)
    assert "This field is required." in body and 'value="Bận"' in body
    assert fresh(db, Participant, scene.delegate_p).rsvp == Rsvp.pending
    response = client.post(
        f"/conferences/{scene.conference}/participants/{scene.delegate_p}/answer", data={}
    )
    assert response.status_code == 422 and "Choose an answer." in page(response)


def test_decline_with_a_note(scene, client, login_as, db):
    login_as(scene.delegate)
    client.post(
        f"/conferences/{scene.conference}/participants/{scene.delegate_p}/answer",
        data={"answer": "declined", "note": "Đi công tác"},
    )
    participant = fresh(db, Participant, scene.delegate_p)
    assert participant.rsvp == Rsvp.declined and participant.rsvp_note == "Đi công tác"


def test_check_in_and_undo(scene, client, login_as, db):
    login_as(scene.secretary)
    url = f"/conferences/{scene.conference}/participants/{scene.unit_p}/check-in"
    response = client.post(url, data={"present": "1"})
    assert response.status_code == 302
    assert fresh(db, Participant, scene.unit_p).checked_in
    body = page(client.get(f"/conferences/{scene.conference}"))
    assert 'data-testid="checked-in">1 / 5' in body
    client.post(url, data={"present": "0"})
    assert not fresh(db, Participant, scene.unit_p).checked_in


def test_check_in_of_a_remote_site_is_refused_with_a_message(scene, client, login_as, db):
    login_as(scene.secretary)
    url = f"/conferences/{scene.conference}/participants/{scene.remote_p}/check-in"
    response = client.post(url, data={"present": "1"})
    assert response.status_code == 422 and "Remote sites are not checked in" in page(response)
    referred = client.post(
        url,
        data={"present": "1"},
        headers={"Referer": f"http://localhost/conferences/{scene.conference}"},
    )
    assert referred.status_code == 302
    assert "Remote sites are not checked in" in page(client.get(referred.location))
    assert not fresh(db, Participant, scene.remote_p).checked_in


def test_unknown_participant_is_404(scene, client, login_as):
    login_as(scene.organizer)
    response = client.post(f"/conferences/{scene.conference}/participants/99999/check-in")
    assert response.status_code == 404


# --- invitations -------------------------------------------------------------------


def test_invite_a_unit_as_remote_site(scene, client, login_as, db):
    login_as(scene.organizer)
    response = client.post(
        f"/conferences/{scene.conference}/invitations",
        data={
            "invitee": "unit",
            "unit_id": scene.spare_unit,
            "role": "delegate",
            "attendance": "remote",
            "headcount": "6",
        },
    )
    assert response.status_code == 302
    invited = db.session.scalar(
        select(Participant).where(
            Participant.conference_id == scene.conference, Participant.unit_id == scene.spare_unit
        )
    )
    assert (
        invited.user_id is None
        and invited.attendance == Attendance.remote
        and invited.headcount == 6
    )
    assert "Legal Department" in page(
        client.get(
            response.location + "&lang=en"
            if "?" in response.location
            else f"/conferences/{scene.conference}?lang=en"
        )
    )


def test_invite_a_person(scene, client, login_as, db, make):
    person = make.user(full_name="Võ Thanh Tâm")
    db.session.commit()
    login_as(scene.organizer)
    response = client.post(
        f"/conferences/{scene.conference}/invitations",
        data={
            "invitee": "person",
            "user_id": person.id,
            "role": "presenter",
            "attendance": "in_room",
        },
    )
    assert response.status_code == 302
    invited = db.session.scalar(select(Participant).where(Participant.user_id == person.id))
    assert invited.role == ConferenceRole.presenter and invited.conference_id == scene.conference


def test_inviting_twice_is_a_conflict(scene, client, login_as, db):
    login_as(scene.organizer)
    before = count(db, Participant)
    data = {"invitee": "unit", "unit_id": scene.unit, "role": "delegate", "attendance": "in_room"}
    response = client.post(f"/conferences/{scene.conference}/invitations", data=data)
    assert response.status_code == 409 and "is invited already" in page(response)
    referred = client.post(
        f"/conferences/{scene.conference}/invitations",
        data=data,
        headers={"Referer": f"http://localhost/conferences/{scene.conference}"},
    )
    assert referred.status_code == 302
    assert "is invited already" in page(client.get(referred.location))
    assert count(db, Participant) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"invitee": "unit", "unit_id": "99999"}, "Unknown unit."),
        ({"invitee": "unit", "unit_id": ""}, "Choose a unit to invite."),
        ({"invitee": "person", "user_id": "99999"}, "Unknown person."),
        ({"invitee": "unit", "unit_id": "SPARE", "headcount": "0"}, "between 1 and 500"),
        ({"invitee": "unit", "unit_id": "SPARE", "headcount": "501"}, "between 1 and 500"),
        ({"invitee": "unit", "unit_id": "SPARE", "headcount": "ba"}, "Enter a whole number."),
        ({"invitee": "unit", "unit_id": "SPARE", "role": "organizer"}, "roles of a person"),
        ({"invitee": "unit", "unit_id": "SPARE", "attendance": "balcony"}, "in the room or remote"),
    ],
)
def test_bad_invitations_show_the_form_again_and_store_nothing(
    scene, client, login_as, db, data, message
):
    login_as(scene.organizer)
    before = count(db, Participant)
    data = {"role": "delegate", "attendance": "in_room", **data}
    if data.get("unit_id") == "SPARE":
        data["unit_id"] = scene.spare_unit
    response = client.post(f"/conferences/{scene.conference}/invitations?lang=en", data=data)
    assert response.status_code == 422
    body = page(response)
    assert message in body and "The invitation was not sent" in body
    assert 'id="invite-panel"' in body and 'class="collapse show' in body
    assert count(db, Participant) == before


def test_change_and_withdraw_an_invitation(scene, client, login_as, db):
    login_as(scene.organizer)
    base = f"/conferences/{scene.conference}/participants/{scene.unit_p}"
    response = client.post(
        f"{base}/update", data={"role": "observer", "attendance": "remote", "headcount": "2"}
    )
    assert response.status_code == 302
    participant = fresh(db, Participant, scene.unit_p)
    assert (participant.role, participant.attendance, participant.headcount) == (
        ConferenceRole.observer,
        Attendance.remote,
        2,
    )
    response = client.post(f"{base}/update", data={"role": "chair", "attendance": "remote"})
    assert response.status_code == 422 and "roles of a person" in page(response)
    response = client.post(
        f"{base}/update", data={"role": "observer", "attendance": "remote", "headcount": "-1"}
    )
    assert response.status_code == 422
    assert fresh(db, Participant, scene.unit_p).headcount == 2
    response = client.post(f"{base}/remove")
    assert response.status_code == 302
    assert fresh(db, Participant, scene.unit_p) is None


def test_organizer_records_an_answer_for_a_remote_site(scene, client, login_as, db):
    login_as(scene.organizer)
    client.post(
        f"/conferences/{scene.conference}/participants/{scene.remote_p}/answer",
        data={"answer": "attending", "note": "Qua điện thoại"},
    )
    participant = fresh(db, Participant, scene.remote_p)
    assert participant.rsvp == Rsvp.attending and participant.responded_by_id == scene.organizer.id


# --- lifecycle -----------------------------------------------------------------------


def test_chair_opens_and_closes_the_conference(scene, client, login_as, db):
    login_as(scene.chair)
    response = client.post(f"/conferences/{scene.conference}/status", data={"to": "live"})
    assert response.status_code == 302
    assert fresh(db, Conference, scene.conference).status == ConferenceStatus.live
    assert "Live" in page(client.get(response.location + "?lang=en"))
    client.post(f"/conferences/{scene.conference}/status", data={"to": "concluded"})
    assert fresh(db, Conference, scene.conference).status == ConferenceStatus.concluded
    response = client.post(f"/conferences/{scene.conference}/status", data={"to": "archived"})
    assert response.status_code == 403
    assert fresh(db, Conference, scene.conference).status == ConferenceStatus.concluded


def test_a_move_outside_the_lifecycle_is_a_conflict(scene, client, login_as, db):
    login_as(scene.organizer)
    response = client.post(f"/conferences/{scene.conference}/status", data={"to": "archived"})
    assert response.status_code == 409
    response = client.post(f"/conferences/{scene.conference}/status", data={"to": "nonsense"})
    assert response.status_code == 422
    assert fresh(db, Conference, scene.conference).status == ConferenceStatus.scheduled


def test_draft_is_hidden_from_invitees(db, make, client, login_as):
    scene = build_scene(db, make, status=ConferenceStatus.draft)
    login_as(scene.delegate)
    assert client.get(f"/conferences/{scene.conference}").status_code == 404
    login_as(scene.organizer)
    body = page(client.get(f"/conferences/{scene.conference}?lang=en"))
    assert "Schedule and send invitations" in body


# --- creating and editing ---------------------------------------------------------------


def _form(unit_id, **overrides):
    data = {
        "title": "Hội nghị chuyên đề",
        "kind": "thematic",
        "host_unit_id": str(unit_id),
        "venue": "Phòng họp số 3",
        "starts_at": "2016-09-20T15:15",
        "ends_at": "2016-09-20T17:30",
        "timezone": "Asia/Ho_Chi_Minh",
        "chair_id": "",
        "description": "Nội dung\nhai dòng",
        "video_bridge_url": "",
        "period_start": "2016-01-01",
        "period_end": "2016-06-30",
    }
    data.update(overrides)
    return data


def test_new_form_defaults(db, make, client, login_as):
    organizer = make.organizer()
    db.session.commit()
    login_as(organizer)
    body = page(client.get("/conferences/new"))
    assert 'type="datetime-local"' in body
    assert '<option selected value="Asia/Ho_Chi_Minh">' in body
    assert f'<option selected value="{organizer.unit_id}">' in body


def test_create_a_conference(db, make, client, login_as):
    organizer = make.organizer()
    chair = make.user()
    db.session.commit()
    login_as(organizer)
    response = client.post(
        "/conferences/new", data=_form(organizer.unit_id, chair_id=str(chair.id))
    )
    assert response.status_code == 302
    conference = db.session.scalar(select(Conference))
    assert response.location.endswith(f"/conferences/{conference.id}")
    assert conference.starts_at == datetime(2016, 9, 20, 8, 15, tzinfo=UTC)
    assert conference.ends_at == datetime(2016, 9, 20, 10, 30, tzinfo=UTC)
    assert conference.period_start == date(2016, 1, 1) and conference.chair_id == chair.id
    assert conference.status == ConferenceStatus.draft and conference.timezone == "Asia/Ho_Chi_Minh"
    roles = {p.user_id: p.role for p in conference.participants}
    assert roles == {organizer.id: ConferenceRole.organizer, chair.id: ConferenceRole.chair}


def test_create_in_another_time_zone(db, make, client, login_as):
    organizer = make.organizer(locale="vi")
    db.session.commit()
    login_as(organizer)
    client.post("/conferences/new", data=_form(organizer.unit_id, timezone="Europe/Paris"))
    conference = db.session.scalar(select(Conference))
    assert conference.starts_at == datetime(2016, 9, 20, 13, 15, tzinfo=UTC)
    body = page(client.get(f"/conferences/{conference.id}"))
    assert "Europe/Paris" in body and "UTC+02:00" in body and "15:15" in body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "2016-09-20T15:00"}, "ends_at", "The end must come after the start."),
        ({"host_unit_id": "99999"}, "host_unit_id", "Choose an existing host unit."),
        ({"title": "x" * 301}, "title", "At most 300 characters"),
        ({"title": ""}, "title", "This field is required."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone"),
        ({"chair_id": "99999"}, "chair_id", "Choose an existing person as chair."),
        ({"starts_at": "20/09/2016"}, "starts_at", "Enter a date and time"),
        ({"video_bridge_url": "ftp://x"}, "video_bridge_url", "https://"),
        ({"period_end": "2015-12-31"}, "period_end", "must end after it starts"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(
    db, make, client, login_as, overrides, field, message
):
    organizer = make.organizer()
    db.session.commit()
    login_as(organizer)
    response = client.post("/conferences/new?lang=en", data=_form(organizer.unit_id, **overrides))
    assert response.status_code == 422
    body = page(response)
    assert message in body
    assert "Nothing was saved" in body or "is-invalid" in body
    # the message sits next to its field
    assert (
        f'id="{field}"' in body.split(message)[0].rsplit("<label", 1)[-1]
        or f'name="{field}"' in body.split(message)[0][-1500:]
    )
    assert count(db, Conference) == 0 and count(db, Participant) == 0


def test_edit_form_shows_local_times_and_saves(scene, client, login_as, db):
    login_as(scene.organizer)
    body = page(client.get(f"/conferences/{scene.conference}/edit"))
    assert 'value="2016-09-20T15:15"' in body and 'value="2016-09-20T17:30"' in body
    conference = fresh(db, Conference, scene.conference)
    version = conference.version
    assert f'name="version" type="hidden" value="{version}"' in body
    data = _form(
        conference.host_unit_id,
        title="Tên mới",
        chair_id=str(scene.chair.id),
        starts_at="2016-09-21T08:00",
        ends_at="2016-09-21T11:00",
        version=str(version),
    )
    response = client.post(f"/conferences/{scene.conference}/edit", data=data)
    assert response.status_code == 302
    conference = fresh(db, Conference, scene.conference)
    assert conference.title == "Tên mới" and conference.version == version + 1
    assert conference.starts_at == datetime(2016, 9, 21, 1, 0, tzinfo=UTC)


def test_a_stale_edit_is_a_conflict_that_shows_the_current_values(scene, client, login_as, db):
    login_as(scene.organizer)
    conference = fresh(db, Conference, scene.conference)
    stale = conference.version
    base = _form(conference.host_unit_id, chair_id=str(scene.chair.id), version=str(stale))
    assert (
        client.post(
            f"/conferences/{scene.conference}/edit", data={**base, "title": "Lần sửa thứ nhất"}
        ).status_code
        == 302
    )
    response = client.post(
        f"/conferences/{scene.conference}/edit?lang=en", data={**base, "title": "Lần sửa thứ hai"}
    )
    assert response.status_code == 409
    body = page(response)
    assert "Someone else saved this conference" in body
    assert 'value="Lần sửa thứ nhất"' in body  # the form holds what is saved now
    assert "Lần sửa thứ hai" in body  # and the person's own entry is shown beside it
    assert f'type="hidden" value="{stale + 1}"' in body
    assert fresh(db, Conference, scene.conference).title == "Lần sửa thứ nhất"


def test_edit_refusals(scene, client, login_as, db, make):
    login_as(scene.delegate)
    assert client.get(f"/conferences/{scene.conference}/edit").status_code == 403
    login_as(scene.chair)
    assert client.get(f"/conferences/{scene.conference}/edit").status_code == 403
    member = make.user()
    db.session.commit()
    login_as(member)
    assert client.get("/conferences/new").status_code == 403
    assert client.post("/conferences/new", data=_form(member.unit_id)).status_code == 403
    assert count(db, Conference) == 1


def test_a_concluded_conference_cannot_be_edited(db, make, client, login_as):
    scene = build_scene(db, make, status=ConferenceStatus.concluded)
    login_as(scene.organizer)
    response = client.get(f"/conferences/{scene.conference}/edit")
    assert response.status_code == 302
    body = page(client.get(response.location + "?lang=en"))
    assert "can no longer be edited" in body and f"/conferences/{scene.conference}/edit" not in body
    response = client.post(f"/conferences/{scene.conference}/edit", data=_form(1, version="1"))
    assert response.status_code in (302, 409)
    assert fresh(db, Conference, scene.conference).title == "Hội nghị sơ kết 6 tháng đầu năm 2016"


# --- query count ---------------------------------------------------------------------


def _big_conference(db, make, people: int, units: int):
    organizer = make.organizer()
    conference = make.conference(
        organizer=organizer, chair=make.user(), starts_at=datetime(2016, 9, 20, 8, 15, tzinfo=UTC)
    )
    for index in range(people):
        make.participant(
            conference, user=make.user(), rsvp=Rsvp.attending if index % 2 else Rsvp.pending
        )
    for index in range(units):
        make.participant(
            conference,
            unit=make.unit(city="Hà Nội"),
            headcount=3,
            attendance=Attendance.remote if index % 3 == 0 else Attendance.in_room,
        )
    db.session.commit()
    return organizer, conference.id


def _queries_for_page(db, make, client, login_as, query_counter, people, units):
    organizer, conference_id = _big_conference(db, make, people, units)
    login_as(organizer)
    with query_counter() as statements:
        response = client.get(f"/conferences/{conference_id}")
    assert response.status_code == 200
    assert page(response).count('data-pid="') == people + units + 2
    return len(statements)


def test_conference_page_query_count_does_not_grow(db, make, client, login_as, query_counter):
    small = _queries_for_page(db, make, client, login_as, query_counter, 9, 9)
    big = _queries_for_page(db, make, client, login_as, query_counter, 100, 100)
    assert big <= 13, big  # 12 for the page, 1 for the inbox badge of the navbar
    assert big == small


def test_conference_page_with_200_participants_sends_few_bytes_compressed(
    db, make, client, login_as
):
    """A regional office on a slow link: the page travels compressed, and stays small."""
    organizer, conference_id = _big_conference(db, make, 100, 100)
    login_as(organizer)
    plain = client.get(f"/conferences/{conference_id}")
    packed = client.get(f"/conferences/{conference_id}", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"].lower().count("accept-encoding") == 1
    assert len(packed.get_data()) < 40_000, len(packed.get_data())
    assert len(plain.get_data()) < 400_000, len(plain.get_data())


def test_an_empty_upcoming_list_offers_the_most_recent_conferences(db, make, client, login_as):
    organizer = make.organizer()
    make.conference(
        organizer=organizer,
        title="Sơ kết 6 tháng đầu năm 2016",
        status=ConferenceStatus.concluded,
        starts_at=datetime(2016, 9, 20, 8, 15, tzinfo=UTC),
    )
    db.session.commit()
    login_as(organizer)
    body = page(client.get("/conferences"))
    assert "No upcoming conferences." in body
    assert 'data-testid="recent-conferences"' in body and "Sơ kết 6 tháng đầu năm 2016" in body
    assert 'data-testid="recent-conferences"' not in page(client.get("/conferences?when=past"))
