"""Agenda services called directly: items, order, versions, permissions, states, documents."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry, User
from meetings.agenda import services
from meetings.agenda.models import AgendaDocument, AgendaItem, ItemStatus
from meetings.conferences.models import Conference, ConferenceRole, ConferenceStatus
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db as _db
from meetings.live.models import LiveEvent

S = ConferenceStatus


@dataclass
class Scene:
    conference: Conference
    organizer: User
    chair: User
    delegate: User
    outsider: User


@pytest.fixture
def scene(make) -> Scene:
    organizer = make.organizer()
    chair = make.user()
    conference = make.conference(organizer=organizer, chair=chair)
    delegate = make.user()
    make.participant(conference, user=delegate)
    return Scene(conference, organizer, chair, delegate, make.user())


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def add(scene: Scene, title: str, **data) -> AgendaItem:
    return services.add_item(
        actor=scene.organizer,
        conference=scene.conference,
        data={"title": title, **data},
        agenda_version=scene.conference.agenda_version,
    )


def titles(conference: Conference) -> list[str]:
    return [item.title for item in services.items_of(conference)]


def agenda_events(conference: Conference) -> list[LiveEvent]:
    return list(
        _db.session.scalars(
            select(LiveEvent)
            .where(LiveEvent.conference_id == conference.id, LiveEvent.type == "agenda")
            .order_by(LiveEvent.seq)
        )
    )


def audit_actions() -> list[str]:
    return list(_db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- adding ---------------------------------------------------------------------------


def test_items_are_appended_or_inserted_and_the_agenda_version_moves(scene):
    start = scene.conference.agenda_version
    add(scene, "Khai mạc", planned_minutes=10)
    add(scene, "Thảo luận", planned_minutes=60)
    inserted = add(scene, "Báo cáo CCHC", planned_minutes=20, position=2)

    assert titles(scene.conference) == ["Khai mạc", "Báo cáo CCHC", "Thảo luận"]
    assert [i.position for i in services.items_of(scene.conference)] == [1, 2, 3]
    assert inserted.position == 2 and inserted.version == 1
    assert scene.conference.agenda_version == start + 3
    assert audit_actions().count("agenda.add") == 3


def test_an_added_item_is_published_to_the_live_room(scene):
    item = add(scene, "Khai mạc", planned_minutes=15, presenter_name="Vụ Địa phương III")

    events = agenda_events(scene.conference)
    assert len(events) == 1
    agenda = events[0].payload["agenda"]
    assert agenda["agenda_version"] == scene.conference.agenda_version
    assert agenda["items"][0]["id"] == item.id
    assert agenda["items"][0]["presenter"] == "Vụ Địa phương III"
    assert agenda["items"][0]["planned_seconds"] == 15 * 60
    assert events[0].seq == scene.conference.live_seq


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "ok", "description": "x" * 5001}, "description"),
        ({"title": "ok", "presenter_name": "x" * 201}, "presenter_name"),
        ({"title": "ok", "presenter_id": 999999}, "presenter_id"),
        ({"title": "ok", "planned_minutes": 0}, "planned_minutes"),
        ({"title": "ok", "planned_minutes": 481}, "planned_minutes"),
        ({"title": "ok", "planned_minutes": "ten"}, "planned_minutes"),
        ({"title": "ok", "position": 5}, "position"),
    ],
)
def test_bad_item_fields_are_refused_and_nothing_changes(scene, data, field):
    version = scene.conference.agenda_version
    with pytest.raises(ValidationError) as refused:
        services.add_item(
            actor=scene.organizer, conference=scene.conference, data=data, agenda_version=version
        )
    assert field in refused.value.field_errors
    assert titles(scene.conference) == []
    assert scene.conference.agenda_version == version
    assert agenda_events(scene.conference) == []


def test_a_stale_agenda_version_refuses_an_insert(scene):
    add(scene, "Khai mạc")
    with pytest.raises(ConflictError) as conflict:
        services.add_item(
            actor=scene.organizer,
            conference=scene.conference,
            data={"title": "Late", "position": 1},
            agenda_version=scene.conference.agenda_version - 1,
        )
    assert "Someone else changed the agenda" in str(conflict.value.message)
    assert "nothing was saved" in str(conflict.value.message)
    assert titles(scene.conference) == ["Khai mạc"]


# --- editing --------------------------------------------------------------------------


def test_an_item_is_edited_with_its_version_and_the_version_moves(scene):
    item = add(scene, "Khai mạc", presenter_name="Ban tổ chức")
    services.update_item(
        actor=scene.organizer,
        conference=scene.conference,
        item=item,
        data={
            "title": "Phát biểu khai mạc",
            "description": "Thứ trưởng phát biểu",
            "presenter_id": scene.chair.id,
            "planned_minutes": 12,
        },
        version=1,
    )
    assert item.version == 2
    assert (item.title, item.planned_minutes, item.presenter_id) == (
        "Phát biểu khai mạc",
        12,
        scene.chair.id,
    )
    assert item.presenter_name is None  # one presenter: the person chosen replaces the name
    assert agenda_events(scene.conference)[-1].payload["agenda"]["items"][0]["title"] == (
        "Phát biểu khai mạc"
    )
    assert "agenda.update" in audit_actions()


def test_a_stale_item_edit_is_refused_and_the_newer_edit_is_kept(scene):
    item = add(scene, "Khai mạc")
    services.update_item(
        actor=scene.organizer,
        conference=scene.conference,
        item=item,
        data={"title": "First edit"},
        version=1,
    )
    events_before = len(agenda_events(scene.conference))
    with pytest.raises(ConflictError) as conflict:
        services.update_item(
            actor=scene.organizer,
            conference=scene.conference,
            item=item,
            data={"title": "Second edit, made on the old version"},
            version=1,
        )
    assert "Someone else changed the item “First edit”" in str(conflict.value.message)
    assert item.title == "First edit" and item.version == 2
    assert len(agenda_events(scene.conference)) == events_before


def test_a_missing_item_version_is_refused(scene):
    item = add(scene, "Khai mạc")
    with pytest.raises(ValidationError):
        services.update_item(
            actor=scene.organizer,
            conference=scene.conference,
            item=item,
            data={"title": "x"},
            version=None,
        )


# --- deleting -------------------------------------------------------------------------


def test_deleting_renumbers_the_rest_and_moves_the_agenda_version(scene):
    first, second, third = add(scene, "A"), add(scene, "B"), add(scene, "C")
    version = scene.conference.agenda_version
    services.delete_item(
        actor=scene.organizer, conference=scene.conference, item=second, version=second.version
    )
    assert titles(scene.conference) == ["A", "C"]
    assert [first.position, third.position] == [1, 2]
    assert scene.conference.agenda_version == version + 1
    assert [i["title"] for i in agenda_events(scene.conference)[-1].payload["agenda"]["items"]] == [
        "A",
        "C",
    ]
    assert "agenda.delete" in audit_actions()


@pytest.mark.parametrize("status", [ItemStatus.running, ItemStatus.paused])
def test_an_item_under_discussion_cannot_be_deleted(scene, status):
    item = add(scene, "A")
    item.status = status
    with pytest.raises(InvalidStateError):
        services.delete_item(
            actor=scene.organizer, conference=scene.conference, item=item, version=item.version
        )
    assert titles(scene.conference) == ["A"]


def test_a_stale_delete_is_refused(scene):
    item = add(scene, "A")
    services.update_item(
        actor=scene.organizer,
        conference=scene.conference,
        item=item,
        data={"title": "B"},
        version=1,
    )
    with pytest.raises(ConflictError):
        services.delete_item(
            actor=scene.organizer, conference=scene.conference, item=item, version=1
        )
    assert titles(scene.conference) == ["B"]


# --- reordering -----------------------------------------------------------------------


def test_reorder_puts_the_items_in_the_given_order(scene):
    a, b, c = add(scene, "A"), add(scene, "B"), add(scene, "C")
    version = scene.conference.agenda_version
    services.reorder_agenda(
        actor=scene.organizer,
        conference=scene.conference,
        order=[c.id, a.id, b.id],
        agenda_version=version,
    )
    assert titles(scene.conference) == ["C", "A", "B"]
    assert scene.conference.agenda_version == version + 1
    published = agenda_events(scene.conference)[-1].payload["agenda"]
    assert [i["id"] for i in published["items"]] == [c.id, a.id, b.id]
    assert published["agenda_version"] == version + 1
    assert "agenda.reorder" in audit_actions()


@pytest.mark.parametrize(
    "order",
    [
        lambda a, b, c: [a, b],  # one missing
        lambda a, b, c: [a, b, c, c],  # twice
        lambda a, b, c: [a, b, 999999],  # not an item of this conference
        lambda a, b, c: "a,b,c",
        lambda a, b, c: [a, b, True],
    ],
)
def test_an_order_must_list_exactly_the_items(scene, order):
    a, b, c = add(scene, "A"), add(scene, "B"), add(scene, "C")
    with pytest.raises(ValidationError) as refused:
        services.reorder_agenda(
            actor=scene.organizer,
            conference=scene.conference,
            order=order(a.id, b.id, c.id),
            agenda_version=scene.conference.agenda_version,
        )
    assert "order" in refused.value.field_errors
    assert titles(scene.conference) == ["A", "B", "C"]


def test_two_reorders_from_the_same_version_one_wins_the_other_conflicts(scene):
    a, b, c = add(scene, "A"), add(scene, "B"), add(scene, "C")
    seen = scene.conference.agenda_version
    services.reorder_agenda(
        actor=scene.organizer,
        conference=scene.conference,
        order=[c.id, b.id, a.id],
        agenda_version=seen,
    )
    with pytest.raises(ConflictError):
        services.reorder_agenda(
            actor=scene.organizer,
            conference=scene.conference,
            order=[b.id, a.id, c.id],
            agenda_version=seen,
        )
    assert titles(scene.conference) == ["C", "B", "A"]


def test_move_up_and_down(scene):
    a, b, c = add(scene, "A"), add(scene, "B"), add(scene, "C")
    services.move_item(
        actor=scene.organizer,
        conference=scene.conference,
        item=c,
        direction="up",
        agenda_version=scene.conference.agenda_version,
    )
    assert titles(scene.conference) == ["A", "C", "B"]
    services.move_item(
        actor=scene.organizer,
        conference=scene.conference,
        item=a,
        direction="down",
        agenda_version=scene.conference.agenda_version,
    )
    assert titles(scene.conference) == ["C", "A", "B"]
    with pytest.raises(ValidationError):
        services.move_item(
            actor=scene.organizer,
            conference=scene.conference,
            item=c,
            direction="up",
            agenda_version=scene.conference.agenda_version,
        )
    with pytest.raises(ConflictError):
        services.move_item(
            actor=scene.organizer,
            conference=scene.conference,
            item=b,
            direction="up",
            agenda_version=scene.conference.agenda_version - 1,
        )
    assert titles(scene.conference) == ["C", "A", "B"]


# --- who and when ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["chair", "delegate", "outsider"])
def test_only_organizers_change_the_agenda(scene, who):
    item = add(scene, "A")
    actor = getattr(scene, who)
    version = scene.conference.agenda_version
    calls = [
        lambda: services.add_item(
            actor=actor, conference=scene.conference, data={"title": "x"}, agenda_version=version
        ),
        lambda: services.update_item(
            actor=actor, conference=scene.conference, item=item, data={"title": "x"}, version=1
        ),
        lambda: services.delete_item(
            actor=actor, conference=scene.conference, item=item, version=1
        ),
        lambda: services.reorder_agenda(
            actor=actor, conference=scene.conference, order=[item.id], agenda_version=version
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedError):
            call()
    assert titles(scene.conference) == ["A"] and item.version == 1


def test_an_admin_may_edit(scene, make):
    services.add_item(
        actor=make.admin(),
        conference=scene.conference,
        data={"title": "A"},
        agenda_version=scene.conference.agenda_version,
    )
    assert titles(scene.conference) == ["A"]


@pytest.mark.parametrize("status", [S.draft, S.scheduled, S.live])
def test_the_agenda_is_editable_before_and_during_the_meeting(scene, status):
    scene.conference.status = status
    add(scene, "A")
    assert titles(scene.conference) == ["A"]


@pytest.mark.parametrize("status", [S.concluded, S.archived])
def test_the_agenda_is_frozen_once_the_conference_is_over(scene, status):
    item = add(scene, "A")
    scene.conference.status = status
    with pytest.raises(InvalidStateError):
        add(scene, "B")
    with pytest.raises(InvalidStateError):
        services.update_item(
            actor=scene.organizer,
            conference=scene.conference,
            item=item,
            data={"title": "x"},
            version=1,
        )
    assert titles(scene.conference) == ["A"]


def test_an_item_of_another_conference_is_not_found(scene, make):
    other = make.conference(organizer=scene.organizer)
    foreign = services.add_item(
        actor=scene.organizer,
        conference=other,
        data={"title": "X"},
        agenda_version=other.agenda_version,
    )
    with pytest.raises(NotFoundError):
        services.get_item(scene.conference, foreign.id)
    with pytest.raises(NotFoundError):
        services.update_item(
            actor=scene.organizer, conference=scene.conference, item=foreign, data={}, version=1
        )


# --- the projection ----------------------------------------------------------------


def test_the_view_projects_every_start_and_the_end(scene):
    scene.conference.ends_at = scene.conference.starts_at + timedelta(minutes=60)
    add(scene, "A", planned_minutes=30)
    add(scene, "B", planned_minutes=45)
    view = services.agenda_view(scene.conference)
    starts = scene.conference.starts_at
    assert [row.projected_start for row in view.rows] == [starts, starts + timedelta(minutes=30)]
    assert view.projected_end == starts + timedelta(minutes=75)
    assert view.planned_seconds == 75 * 60
    assert view.overrun_seconds == 15 * 60


# --- documents ------------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def ooxml(main: str, part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/{part}" ContentType="{main}"/></Types>',
        )
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


DOCX = ooxml(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "word/document.xml",
)
XLSX = ooxml(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/workbook.xml"
)


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<x/>")
    return buffer.getvalue()


def upload(scene, item, name, content):
    return services.add_document(
        actor=scene.organizer,
        conference=scene.conference,
        item=item,
        filename=name,
        stream=io.BytesIO(content),
    )


def stored_files(folder) -> list:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Báo cáo sơ kết.pdf", PDF, "application/pdf"),
        ("Dự thảo.docx", DOCX, services.DOCX),
        ("Số liệu.xlsx", XLSX, services.XLSX),
        ("Ghi chú.odt", odt(), services.ODT),
        ("Sơ đồ.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "image/png"),
        ("Ảnh.JPG", b"\xff\xd8\xff\xe0" + b"\0" * 40, "image/jpeg"),
    ],
)
def test_good_documents_are_stored_under_a_random_name(scene, uploads, name, content, content_type):
    item = add(scene, "A")
    document = upload(scene, item, name, content)
    _db.session.commit()

    assert document.filename == name
    assert document.content_type == content_type
    assert document.size == len(content)
    assert len(document.sha256) == 64
    assert stored_files(uploads) == [document.storage_key]
    assert name not in document.storage_key
    assert (uploads / document.storage_key).read_bytes() == content
    published = agenda_events(scene.conference)[-1].payload["agenda"]["items"][0]["documents"]
    assert published == [{"id": document.id, "filename": name, "size": len(content)}]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("report.pdf", b"just some text, not a PDF", "not a real PDF"),
        ("report.docx", PDF, "not a real Word"),
        ("report.docx", XLSX, "not a real Word"),
        ("report.xlsx", b"PK\x03\x04garbage", "not a real Excel"),
        ("report.odt", DOCX, "not a real OpenDocument"),
        ("photo.png", b"\xff\xd8\xff\xe0" + b"\0" * 10, "not a real PNG"),
        ("script.exe", b"MZ\x90\x00", "cannot be attached"),
        ("notes.txt", b"hello", "cannot be attached"),
        ("empty.pdf", b"", "is empty"),
        ("", PDF, "Choose a file"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_stored(scene, uploads, name, content, reason):
    item = add(scene, "A")
    _db.session.commit()
    with pytest.raises(ValidationError) as refused:
        upload(scene, item, name, content)
    assert reason in str(refused.value.message)
    _db.session.rollback()
    assert _db.session.scalar(select(func.count()).select_from(AgendaDocument)) == 0
    assert stored_files(uploads) == []


def test_a_document_over_the_limit_is_refused(scene, uploads, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1000)
    item = add(scene, "A")
    with pytest.raises(ValidationError) as refused:
        upload(scene, item, "big.pdf", PDF + b"0" * 2000)
    assert "too large" in str(refused.value.message)
    assert stored_files(uploads) == []


def test_a_file_whose_row_is_rolled_back_is_removed(scene, uploads):
    item = add(scene, "A")
    _db.session.commit()
    upload(scene, item, "a.pdf", PDF)
    assert len(stored_files(uploads)) == 1
    _db.session.rollback()
    assert stored_files(uploads) == []


def test_deleting_a_document_or_its_item_removes_the_file_after_the_commit(scene, uploads):
    from meetings.db import unit_of_work

    item = add(scene, "A")
    keep = upload(scene, item, "a.pdf", PDF)
    drop = upload(scene, item, "b.pdf", PDF)
    _db.session.commit()
    with unit_of_work():
        services.delete_document(actor=scene.organizer, conference=scene.conference, document=drop)
    assert stored_files(uploads) == [keep.storage_key]
    with unit_of_work():
        services.delete_item(
            actor=scene.organizer, conference=scene.conference, item=item, version=item.version
        )
    assert stored_files(uploads) == []


def test_only_organizers_upload(scene, uploads):
    item = add(scene, "A")
    with pytest.raises(PermissionDeniedError):
        services.add_document(
            actor=scene.delegate,
            conference=scene.conference,
            item=item,
            filename="a.pdf",
            stream=io.BytesIO(PDF),
        )
    assert stored_files(uploads) == []


def test_who_may_download(scene, make):
    from datetime import UTC, datetime

    from meetings.live.models import Site

    assert services.can_download(scene.conference, user=scene.delegate)
    assert services.can_download(scene.conference, user=scene.organizer)
    assert not services.can_download(scene.conference, user=scene.outsider)
    assert not services.can_download(scene.conference, user=None)
    unit = make.unit()
    make.participant(scene.conference, unit=unit, role=ConferenceRole.delegate)
    site = Site(
        conference_id=scene.conference.id,
        unit_id=unit.id,
        name="Vụ Địa phương III",
        token="t" * 43,
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    _db.session.add(site)
    _db.session.flush()
    assert services.can_download(scene.conference, user=None, site_token="t" * 43)
    assert not services.can_download(scene.conference, user=None, site_token="x" * 43)
    site.revoked_at = datetime.now(UTC)
    assert not services.can_download(scene.conference, user=None, site_token="t" * 43)


def test_two_reorders_racing_in_two_sessions_one_wins_and_no_item_is_lost(app, scene):
    """Two requests (threads, own sessions and connections) claim the same agenda_version."""
    import threading

    from meetings.db import unit_of_work

    ids = [add(scene, title).id for title in ("A", "B", "C", "D")]
    _db.session.commit()
    conference_id, organizer_id = scene.conference.id, scene.organizer.id
    barrier = threading.Barrier(2, timeout=10)
    outcomes: dict[str, str] = {}

    def reorder(name: str, order: list[int]) -> None:
        with app.app_context():
            try:
                conference = _db.session.get(Conference, conference_id)
                actor = _db.session.get(User, organizer_id)
                seen = conference.agenda_version
                barrier.wait()
                with unit_of_work():
                    services.reorder_agenda(
                        actor=actor, conference=conference, order=order, agenda_version=seen
                    )
                outcomes[name] = "saved"
            except ConflictError:
                outcomes[name] = "conflict"
            finally:
                _db.session.remove()

    orders = {"first": list(reversed(ids)), "second": [ids[1], ids[0], ids[3], ids[2]]}
    threads = [threading.Thread(target=reorder, args=item) for item in orders.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert sorted(outcomes.values()) == ["conflict", "saved"], outcomes
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    _db.session.expire_all()
    assert [item.id for item in services.items_of(scene.conference)] == orders[winner]
