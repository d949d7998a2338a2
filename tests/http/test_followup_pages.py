"""Follow-up pages: a directive and its reports, the report form, the organizers' review,
attachments, the unit's directives, the dashboard (with its query count at 2,000
directives), the deadline feed, and the review item offered on the next agenda."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from meetings.agenda.models import AgendaItem
from meetings.conferences.models import ConferenceStatus
from meetings.directives.models import (
    Directive,
    DirectiveStatus,
    ProgressReport,
    ReportAttachment,
    ReportReview,
)
from tests.followup_scene import PDF, build, today


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def scene(make, db, uploads):
    built = build(make)
    db.session.commit()
    return built


def url(scene) -> str:
    return f"/directives/{scene.directive.id}"


def post_report(client, scene, body="Đã ban hành kế hoạch triển khai.", files=(), propose=False):
    data = {"body": body, "files": [(io.BytesIO(content), name) for name, content in files]}
    if propose:
        data["proposes_completion"] = "1"
    return client.post(
        f"{url(scene)}/reports",
        data=data,
        content_type="multipart/form-data",
        headers={"Referer": f"http://localhost{url(scene)}"},
    )


def reports(db) -> list[ProgressReport]:
    db.session.expire_all()
    return list(db.session.scalars(select(ProgressReport).order_by(ProgressReport.id)))


# --- who sees what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("organizer", 200),
        ("chair", 200),
        ("officer", 200),
        ("coop_member", 200),
        ("outsider", 404),
    ],
)
def test_the_directive_page_by_role(scene, client, login_as, who, status):
    login_as(getattr(scene, who))
    response = client.get(url(scene))
    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        assert "Tiếp tục triển khai kế hoạch cải cách hành chính" in page
        assert "Personnel Department" in page and "Committee Office" in page
        assert ('id="report"' in page) == (who == "officer")


def test_anonymous_people_are_sent_to_log_in(scene, client):
    for path in (url(scene), "/followup", "/my-directives"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- reporting ---------------------------------------------------------------------------


def test_the_lead_unit_reports_with_attachments(db, scene, client, login_as, uploads):
    login_as(scene.officer)
    response = post_report(client, scene, files=[("Kế hoạch số 12.pdf", PDF)])

    assert response.status_code == 302
    [posted] = reports(db)
    assert posted.body == "Đã ban hành kế hoạch triển khai."
    assert [a.filename for a in posted.attachments] == ["Kế hoạch số 12.pdf"]
    assert db.session.get(Directive, scene.directive.id).status == DirectiveStatus.in_progress
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your progress report was posted." in page
    assert "Kế hoạch số 12.pdf" in page
    download = client.get(f"/reports/attachments/{posted.attachments[0].id}")
    assert download.status_code == 200 and download.get_data() == PDF
    assert download.headers["Cache-Control"] == "private, no-cache"
    assert "attachment" in download.headers["Content-Disposition"]


def test_a_bad_file_shows_the_form_again_and_stores_nothing(db, scene, client, login_as, uploads):
    login_as(scene.officer)
    response = post_report(
        client, scene, files=[("tot.pdf", PDF), ("giả mạo.pdf", b"<html>not a pdf</html>")]
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is not a real PDF file" in page
    assert "Đã ban hành kế hoạch triển khai." in page  # what was typed is kept
    assert reports(db) == []
    assert db.session.scalar(select(func.count(ReportAttachment.id))) == 0
    assert not uploads.exists() or list(uploads.iterdir()) == []
    assert db.session.get(Directive, scene.directive.id).status == DirectiveStatus.open


def test_an_empty_report_is_refused(db, scene, client, login_as):
    login_as(scene.officer)
    response = post_report(client, scene, body="  ")
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    assert reports(db) == []


@pytest.mark.parametrize("who", ["coop_member", "organizer", "chair"])
def test_only_the_lead_unit_may_post(db, scene, client, login_as, who):
    login_as(getattr(scene, who))
    response = post_report(client, scene)
    assert response.status_code == 403
    assert "Only the lead unit" in response.get_data(as_text=True)
    assert reports(db) == []


def test_an_outsider_cannot_even_find_the_directive(db, scene, client, login_as):
    login_as(scene.outsider)
    assert post_report(client, scene).status_code == 404
    assert reports(db) == []


def test_a_report_on_a_done_directive_is_refused_with_a_message(db, scene, client, login_as):
    scene.directive.status = DirectiveStatus.done
    db.session.commit()
    login_as(scene.officer)
    response = post_report(client, scene)
    assert response.status_code == 302  # back to the page, with the message
    page = client.get(url(scene)).get_data(as_text=True)
    assert "This directive is done: no more reports are taken." in page
    assert 'id="report"' not in page
    assert reports(db) == []


# --- the review ---------------------------------------------------------------------------


def test_proposal_accepted_by_the_organizer(db, scene, client, login_as):
    login_as(scene.officer)
    post_report(client, scene, propose=True)
    [proposal] = reports(db)
    assert proposal.review == ReportReview.pending
    officer_page = client.get(url(scene)).get_data(as_text=True)
    assert 'data-testid="accept"' not in officer_page
    assert client.post(f"/reports/{proposal.id}/accept").status_code == 403

    login_as(scene.organizer)
    page = client.get(url(scene)).get_data(as_text=True)
    assert 'data-testid="accept"' in page and 'data-testid="send-back"' in page
    response = client.post(f"/reports/{proposal.id}/accept", data={"note": "Đạt."})

    assert response.status_code == 302
    db.session.expire_all()
    directive = db.session.get(Directive, scene.directive.id)
    assert directive.status == DirectiveStatus.done and directive.completed_at is not None
    page = client.get(url(scene)).get_data(as_text=True)
    assert "Completion accepted: the directive is done." in page
    assert 'data-category="done"' in page


def test_sending_back_without_a_note_shows_the_message(db, scene, client, login_as):
    login_as(scene.officer)
    post_report(client, scene, propose=True)
    [proposal] = reports(db)
    login_as(scene.organizer)

    response = client.post(f"/reports/{proposal.id}/send-back", data={"note": ""})
    assert response.status_code == 422
    assert "Say what is missing" in response.get_data(as_text=True)
    assert reports(db)[0].review == ReportReview.pending

    response = client.post(
        f"/reports/{proposal.id}/send-back", data={"note": "Thiếu số liệu của các Vụ."}
    )
    assert response.status_code == 302
    assert reports(db)[0].review == ReportReview.sent_back
    page = client.get(url(scene)).get_data(as_text=True)
    assert "Thiếu số liệu của các Vụ." in page


def test_attachments_follow_the_directive_permissions(db, scene, client, login_as, uploads):
    login_as(scene.officer)
    post_report(client, scene, files=[("bao-cao.pdf", PDF)])
    attachment_id = reports(db)[0].attachments[0].id

    for who, status in (("coop_member", 200), ("organizer", 200), ("outsider", 404)):
        login_as(getattr(scene, who))
        assert client.get(f"/reports/attachments/{attachment_id}").status_code == status, who
    assert client.get("/reports/attachments/999999").status_code == 404


# --- the unit's directives --------------------------------------------------------------------


def test_my_directives_with_the_reminder_banner(make, db, scene, client, login_as):
    late = make.directive(scene.conference, scene.lead_unit, deadline=today() - timedelta(days=2))
    make.directive(scene.conference, make.unit(), cooperating_units=[scene.lead_unit])
    db.session.commit()
    login_as(scene.officer)

    page = client.get("/my-directives").get_data(as_text=True)

    assert 'data-testid="reminder-banner"' in page
    assert f'data-directive="{late.id}"' in page
    lead = page.split('data-testid="lead-directives"')[1].split("</table>")[0]
    assert lead.index(f'data-directive="{late.id}"') < lead.index(
        f'data-directive="{scene.directive.id}"'
    )
    assert 'data-testid="cooperating-directives"' in page
    assert f"/units/{scene.lead_unit.id}/deadlines.ics?token=" in page
    assert 'data-testid="nav-directives"' in page


def test_my_directives_without_any(scene, client, login_as):
    login_as(scene.outsider)
    page = client.get("/my-directives").get_data(as_text=True)
    assert "No directive is assigned to your unit." in page
    assert 'data-testid="reminder-banner"' not in page


# --- the dashboard ------------------------------------------------------------------------------


def test_the_dashboard_page(make, db, scene, client, login_as):
    late = make.directive(scene.conference, make.unit(code="VP3"), deadline=today() - timedelta(1))
    db.session.commit()
    login_as(scene.organizer)

    page = client.get("/followup").get_data(as_text=True)

    rows = page.split('data-testid="dashboard-rows"')[1]
    assert rows.index(f'data-directive="{late.id}"') < rows.index(
        f'data-directive="{scene.directive.id}"'
    )
    assert 'data-testid="unit-chart"' in page and 'data-unit="VP3"' in page
    overdue_tile = page.split('data-testid="count-overdue"')[1].split("</a>")[0]
    assert '<div class="figure">1</div>' in overdue_tile

    filtered = client.get("/followup?status=overdue").get_data(as_text=True)
    assert f'data-directive="{late.id}"' in filtered
    assert f'data-directive="{scene.directive.id}"' not in filtered


def test_a_bad_filter_is_explained_and_left_out(scene, client, login_as):
    login_as(scene.organizer)
    response = client.get("/followup?status=late&from=31/12/2016")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('data-testid="filter-error"') == 2  # both refused filters are explained
    assert "Choose a status from the list." in page and "Enter a date as YYYY-MM-DD." in page
    assert f'data-directive="{scene.directive.id}"' in page


def _programme(make, db, prefix: str, conferences: int, per_conference: int, units: int):
    """`conferences` concluded conferences with `per_conference` directives each, spread over
    `units` lead units, in every state, a quarter of them with reports."""
    organizer = make.organizer()
    lead_units = [make.unit(code=f"{prefix}{n:02d}") for n in range(units)]
    start = datetime(2016, 1, 4, 1, 0, tzinfo=UTC)
    statuses = (DirectiveStatus.open, DirectiveStatus.in_progress, DirectiveStatus.done)
    directives = []
    for c in range(conferences):
        conference = make.conference(
            organizer=organizer,
            status=ConferenceStatus.concluded,
            starts_at=start + timedelta(days=3 * c),
        )
        for n in range(per_conference):
            i = c * per_conference + n
            directives.append(
                make.directive(
                    conference,
                    lead_units[i % units],
                    number=n + 1,
                    deadline=today() + timedelta(days=(i % 120) - 40),
                    status=statuses[i % 3],
                    cooperating_units=[lead_units[(i + 1) % units]],
                )
            )
    author = make.user(unit=lead_units[0])
    db.session.add_all(
        ProgressReport(
            directive_id=d.id,
            unit_id=d.lead_unit_id,
            author_id=author.id,
            body="Đã triển khai.",
            proposes_completion=k % 2 == 0,
            review=ReportReview.pending if k % 2 == 0 else ReportReview.none,
        )
        for k, d in enumerate(directives[::4])
    )
    db.session.commit()
    return organizer


def _dashboard_queries(db, client, login_as, query_counter, organizer) -> tuple[int, str]:
    login_as(organizer)
    assert client.get("/followup").status_code == 200
    db.session.expire_all()
    with query_counter() as statements:
        response = client.get("/followup?page=2")
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_the_dashboard_with_2000_directives_across_100_conferences_makes_bounded_queries(
    make, db, client, login_as, query_counter
):
    # Two secretariats: each sees its own programme only.
    few = _programme(make, db, "S", conferences=2, per_conference=10, units=4)
    many = _programme(make, db, "B", conferences=100, per_conference=20, units=20)

    small, _ = _dashboard_queries(db, client, login_as, query_counter, few)
    big, page = _dashboard_queries(db, client, login_as, query_counter, many)

    assert big == small, (small, big)
    # The person, the navbar's inbox badge, the dashboard's six, the units of the filter.
    assert big <= 9, big
    assert '<div class="figure">2.000</div>' in page or '<div class="figure">2,000</div>' in page
    assert page.count('<tr data-directive="') == 50  # one page of 50 rows
    assert "51–100" in page


# --- the deadline feed ------------------------------------------------------------------------


def test_the_units_deadline_feed_with_the_personal_token(db, scene, client):
    feed = f"/units/{scene.lead_unit.id}/deadlines.ics?token={scene.officer.feed_token}"
    response = client.get(feed)

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == scene.directive.deadline
    assert f"/directives/{scene.directive.id}" in str(event["url"])


@pytest.mark.parametrize("case", ["other unit", "bad token", "no unit"])
def test_the_deadline_feed_refuses_other_links(db, scene, client, case):
    unit_id, token = scene.lead_unit.id, scene.officer.feed_token
    if case == "other unit":
        token = scene.coop_member.feed_token
    elif case == "bad token":
        token = "x" * 40
    else:
        unit_id = 999999
    response = client.get(f"/units/{unit_id}/deadlines.ics?token={token}")
    assert response.status_code == 404


def test_the_deadline_feed_with_the_session(db, scene, client, login_as):
    assert client.get(f"/units/{scene.lead_unit.id}/deadlines.ics").status_code == 302
    login_as(scene.officer)
    assert client.get(f"/units/{scene.lead_unit.id}/deadlines.ics").status_code == 200


# --- the next conference's agenda ----------------------------------------------------------------


def test_the_agenda_of_the_next_conference_offers_the_open_directives(
    make, db, scene, client, login_as
):
    next_one = make.conference(
        organizer=scene.organizer,
        host_unit=scene.conference.host_unit,
        status=ConferenceStatus.scheduled,
        starts_at=scene.conference.starts_at + timedelta(days=180),
    )
    make.participant(next_one, user=scene.officer)
    db.session.commit()
    agenda = f"/conferences/{next_one.id}/agenda"

    login_as(scene.officer)
    assert 'data-testid="review-offer"' not in client.get(agenda).get_data(as_text=True)
    assert (
        client.post(f"{agenda}/review-directives", data={"agenda_version": "1"}).status_code == 403
    )

    login_as(scene.organizer)
    page = client.get(agenda).get_data(as_text=True)
    assert 'data-testid="review-offer"' in page and 'data-testid="add-review-item"' in page
    response = client.post(f"{agenda}/review-directives", data={"agenda_version": "1"})

    assert response.status_code == 302
    item = db.session.scalar(select(AgendaItem).where(AgendaItem.conference_id == next_one.id))
    assert scene.conference.title in item.title
    assert "Tiếp tục triển khai kế hoạch" in item.description
    page = client.get(agenda).get_data(as_text=True)
    assert 'data-testid="add-review-item"' not in page and "On the agenda" in page


def test_the_directive_page_makes_the_same_queries_with_many_reports(
    make, db, scene, client, login_as, query_counter
):
    def queries() -> int:
        login_as(scene.organizer)
        assert client.get(url(scene)).status_code == 200
        db.session.expire_all()
        with query_counter() as statements:
            assert client.get(url(scene)).status_code == 200
        return len(statements)

    def add_reports(n: int) -> None:
        for k in range(n):
            db.session.add(
                ProgressReport(
                    directive_id=scene.directive.id,
                    unit_id=scene.lead_unit.id,
                    author_id=make.user(unit=scene.lead_unit).id,
                    body=f"Báo cáo tiến độ lần {k + 1}.",
                    proposes_completion=k == n - 1,
                    review=ReportReview.sent_back if k == n - 1 else ReportReview.none,
                    reviewed_by_id=scene.organizer.id if k == n - 1 else None,
                    reviewed_at=datetime.now(UTC) if k == n - 1 else None,
                    attachments=[
                        ReportAttachment(
                            filename=f"{k}.pdf",
                            content_type="application/pdf",
                            size=10,
                            sha256="0" * 64,
                            storage_key=f"key{k}-{n}",
                        )
                    ],
                )
            )
        db.session.commit()

    add_reports(1)
    few = queries()
    add_reports(30)
    many = queries()
    assert many == few, (few, many)


def test_too_large_files_are_refused_with_a_message(app, db, scene, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    login_as(scene.officer)
    response = post_report(client, scene, files=[("lon.pdf", PDF + b"0" * 2000)])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The files are too large" in page
    assert reports(db) == []
