"""iCalendar: one conference (.ics download) and a person's feed; parsed back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from meetings.conferences.models import ConferenceStatus
from tests.http.test_conferences import build_scene

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def events(response) -> dict:
    calendar = Calendar.from_ical(response.data)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_conference_ics_has_local_times_with_their_zone(db, make, client, login_as):
    scene = build_scene(db, make)
    login_as(scene.delegate)
    response = client.get(f"/conferences/{scene.conference}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert (
        f"filename=conference-{scene.conference}-hoi-nghi-so-ket-6-thang-dau-nam-2016.ics"
        in disposition
    )

    text = response.get_data(as_text=True)
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:20160920T151500" in text
    assert "DTEND;TZID=Asia/Ho_Chi_Minh:20160920T173000" in text
    calendar = Calendar.from_ical(response.data)
    zones = [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")]
    assert zones == ["Asia/Ho_Chi_Minh"]
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == datetime(2016, 9, 20, 15, 15, tzinfo=HCM)
    assert start.astimezone(UTC) == datetime(2016, 9, 20, 8, 15, tzinfo=UTC)
    assert event["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert str(event["summary"]) == "Hội nghị sơ kết 6 tháng đầu năm 2016"
    assert str(event["location"]) == "Hội trường tầng 2"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["url"]).endswith(f"/conferences/{scene.conference}")
    assert str(event["uid"]) == f"conference-{scene.conference}@localhost"


def test_conference_in_another_zone(db, make, client, login_as):
    organizer = make.organizer()
    conference = make.conference(
        organizer=organizer,
        title="Paris",
        timezone="Europe/Paris",
        starts_at=datetime(2016, 12, 1, 8, 0, tzinfo=UTC),
    )
    db.session.commit()
    login_as(organizer)
    response = client.get(f"/conferences/{conference.id}.ics")
    assert "DTSTART;TZID=Europe/Paris:20161201T090000" in response.get_data(as_text=True)
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2016, 12, 1, 8, 0, tzinfo=UTC)


def test_ics_needs_login_and_the_right_to_see(db, make, client, login_as):
    scene = build_scene(db, make)
    response = client.get(f"/conferences/{scene.conference}.ics")
    assert response.status_code == 302 and "/login" in response.location
    login_as(scene.outsider)
    assert client.get(f"/conferences/{scene.conference}.ics").status_code == 404


def test_feed_lists_only_the_conferences_a_person_may_see(db, make, client):
    scene = build_scene(db, make)
    organizer, delegate = scene.organizer, scene.delegate
    draft = make.conference(
        organizer=organizer,
        status=ConferenceStatus.draft,
        title="Bản nháp",
        starts_at=datetime(2016, 12, 27, 1, 30, tzinfo=UTC),
    )
    make.participant(draft, user=delegate)
    make.conference(
        organizer=make.organizer(),
        title="Không được mời",
        starts_at=datetime(2016, 10, 1, 1, 0, tzinfo=UTC),
    )
    by_unit = make.conference(
        organizer=organizer,
        title="Mời theo đơn vị",
        starts_at=datetime(2016, 11, 1, 1, 0, tzinfo=UTC),
    )
    make.participant(by_unit, unit=delegate.unit)
    db.session.commit()

    response = client.get(f"/calendar/{delegate.feed_token}.ics")  # no login: the token is the key
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert set(events(response)) == {"Hội nghị sơ kết 6 tháng đầu năm 2016", "Mời theo đơn vị"}
    calendar = Calendar.from_ical(response.data)
    assert delegate.full_name in str(calendar["x-wr-calname"])
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]

    own = events(client.get(f"/calendar/{organizer.feed_token}.ics"))
    assert {"Hội nghị sơ kết 6 tháng đầu năm 2016", "Bản nháp", "Mời theo đơn vị"} == set(own)
    assert str(own["Bản nháp"]["status"]) == "TENTATIVE"
    assert own["Bản nháp"].decoded("dtstart") == datetime(
        2016, 12, 27, 8, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")
    )

    assert client.get(f"/calendar/{scene.outsider.feed_token}.ics").status_code == 200
    assert events(client.get(f"/calendar/{scene.outsider.feed_token}.ics")) == {}


def test_unknown_or_inactive_feed_token_is_404(db, make, client):
    scene = build_scene(db, make)
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert client.get("/calendar/" + "x" * 80 + ".ics").status_code == 404
    token = scene.delegate.feed_token
    scene.delegate.active = False
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
