"""Every agenda route x every kind of person: who gets what.

L = redirected to the login page, OK = 200 for a page or a redirect after a POST
that did its work, 403 = refused, 404 = the conference is not shown to this
person at all. Refused requests change nothing.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from meetings.agenda import services
from meetings.agenda.models import AgendaDocument, AgendaItem
from meetings.conferences.models import Conference, ConferenceStatus
from meetings.extensions import db as _db
from tests.http.test_conferences import build_scene
from tests.unit.test_agenda_services import PDF

L, OK = "login", "ok"
ROLES = (
    "anonymous",
    "outsider",
    "delegate",
    "unit_member",
    "secretary",
    "chair",
    "organizer",
    "admin",
)


def row(**overrides):
    base = dict(
        anonymous=L,
        outsider=404,
        delegate=403,
        unit_member=403,
        secretary=403,
        chair=403,
        organizer=OK,
        admin=OK,
    )
    return {**base, **overrides}


READERS = row(delegate=OK, unit_member=OK, secretary=OK, chair=OK)
ORGANIZERS = row()


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


def build(db, make, status=ConferenceStatus.scheduled):
    scene = build_scene(db, make, status=status)
    conference = _db.session.get(Conference, scene.conference)
    first = services.add_item(
        actor=scene.organizer,
        conference=conference,
        data={"title": "A"},
        agenda_version=conference.agenda_version,
    )
    services.add_item(
        actor=scene.organizer,
        conference=conference,
        data={"title": "B"},
        agenda_version=conference.agenda_version,
    )
    document = services.add_document(
        actor=scene.organizer,
        conference=conference,
        item=first,
        filename="a.pdf",
        stream=io.BytesIO(PDF),
    )
    _db.session.commit()
    return scene, conference.id, first.id, document.id, conference.agenda_version


def fingerprint():
    _db.session.expire_all()
    items = _db.session.execute(
        select(AgendaItem.id, AgendaItem.title, AgendaItem.position, AgendaItem.version).order_by(
            AgendaItem.id
        )
    ).all()
    documents = _db.session.scalar(select(func.count()).select_from(AgendaDocument))
    return items, documents


# (name, method, url, form)
ROUTES = [
    ("page", "GET", "/conferences/{c}/agenda", None, READERS),
    ("download", "GET", "/conferences/{c}/agenda/documents/{d}", None, READERS),
    (
        "add",
        "POST",
        "/conferences/{c}/agenda/items",
        {"title": "New", "planned_minutes": "5", "agenda_version": "{v}"},
        ORGANIZERS,
    ),
    (
        "edit",
        "POST",
        "/conferences/{c}/agenda/items/{i}/edit",
        {"title": "Edited", "planned_minutes": "5", "version": "1"},
        ORGANIZERS,
    ),
    (
        "move",
        "POST",
        "/conferences/{c}/agenda/items/{i}/move",
        {"direction": "down", "agenda_version": "{v}"},
        ORGANIZERS,
    ),
    ("delete", "POST", "/conferences/{c}/agenda/items/{i}/delete", {"version": "1"}, ORGANIZERS),
    ("upload", "POST", "/conferences/{c}/agenda/items/{i}/documents", "file", ORGANIZERS),
    ("remove document", "POST", "/conferences/{c}/agenda/documents/{d}/delete", {}, ORGANIZERS),
]

CASES = [pytest.param(route, role, id=f"{route[0]}-{role}") for route in ROUTES for role in ROLES]


@pytest.mark.parametrize(("route", "role"), CASES)
def test_permission_matrix(db, make, client, login_as, uploads, route, role):
    name, method, url, form, expected = route
    scene, conference_id, item_id, document_id, version = build(db, make)
    if role != "anonymous":
        login_as(getattr(scene, role))
    values = {"c": conference_id, "i": item_id, "d": document_id, "v": version}
    target = url.format(**values)
    if form == "file":
        data = {"file": (io.BytesIO(PDF), "b.pdf")}
    else:
        data = {k: str(v).format(**values) for k, v in form.items()} if form else None
    before = fingerprint()

    response = client.open(target, method=method, data=data)

    outcome = expected[role]
    if outcome == L:
        assert response.status_code == 302 and "/login" in response.location
    elif outcome == OK:
        expected_status = 200 if method == "GET" else 302
        assert response.status_code == expected_status, response.get_data(as_text=True)[:1500]
        if method == "GET":
            return
        assert "/login" not in response.location
    else:
        assert response.status_code == outcome
    if outcome != OK and method == "POST":
        assert fingerprint() == before


def test_drafts_are_hidden_from_invitees_but_not_from_organizers(db, make, client, login_as):
    scene, conference_id, *_ = build(db, make, status=ConferenceStatus.draft)
    login_as(scene.delegate)
    assert client.get(f"/conferences/{conference_id}/agenda").status_code == 404
    login_as(scene.organizer)
    assert client.get(f"/conferences/{conference_id}/agenda").status_code == 200


def test_an_item_of_another_conference_is_404(db, make, client, login_as):
    scene, conference_id, item_id, *_ = build(db, make)
    other = make.conference(organizer=scene.organizer)
    _db.session.commit()
    login_as(scene.organizer)
    response = client.post(
        f"/conferences/{other.id}/agenda/items/{item_id}/edit",
        data={"title": "x", "planned_minutes": "5", "version": "1"},
    )
    assert response.status_code == 404
