"""Journey of issue 5: the secretary records a concluding directive during the live meeting,
a remote site sees it appear, the chair confirms it and closes the meeting; the organizer
issues the conclusion notice and downloads it; the lead unit reports progress and proposes
completion, and the organizer marks the directive done.

Five browser contexts (own cookies each): the secretary and the chair in the room, the
remote site of Vụ Địa phương III (its join link, no account), the organizer (secretariat)
and an officer of the lead unit, Vụ Pháp chế.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from meetings.accounts.models import UnitKind
from meetings.agenda.models import AgendaItem
from meetings.conferences.models import Attendance, Conference, ConferenceRole, ConferenceStatus
from meetings.directives.models import Directive, Notice, NoticeStatus
from meetings.live import services
from tests.browser.helpers import expect, log_in, submit
from tests.browser.test_live_room import connected, current_seq, mark_loaded, never_reloaded
from tests.followup_scene import today

pytestmark = pytest.mark.browser

TITLE = "Hội nghị sơ kết công tác CCHC và thực hiện QCDC 6 tháng đầu năm 2016"
ITEMS = ("Khai mạc, giới thiệu đại biểu", "Phát biểu kết luận Hội nghị")
DIRECTIVE = (
    "Vụ Pháp chế rà soát, đề xuất sửa đổi quy chế làm việc của Ủy ban; "
    "hoàn thiện dự thảo trình Lãnh đạo Ủy ban."
)
LEAD = "Vụ Pháp chế"
COOPERATING = "Vụ Địa phương III"
REPORT = "Đã rà soát xong quy chế làm việc và trình Lãnh đạo Ủy ban dự thảo sửa đổi."


@dataclass
class Scene:
    conference_id: int
    item_id: int
    lead_unit_id: int
    coop_unit_id: int
    chair_email: str
    secretary_email: str
    organizer_email: str
    officer_email: str
    site_name: str
    join_path: str


@pytest.fixture
def scene(db, make) -> Scene:
    ubdt = make.unit("UBDT", name_vi="Ủy ban Dân tộc", name_en="Committee", kind=UnitKind.committee)
    office = make.unit("VP", name_vi="Văn phòng Ủy ban", name_en="Office", parent=ubdt)
    personnel = make.unit(
        "TCCB", name_vi="Vụ Tổ chức cán bộ", name_en="Department of Personnel", parent=ubdt
    )
    legal = make.unit("PC", name_vi=LEAD, name_en="Legal Department", parent=ubdt)
    dp3 = make.unit(
        "DP3",
        name_vi=COOPERATING,
        name_en="Regional Department III",
        kind=UnitKind.regional_office,
        parent=ubdt,
    )
    organizer = make.organizer(unit=office, full_name="Nguyễn Thị Thu", email="thuky@ubdt.test")
    chair = make.user(
        unit=ubdt, full_name="Hà Hùng", position="Thứ trưởng", email="hahung@ubdt.test"
    )
    secretary = make.user(
        unit=personnel, full_name="Trần Minh Đức", email="thuky.hoinghi@ubdt.test"
    )
    officer = make.user(unit=legal, full_name="Lê Thị Hoa", email="phapche@ubdt.test", locale="vi")

    now = datetime.now(UTC).replace(microsecond=0)
    conference = make.conference(
        organizer=organizer,
        chair=chair,
        status=ConferenceStatus.live,
        title=TITLE,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=2),
        host_unit=office,
        venue="Hội trường tầng 2",
    )
    make.participant(conference, user=secretary, role=ConferenceRole.secretary)
    make.participant(conference, unit=legal, headcount=3)
    make.participant(conference, unit=dp3, attendance=Attendance.remote, headcount=5)
    items = [
        AgendaItem(conference_id=conference.id, position=n, title=title, planned_minutes=20)
        for n, title in enumerate(ITEMS, start=1)
    ]
    db.session.add_all(items)
    db.session.flush()
    site = services.create_site(
        actor=organizer, conference=conference, unit_id=dp3.id, expected_headcount=5
    )
    db.session.commit()
    return Scene(
        conference_id=conference.id,
        item_id=items[1].id,
        lead_unit_id=legal.id,
        coop_unit_id=dp3.id,
        chair_email=chair.email,
        secretary_email=secretary.email,
        organizer_email=organizer.email,
        officer_email=officer.email,
        site_name=site.name,
        join_path=f"/join/{site.token}",
    )


def person_in_room(new_page, name: str, email: str, scene: Scene):
    page = new_page(name)
    log_in(page, email)
    page.goto(f"/conferences/{scene.conference_id}/live")
    connected(page)
    mark_loaded(page)
    return page


def stored_directive(db) -> Directive:
    db.session.expire_all()
    return db.session.query(Directive).one()


def download(page, testid: str, target) -> bytes:
    with page.expect_download() as info:
        page.get_by_test_id(testid).click()
    info.value.save_as(target)
    return target.read_bytes()


def docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    # Justified lines spread words and break them over lines.
    return " ".join("\n".join(page.extract_text() for page in reader.pages).split())


def test_a_directive_recorded_live_is_issued_and_followed_up_to_done(db, scene, new_page, tmp_path):
    deadline = today() + timedelta(days=60)
    deadline_vi = deadline.strftime("%d/%m/%Y")

    secretary = person_in_room(new_page, "secretary", scene.secretary_email, scene)
    chair = person_in_room(new_page, "chair", scene.chair_email, scene)
    site = new_page("site")
    site.goto(scene.join_path)
    expect(site).to_have_url(re.compile(rf"/conferences/{scene.conference_id}/live$"))
    connected(site)
    mark_loaded(site)
    # Nothing concluded yet: the site has no conclusions panel and no way to record one
    expect(site.get_by_test_id("directives")).to_be_hidden()
    expect(site.get_by_test_id("directive-form")).to_have_count(0)

    # The secretary records the directive in the room
    form = secretary.get_by_test_id("directive-form")
    expect(form).to_be_visible()
    form.get_by_test_id("directive-text-input").fill(DIRECTIVE)
    form.get_by_test_id("directive-lead-input").select_option(value=str(scene.lead_unit_id))
    form.get_by_test_id("directive-deadline-input").fill(deadline.isoformat())
    form.get_by_test_id("directive-item-input").select_option(value=str(scene.item_id))
    cooperating = form.get_by_test_id("directive-cooperating-input")
    cooperating.locator("summary").click()
    cooperating.locator(f"input[name='cooperating_unit_ids'][value='{scene.coop_unit_id}']").check()
    form.get_by_test_id("directive-submit").click()
    expect(form.get_by_test_id("directive-text-input")).to_have_value("")

    # It appears at the remote site, as a draft, without a reload
    for page in (site, chair, secretary):
        row = page.get_by_test_id("directive-1")
        expect(row).to_have_attribute("data-state", "draft")
        expect(row.get_by_test_id("directive-text")).to_have_text(DIRECTIVE)
        expect(row.get_by_test_id("directive-lead")).to_contain_text(f"{LEAD} (PC)")
        expect(row.get_by_test_id("directive-deadline")).to_contain_text(deadline_vi)
    # Only the chair confirms; the site can only read
    expect(site.get_by_test_id("directive-confirm-1")).to_have_count(0)
    expect(secretary.get_by_test_id("directive-confirm-1")).to_have_count(0)
    recorded = stored_directive(db)
    assert recorded.lead_unit_id == scene.lead_unit_id and recorded.deadline == deadline
    assert [u.id for u in recorded.cooperating_units] == [scene.coop_unit_id]
    assert recorded.agenda_item_id == scene.item_id

    # The chair confirms it (after a confirmation dialog); the site sees it confirmed
    chair.get_by_test_id("directive-confirm-1").click()
    chair.get_by_test_id("confirm-ok").click()
    for page in (site, secretary, chair):
        expect(page.get_by_test_id("directive-1")).to_have_attribute("data-state", "confirmed")

    # The chair closes the meeting from the room
    chair.get_by_test_id("close-conference").click()
    chair.get_by_test_id("confirm-ok").click()
    expect(site.get_by_test_id("directive-1")).to_have_attribute("data-state", "confirmed")
    expect(chair.get_by_test_id("close-conference")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(Conference, scene.conference_id).status == ConferenceStatus.concluded
    seq = current_seq(db, scene.conference_id)
    for page in (chair, secretary, site):
        page.wait_for_function(f"() => window.liveRoom.seq === {seq}")
        never_reloaded(page)

    # The organizer generates the conclusion notice, issues it and downloads it
    organizer = new_page("organizer")
    log_in(organizer, scene.organizer_email)
    organizer.goto(f"/conferences/{scene.conference_id}")
    organizer.get_by_test_id("conclusions-menu").locator(".dropdown-toggle").click()
    with organizer.expect_navigation():
        organizer.get_by_test_id("notices-link").click()
    with organizer.expect_navigation():
        organizer.get_by_test_id("generate-notice").click()
    expect(organizer.get_by_test_id("notice-directives")).to_contain_text(DIRECTIVE)
    issue = organizer.get_by_test_id("issue-form")
    submit(issue)
    expect(organizer.get_by_test_id("notice-status")).to_have_text(re.compile("Issued"))
    db.session.expire_all()
    notice = db.session.query(Notice).one()
    assert notice.status == NoticeStatus.issued and notice.number == 1
    expect(organizer.get_by_test_id("reference")).to_contain_text(f"Số: {notice.reference}")

    word = docx_text(download(organizer, "download-docx", tmp_path / "notice.docx"))
    pdf = pdf_text(download(organizer, "download-pdf", tmp_path / "notice.pdf"))
    for text in (word, pdf):
        assert f"Số: {notice.reference}" in text
        assert "THÔNG BÁO" in text
        assert " ".join(DIRECTIVE.split()) in " ".join(text.split())
        assert f"Đơn vị chủ trì: {LEAD}" in text
        assert f"đơn vị phối hợp: {COOPERATING}" in text
        assert f"thời hạn: {deadline_vi}" in text

    # The lead unit's officer finds the directive in "My directives" and reports progress
    officer = new_page("officer")
    log_in(officer, scene.officer_email)
    officer.get_by_test_id("nav-directives").click()
    row = officer.get_by_test_id("lead-directives").locator(f"tr[data-directive='{recorded.id}']")
    expect(row).to_contain_text(DIRECTIVE)
    expect(row.locator("[data-category]")).to_have_attribute("data-category", "open")
    with officer.expect_navigation():
        row.locator("a[href*='#report']").click()
    expect(officer.get_by_test_id("directive-text")).to_have_text(DIRECTIVE)
    expect(officer.get_by_test_id("lead-unit")).to_have_text(LEAD)
    report = officer.get_by_test_id("report-form")
    report.locator("[name='body']").fill(REPORT)
    report.locator("[name='proposes_completion']").check()
    submit(report)
    reports = officer.get_by_test_id("reports").locator("li")
    expect(reports).to_have_count(1)
    expect(reports.first).to_contain_text(REPORT)
    expect(reports.first).to_have_attribute("data-review", "pending")
    expect(officer.get_by_test_id("directive-status")).to_have_attribute(
        "data-status", "in_progress"
    )

    # The organizer accepts the completion: the directive is done
    organizer.goto(f"/directives/{recorded.id}")
    expect(organizer.get_by_test_id("reports").locator("li").first).to_contain_text(REPORT)
    with organizer.expect_navigation():
        organizer.get_by_test_id("accept").click()
    expect(organizer.get_by_test_id("directive-status")).to_have_attribute("data-status", "done")
    expect(organizer.get_by_test_id("reports").locator("li").first).to_have_attribute(
        "data-review", "accepted"
    )
    expect(organizer.get_by_test_id("accept")).to_have_count(0)

    # ... and the lead unit sees it done, with nothing left to report
    officer.goto("/my-directives")
    row = officer.get_by_test_id("lead-directives").locator(f"tr[data-directive='{recorded.id}']")
    expect(row.locator("[data-category]")).to_have_attribute("data-category", "done")
    expect(row.locator("a[href*='#report']")).to_have_count(0)
    assert stored_directive(db).status.value == "done"
