"""The agenda editor through the test client: the page, its forms, conflicts, documents."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from meetings.agenda import services
from meetings.agenda.models import AgendaDocument, AgendaItem
from meetings.conferences.models import Conference
from meetings.extensions import db as _db
from meetings.live.models import LiveEvent
from tests.http.test_conferences import build_scene
from tests.unit.test_agenda_services import DOCX, PDF


@pytest.fixture
def scene(db, make):
    return build_scene(db, make)


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def conference(scene) -> Conference:
    _db.session.expire_all()
    return _db.session.get(Conference, scene.conference)


def seed_items(scene, *rows) -> list[int]:
    """Items made through the service, committed; their ids."""
    conf = conference(scene)
    ids = []
    for title, minutes in rows:
        item = services.add_item(
            actor=scene.organizer,
            conference=conf,
            data={"title": title, "planned_minutes": minutes},
            agenda_version=conf.agenda_version,
        )
        ids.append(item.id)
    _db.session.commit()
    return ids


def titles(scene) -> list[str]:
    return [item.title for item in services.items_of(conference(scene))]


def page_url(scene) -> str:
    return f"/conferences/{scene.conference}/agenda"


def agenda_event_count(scene) -> int:
    return _db.session.scalar(
        select(func.count())
        .select_from(LiveEvent)
        .where(LiveEvent.conference_id == scene.conference, LiveEvent.type == "agenda")
    )


def shown_titles(page: str) -> list[str]:
    return re.findall(
        r'class="h6 mb-0 agenda-title"><span class="text-muted">\d+\.</span> ([^<]+)</h3>', page
    )


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- the page -------------------------------------------------------------------------


def test_organizers_get_the_editor_with_times_in_the_conference_zone(scene, client, login_as):
    seed_items(scene, ("Khai mạc", 10), ("Báo cáo CCHC", 25), ("Thảo luận", 120))
    login_as(scene.organizer)

    response = client.get(page_url(scene))

    assert response.status_code == 200
    page = response.get_data(as_text=True).replace("\u202f", " ")  # Babel's narrow space
    # 08:15 UTC is 3:15 PM in Hồ Chí Minh City; each item starts when the one before ends.
    starts = re.findall(r'data-testid="start">([^<]+)<', page)
    assert starts == ["3:15 PM", "3:25 PM", "3:50 PM"]
    assert re.search(r'data-testid="projected-end">5:50 PM<', page)
    assert 'data-testid="overrun"' in page  # 2 h 35 min planned in a 2 h 15 min meeting
    assert "Khai mạc" in page and "Báo cáo CCHC" in page
    assert f'action="/conferences/{scene.conference}/agenda/items"' in page
    assert page.count('name="direction" value="up"') == 3
    assert "data-sortable" in page and "js/agenda.js" in page


def test_other_invitees_read_the_agenda_without_the_editing_controls(scene, client, login_as):
    seed_items(scene, ("Khai mạc", 10))
    login_as(scene.delegate)

    page = client.get(page_url(scene)).get_data(as_text=True).replace("\u202f", " ")

    assert "Khai mạc" in page and "3:15 PM" in page
    assert "/agenda/items" not in page
    assert 'name="direction"' not in page and "data-sortable" not in page


def test_an_empty_agenda_says_what_to_do(scene, client, login_as):
    login_as(scene.organizer)
    assert "The agenda has no items yet." in client.get(page_url(scene)).get_data(as_text=True)
    login_as(scene.delegate)
    page = client.get(page_url(scene)).get_data(as_text=True)
    assert "The organizers have not published the agenda yet." in page


def test_the_page_needs_a_bounded_number_of_queries(scene, client, login_as, query_counter):
    login_as(scene.organizer)
    seed_items(scene, ("A", 10))
    with query_counter() as few:
        client.get(page_url(scene))
    seed_items(scene, *[(f"Item {n}", 5) for n in range(12)])
    with query_counter() as many:
        assert client.get(page_url(scene)).status_code == 200
    assert len(many) == len(few)


# --- adding ---------------------------------------------------------------------------


def test_adding_an_item(scene, client, login_as):
    seed_items(scene, ("Khai mạc", 10), ("Kết luận", 15))
    login_as(scene.organizer)
    before = agenda_event_count(scene)

    response = client.post(
        f"{page_url(scene)}/items",
        data={
            "title": "Thảo luận",
            "presenter_id": "",
            "presenter_name": "Vụ Địa phương III",
            "planned_minutes": "45",
            "description": "Các đơn vị phát biểu",
            "position": "2",
            "agenda_version": str(conference(scene).agenda_version),
        },
    )

    assert response.status_code == 302
    assert titles(scene) == ["Khai mạc", "Thảo luận", "Kết luận"]
    item = services.items_of(conference(scene))[1]
    assert (item.presenter_name, item.planned_minutes) == ("Vụ Địa phương III", 45)
    assert response.location.endswith(f"#item-{item.id}")
    assert agenda_event_count(scene) == before + 1
    assert "“Thảo luận” was added" in client.get(response.location).get_data(as_text=True)


def test_a_bad_item_is_refused_with_the_reasons_and_nothing_stored(scene, client, login_as):
    login_as(scene.organizer)
    response = client.post(
        f"{page_url(scene)}/items",
        data={
            "title": "",
            "planned_minutes": "600",
            "agenda_version": str(conference(scene).agenda_version),
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The item was not added" in page
    assert "This field is required." in page
    assert "Plan between 1 and 480 minutes" in page
    assert titles(scene) == [] and agenda_event_count(scene) == 0


def test_an_insert_into_a_changed_agenda_is_refused_keeping_what_was_typed(scene, client, login_as):
    seed_items(scene, ("A", 10))
    stale = conference(scene).agenda_version
    seed_items(scene, ("Added by someone else", 10))
    login_as(scene.organizer)

    response = client.post(
        f"{page_url(scene)}/items",
        data={
            "title": "Mine",
            "planned_minutes": "5",
            "position": "1",
            "agenda_version": str(stale),
        },
    )

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in page and "Someone else changed the agenda" in page
    assert "Added by someone else" in page  # the current agenda
    assert 'value="Mine"' in page  # what was typed, to send again
    assert f'name="agenda_version" value="{stale + 1}"' in page
    assert titles(scene) == ["A", "Added by someone else"]


# --- editing --------------------------------------------------------------------------


def edit_form(**fields) -> dict:
    return {
        "title": "Khai mạc",
        "presenter_id": "",
        "presenter_name": "",
        "planned_minutes": "10",
        "description": "",
        **fields,
    }


def test_editing_an_item(scene, client, login_as):
    (item_id,) = seed_items(scene, ("Khai mạc", 10))
    login_as(scene.organizer)

    response = client.post(
        f"{page_url(scene)}/items/{item_id}/edit",
        data=edit_form(title="Phát biểu khai mạc", presenter_id=str(scene.chair.id), version="1"),
    )

    assert response.status_code == 302
    item = _db.session.get(AgendaItem, item_id)
    assert (item.title, item.presenter_id, item.version) == (
        "Phát biểu khai mạc",
        scene.chair.id,
        2,
    )


def test_a_stale_edit_shows_the_conflict_and_the_current_item_and_changes_nothing(
    scene, client, login_as
):
    (item_id,) = seed_items(scene, ("Khai mạc", 10))
    login_as(scene.organizer)
    first = client.post(
        f"{page_url(scene)}/items/{item_id}/edit",
        data=edit_form(title="Saved first", version="1"),
    )
    assert first.status_code == 302

    second = client.post(
        f"{page_url(scene)}/items/{item_id}/edit",
        data=edit_form(title="Typed on the old page", planned_minutes="30", version="1"),
    )

    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Someone else changed the item “Saved first”" in page
    assert "nothing was saved" in page
    # the person's unsaved entry beside the saved one, and the form shows the current item
    assert "Typed on the old page" in page and "Your entry (not saved)" in page
    assert 'value="Saved first"' in page and 'name="version" value="2"' in page
    item = _db.session.get(AgendaItem, item_id)
    _db.session.refresh(item)
    assert (item.title, item.planned_minutes, item.version) == ("Saved first", 10, 2)


def test_a_bad_edit_shows_the_field_errors_on_that_item(scene, client, login_as):
    (item_id,) = seed_items(scene, ("Khai mạc", 10))
    login_as(scene.organizer)
    response = client.post(
        f"{page_url(scene)}/items/{item_id}/edit",
        data=edit_form(title="x" * 301, version="1"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The item was not changed" in page and "At most 300 characters" in page
    assert re.search(r"<details[^>]*open", page)
    assert titles(scene) == ["Khai mạc"]


# --- deleting and moving --------------------------------------------------------------


def test_deleting_an_item_with_its_version(scene, client, login_as):
    a, b = seed_items(scene, ("A", 10), ("B", 10))
    login_as(scene.organizer)
    assert (
        client.post(f"{page_url(scene)}/items/{a}/delete", data={"version": "1"}).status_code == 302
    )
    assert titles(scene) == ["B"]


def test_a_stale_delete_is_refused(scene, client, login_as):
    (a,) = seed_items(scene, ("A", 10))
    conf = conference(scene)
    services.update_item(
        actor=scene.organizer,
        conference=conf,
        item=_db.session.get(AgendaItem, a),
        data={"title": "A, renamed"},
        version=1,
    )
    _db.session.commit()
    login_as(scene.organizer)
    response = client.post(f"{page_url(scene)}/items/{a}/delete", data={"version": "1"})
    assert response.status_code == 409
    assert "Someone else changed the item “A, renamed”" in response.get_data(as_text=True)
    assert titles(scene) == ["A, renamed"]


def test_moving_with_the_buttons(scene, client, login_as):
    a, b, c = seed_items(scene, ("A", 10), ("B", 10), ("C", 10))
    login_as(scene.organizer)
    version = conference(scene).agenda_version

    moved = client.post(
        f"{page_url(scene)}/items/{c}/move",
        data={"direction": "up", "agenda_version": str(version)},
    )
    assert moved.status_code == 302 and moved.location.endswith(f"#item-{c}")
    assert titles(scene) == ["A", "C", "B"]

    stale = client.post(
        f"{page_url(scene)}/items/{a}/move",
        data={"direction": "down", "agenda_version": str(version)},
    )
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Someone else changed the agenda" in page
    assert shown_titles(page) == ["A", "C", "B"]  # the current order
    assert titles(scene) == ["A", "C", "B"]

    first = client.post(
        f"{page_url(scene)}/items/{a}/move",
        data={"direction": "up", "agenda_version": str(version + 1)},
    )
    assert first.status_code == 422 and "already first" in first.get_data(as_text=True)


def test_the_agenda_of_a_concluded_conference_is_read_only(scene, client, login_as):
    (a,) = seed_items(scene, ("A", 10))
    conf = conference(scene)
    conf.status = conf.status.__class__.concluded
    _db.session.commit()
    login_as(scene.organizer)
    page = client.get(page_url(scene)).get_data(as_text=True)
    assert "can no longer be changed" in page and "/agenda/items" not in page
    response = client.post(f"{page_url(scene)}/items/{a}/delete", data={"version": "1"})
    assert response.status_code == 409
    assert titles(scene) == ["A"]


# --- documents ------------------------------------------------------------------------


def upload(client, scene, item_id, name, content):
    return client.post(
        f"{page_url(scene)}/items/{item_id}/documents",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("name", "content"), [("Báo cáo sơ kết.pdf", PDF), ("Dự thảo kết luận.docx", DOCX)]
)
def test_good_documents_are_accepted(scene, client, login_as, uploads, name, content):
    (item_id,) = seed_items(scene, ("A", 10))
    login_as(scene.organizer)

    response = upload(client, scene, item_id, name, content)

    assert response.status_code == 302
    document = _db.session.scalar(select(AgendaDocument))
    assert document.filename == name and document.size == len(content)
    assert stored_files(uploads) == [document.storage_key]
    assert name in client.get(response.location).get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("Báo cáo.pdf", b"This is plain text pretending to be a PDF.", "is not a real PDF"),
        ("virus.exe", b"MZ\x90\x00", "cannot be attached"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_stored(
    scene, client, login_as, uploads, name, content, reason
):
    (item_id,) = seed_items(scene, ("A", 10))
    login_as(scene.organizer)

    response = upload(client, scene, item_id, name, content)

    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count()).select_from(AgendaDocument)) == 0
    assert stored_files(uploads) == []


def test_a_document_over_the_size_limit_is_refused(
    scene, client, login_as, uploads, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024)
    (item_id,) = seed_items(scene, ("A", 10))
    login_as(scene.organizer)

    response = upload(client, scene, item_id, "big.pdf", PDF + b"0" * 4096)

    assert response.status_code == 422
    assert "is too large: at most 1 KB per file" in response.get_data(as_text=True)
    assert stored_files(uploads) == []
    assert _db.session.scalar(select(func.count()).select_from(AgendaDocument)) == 0


def test_a_request_over_the_server_limit_gets_a_clear_message(
    scene, client, login_as, uploads, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    (item_id,) = seed_items(scene, ("A", 10))
    login_as(scene.organizer)

    response = upload(client, scene, item_id, "big.pdf", PDF + b"0" * 8192)

    assert response.status_code == 302
    assert "The file is too large" in client.get(response.location).get_data(as_text=True)
    assert stored_files(uploads) == []


def test_a_missing_file_is_explained(scene, client, login_as, uploads):
    (item_id,) = seed_items(scene, ("A", 10))
    login_as(scene.organizer)
    response = client.post(
        f"{page_url(scene)}/items/{item_id}/documents", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Choose a file to upload." in response.get_data(as_text=True)


def stored_document(scene, uploads, name="Báo cáo sơ kết 6 tháng.pdf") -> AgendaDocument:
    (item_id,) = seed_items(scene, ("A", 10))
    conf = conference(scene)
    document = services.add_document(
        actor=scene.organizer,
        conference=conf,
        item=_db.session.get(AgendaItem, item_id),
        filename=name,
        stream=io.BytesIO(PDF),
    )
    _db.session.commit()
    return document


def test_invitees_download_with_the_original_vietnamese_name(scene, client, login_as, uploads):
    document = stored_document(scene, uploads)
    url = f"{page_url(scene)}/documents/{document.id}"
    login_as(scene.delegate)

    response = client.get(url)

    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"filename*=UTF-8''{quote('Báo cáo sơ kết 6 tháng.pdf')}" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_strangers_do_not_get_documents(scene, client, login_as, uploads):
    document = stored_document(scene, uploads)
    url = f"{page_url(scene)}/documents/{document.id}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    login_as(scene.outsider)
    assert client.get(url).status_code == 404


def test_a_remote_site_downloads_through_its_join_session(scene, client, make, uploads):
    from datetime import UTC, datetime, timedelta

    from meetings.live.models import Site

    document = stored_document(scene, uploads)
    url = f"{page_url(scene)}/documents/{document.id}"
    remote_unit = make.unit()
    site = Site(
        conference_id=scene.conference,
        unit_id=remote_unit.id,
        name="Vụ Địa phương III",
        token="s" * 43,
        expires_at=datetime.now(UTC) + timedelta(days=3),
    )
    other = make.conference(organizer=scene.organizer)
    foreign = Site(
        conference_id=other.id,
        unit_id=remote_unit.id,
        name="Elsewhere",
        token="f" * 43,
        expires_at=datetime.now(UTC) + timedelta(days=3),
    )
    _db.session.add_all([site, foreign])
    _db.session.commit()

    with client.session_transaction() as session:
        session["site_token"] = "s" * 43
    assert client.get(url).status_code == 200
    with client.session_transaction() as session:
        session["site_token"] = "f" * 43
    assert client.get(url).status_code == 404


def test_organizers_remove_documents(scene, client, login_as, uploads):
    document = stored_document(scene, uploads)
    login_as(scene.organizer)
    response = client.post(f"{page_url(scene)}/documents/{document.id}/delete")
    assert response.status_code == 302
    assert _db.session.scalar(select(func.count()).select_from(AgendaDocument)) == 0
    assert stored_files(uploads) == []


def test_the_conference_page_leads_to_the_agenda(scene, client, login_as):
    login_as(scene.organizer)
    page = client.get(f"/conferences/{scene.conference}").get_data(as_text=True)
    assert f'href="/conferences/{scene.conference}/agenda"' in page
    login_as(scene.delegate)
    page = client.get(f"/conferences/{scene.conference}").get_data(as_text=True)
    assert f'href="/conferences/{scene.conference}/agenda"' in page
