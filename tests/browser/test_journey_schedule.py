"""Journey 1 (JOURNEYS.md): the secretariat schedules the 2016 semi-annual review and invites
Vụ Địa phương III as a remote site; then a member of that office answers the invitation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from meetings.accounts.models import UnitKind
from meetings.conferences.models import Attendance, Conference, ConferenceStatus, Participant, Rsvp
from meetings.i18n import RSVP_LABELS
from tests.browser.helpers import expect, fill_form, log_in, set_field, submit, translated

pytestmark = pytest.mark.browser

TITLE = "Hội nghị sơ kết công tác CCHC và thực hiện QCDC 6 tháng đầu năm 2016"
VENUE = "Hội trường tầng 2, trụ sở Ủy ban Dân tộc, 80 Phan Đình Phùng, Hà Nội"


@pytest.fixture
def committee(make, db):
    """The committee's units and the people of the seed case, committed for the live server."""
    ubdt = make.unit(
        "UBDT",
        name_vi="Ủy ban Dân tộc",
        name_en="Committee for Ethnic Minority Affairs",
        kind=UnitKind.committee,
    )
    office = make.unit(
        "VP", name_vi="Văn phòng Ủy ban", name_en="Office of the Committee", parent=ubdt
    )
    make.unit(
        "TCCB",
        name_vi="Vụ Tổ chức cán bộ",
        name_en="Department of Personnel and Organisation",
        parent=ubdt,
    )
    make.unit(
        "DP2",
        name_vi="Vụ Địa phương II",
        name_en="Regional Department II",
        kind=UnitKind.regional_office,
        parent=ubdt,
    )
    dp3 = make.unit(
        "DP3",
        name_vi="Vụ Địa phương III",
        name_en="Regional Department III",
        kind=UnitKind.regional_office,
        parent=ubdt,
        city="Buôn Ma Thuột",
    )
    organizer = make.organizer(
        unit=office,
        full_name="Nguyễn Thị Thu",
        email="thuky@ubdt.test",
        position="Chuyên viên Văn phòng Ủy ban",
        locale="vi",
    )
    chair = make.user(
        unit=ubdt,
        full_name="Hà Hùng",
        email="hahung@ubdt.test",
        position="Thứ trưởng, Phó Chủ nhiệm",
        locale="vi",
    )
    remote_member = make.user(
        unit=dp3,
        full_name="H'Linh Niê",
        email="dp3@ubdt.test",
        position="Chuyên viên Vụ Địa phương III",
        locale="vi",
    )
    db.session.commit()
    return {
        "office": office,
        "dp3": dp3,
        "organizer": organizer,
        "chair": chair,
        "remote_member": remote_member,
    }


def test_organizer_schedules_the_review_and_invites_a_remote_site(page, committee, db, tmp_path):
    office, dp3, chair = committee["office"], committee["dp3"], committee["chair"]

    log_in(page, committee["organizer"].email)
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    # From the list of conferences to the scheduling form
    page.goto("/conferences")
    page.locator("[data-testid='new-conference']").click()
    expect(page).to_have_url(re.compile(r"/conferences/new$"))
    form = page.locator("form:has([name='title'])")
    fill_form(
        form,
        {
            "title": TITLE,
            "kind": "semi_annual_review",
            "host_unit_id": office.id,
            "venue": VENUE,
            "starts_at": "2016-09-20T15:15",
            "ends_at": "2016-09-20T17:30",
            "timezone": "Asia/Ho_Chi_Minh",
            "chair_id": chair.id,
        },
    )
    submit(form)
    expect(page).to_have_url(re.compile(r"/conferences/\d+$"))
    conference_id = int(page.url.rsplit("/", 1)[1])
    main = page.locator("main")
    expect(main).to_contain_text(TITLE)
    # Shown in the conference's zone (the browser itself is set to Europe/Paris)
    expect(main).to_contain_text("15:15")
    expect(main).to_contain_text("20/09/2016")

    # Invite Vụ Địa phương III as a remote site with five people
    invite = page.locator(f"form[action$='/conferences/{conference_id}/invitations']")
    if not invite.is_visible():  # folded away once the organizer and chair are in the list
        page.locator("[aria-controls='invite-panel']").click()
    expect(invite).to_be_visible()
    set_field(invite, "invitee", "unit")
    fill_form(
        invite, {"unit_id": dp3.id, "role": "delegate", "attendance": "remote", "headcount": 5}
    )
    submit(invite)
    expect(page).to_have_url(re.compile(rf"/conferences/{conference_id}(#.*)?$"))
    expect(main.locator("tr[data-pid]", has_text="Vụ Địa phương III")).to_have_count(1)

    # Schedule it
    page.locator(
        f"form[action$='/conferences/{conference_id}/status'] [data-testid='to-scheduled']"
    ).click()
    expect(main.locator("[data-status='scheduled']").first).to_be_visible()

    db.session.expire_all()
    conference = db.session.get(Conference, conference_id)
    assert conference.status == ConferenceStatus.scheduled
    assert conference.starts_at.astimezone(UTC) == datetime(2016, 9, 20, 8, 15, tzinfo=UTC)
    assert conference.chair_id == chair.id
    site = db.session.scalar(
        select(Participant).where(
            Participant.conference_id == conference_id,
            Participant.unit_id == dp3.id,
            Participant.user_id.is_(None),
        )
    )
    assert site is not None
    assert (site.attendance, site.headcount) == (Attendance.remote, 5)

    # The calendar of September 2016 shows it on the 20th
    page.goto("/conferences/calendar?year=2016&month=9")
    day = page.locator("[data-date='2016-09-20']")
    event = day.locator(f"a[href$='/conferences/{conference_id}']")
    expect(event).to_be_visible()
    expect(event).to_contain_text(TITLE)
    expect(event).to_contain_text("15:15")

    # Switch to English from the navbar; the choice sticks
    month_title = page.locator("[data-testid='month-title']")
    nav_conferences = page.locator("nav.navbar a.nav-link[href$='/conferences']")
    expect(month_title).not_to_have_text("September 2016")  # Vietnamese month name first
    page.locator("[data-testid='language-menu']").click()
    page.locator("form[action$='/language'] button[lang='en']").click()

    def shows_september_in_english():
        expect(page).to_have_url(re.compile(r"/conferences/calendar\?year=2016&month=9$"))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(month_title).to_have_text("September 2016")
        expect(nav_conferences).to_have_text("Conferences")
        expect(event).to_contain_text("3:15 PM")  # English time format, same zone

    shows_september_in_english()
    page.reload()
    shows_september_in_english()

    page.screenshot(path=str(tmp_path / "journey-schedule.png"), full_page=True)


def test_remote_site_member_answers_the_invitation(page, committee, make, db, app):
    dp3 = committee["dp3"]
    conference = make.conference(
        organizer=committee["organizer"],
        chair=committee["chair"],
        status=ConferenceStatus.scheduled,
        title=TITLE,
        venue=VENUE,
    )
    site = make.participant(conference, unit=dp3, attendance=Attendance.remote, headcount=5)
    db.session.commit()
    conference_id, site_id = conference.id, site.id

    log_in(page, committee["remote_member"].email)
    page.goto("/conferences")
    link = page.locator(f"main a[href$='/conferences/{conference_id}']").first
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(rf"/conferences/{conference_id}$"))

    row = page.locator(f"tr[data-pid='{site_id}']")
    expect(row.locator("[data-rsvp]")).to_have_attribute("data-rsvp", "pending")
    answer = page.locator(
        f"form[action$='/conferences/{conference_id}/participants/{site_id}/answer']"
    )
    set_field(answer, "answer", "attending")
    submit(answer)
    expect(page).to_have_url(re.compile(rf"/conferences/{conference_id}(#.*)?$"))
    # The unit's row in the list of invitees now shows the answer, in Vietnamese
    attends = translated(app, RSVP_LABELS[Rsvp.attending], "vi")
    expect(row.locator("[data-rsvp]")).to_have_attribute("data-rsvp", "attending")
    expect(row.locator("[data-rsvp]")).to_have_text(attends)

    db.session.expire_all()
    site = db.session.get(Participant, site_id)
    assert site.rsvp == Rsvp.attending
    assert site.responded_by_id == committee["remote_member"].id
