"""JSON API: the agenda (list, add, read, edit, delete, reorder) with versions and conflicts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.agenda import services
from meetings.agenda.models import AgendaItem
from meetings.conferences.models import Conference, ConferenceRole, ConferenceStatus
from meetings.extensions import db as _db
from meetings.live.models import LiveEvent
from tests.http.test_api import assert_error, bearer, login


@pytest.fixture
def api(client):
    return client


@pytest.fixture
def scene(make):
    organizer = make.organizer()
    second_organizer = make.user()
    chair = make.user()
    delegate = make.user(full_name="Lê Thị Hoa")
    conference = make.conference(organizer=organizer, chair=chair)
    make.participant(conference, user=second_organizer, role=ConferenceRole.organizer)
    make.participant(conference, user=delegate)
    _db.session.commit()
    return {
        "organizer": organizer,
        "second_organizer": second_organizer,
        "chair": chair,
        "delegate": delegate,
        "outsider": make.user(),
        "conference": conference.id,
    }


def url(scene, tail: str = "") -> str:
    return f"/api/v1/conferences/{scene['conference']}/agenda{tail}"


def conference(scene) -> Conference:
    _db.session.expire_all()
    return _db.session.get(Conference, scene["conference"])


def add_items(scene, *titles) -> list[int]:
    conf = conference(scene)
    ids = [
        services.add_item(
            actor=scene["organizer"],
            conference=conf,
            data={"title": title, "planned_minutes": 10},
            agenda_version=conf.agenda_version,
        ).id
        for title in titles
    ]
    _db.session.commit()
    return ids


def stored_titles(scene) -> list[str]:
    return [item.title for item in services.items_of(conference(scene))]


def agenda_events(scene) -> int:
    return _db.session.scalar(
        select(func.count())
        .select_from(LiveEvent)
        .where(LiveEvent.conference_id == scene["conference"], LiveEvent.type == "agenda")
    )


# --- reading --------------------------------------------------------------------------


def test_invitees_read_the_agenda_with_its_version_and_projected_times(api, scene):
    add_items(scene, "Khai mạc", "Thảo luận")
    response = api.get(url(scene), headers=bearer(scene["delegate"]))

    assert response.status_code == 200
    body = response.get_json()
    assert body["agenda_version"] == conference(scene).agenda_version
    assert [i["title"] for i in body["items"]] == ["Khai mạc", "Thảo luận"]
    first, second = body["items"]
    assert first["position"] == 1 and first["version"] == 1 and first["status"] == "pending"
    assert second["projected_start"] == first["projected_end"]
    assert body["projected_end"] == second["projected_end"]
    assert body["planned_seconds"] == 20 * 60


def test_strangers_get_404(api, scene):
    (item_id,) = add_items(scene, "A")
    headers = bearer(scene["outsider"])
    assert_error(api.get(url(scene), headers=headers), 404, "not_found")
    assert_error(api.get(url(scene, f"/{item_id}"), headers=headers), 404, "not_found")


def test_anonymous_callers_get_401(api, scene):
    assert_error(api.get(url(scene)), 401, "unauthenticated")


# --- adding ---------------------------------------------------------------------------


def test_organizers_add_items_at_the_end_or_at_a_position(api, scene):
    add_items(scene, "A", "C")
    headers = bearer(scene["organizer"])
    version = conference(scene).agenda_version

    response = api.post(
        url(scene),
        json={
            "title": "B",
            "presenter_name": "Vụ Địa phương III",
            "planned_minutes": 30,
            "position": 2,
            "agenda_version": version,
        },
        headers=headers,
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["title"] == "B" and body["position"] == 2
    assert body["presenter_label"] == "Vụ Địa phương III" and body["planned_minutes"] == 30
    assert stored_titles(scene) == ["A", "B", "C"]
    assert conference(scene).agenda_version == version + 1


def test_adding_needs_the_agenda_version_and_a_fresh_one(api, scene):
    add_items(scene, "A")
    headers = bearer(scene["organizer"])
    missing = api.post(url(scene), json={"title": "B"}, headers=headers)
    assert assert_error(missing, 422, "invalid")["errors"]["agenda_version"]
    stale = api.post(
        url(scene),
        json={"title": "B", "agenda_version": conference(scene).agenda_version - 1},
        headers=headers,
    )
    assert "Someone else changed the agenda" in assert_error(stale, 409, "conflict")["message"]
    assert stored_titles(scene) == ["A"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "ok", "planned_minutes": 0}, "planned_minutes"),
        ({"title": "ok", "planned_minutes": "10"}, "planned_minutes"),
        ({"title": "ok", "presenter_id": 987654}, "presenter_id"),
        ({"title": "ok", "colour": "red"}, "colour"),
    ],
)
def test_bad_items_are_refused_with_field_errors(api, scene, body, field):
    response = api.post(
        url(scene),
        json={**body, "agenda_version": conference(scene).agenda_version},
        headers=bearer(scene["organizer"]),
    )
    assert field in assert_error(response, 422, "invalid")["errors"]
    assert stored_titles(scene) == []


def test_delegates_and_the_chair_may_not_change_the_agenda(api, scene):
    (item_id,) = add_items(scene, "A")
    version = conference(scene).agenda_version
    for who in ("delegate", "chair"):
        headers = bearer(scene[who])
        assert_error(
            api.post(url(scene), json={"title": "B", "agenda_version": version}, headers=headers),
            403,
            "forbidden",
        )
        assert_error(
            api.patch(
                url(scene, f"/{item_id}"), json={"title": "x", "version": 1}, headers=headers
            ),
            403,
            "forbidden",
        )
        assert_error(
            api.delete(url(scene, f"/{item_id}?version=1"), headers=headers), 403, "forbidden"
        )
        assert_error(
            api.put(
                url(scene, "/order"),
                json={"order": [item_id], "agenda_version": version},
                headers=headers,
            ),
            403,
            "forbidden",
        )
    assert stored_titles(scene) == ["A"]


# --- editing and deleting -------------------------------------------------------------


def test_an_item_is_read_and_edited_with_its_version(api, scene):
    (item_id,) = add_items(scene, "Khai mạc")
    headers = bearer(scene["organizer"])
    assert api.get(url(scene, f"/{item_id}"), headers=headers).get_json()["version"] == 1

    response = api.patch(
        url(scene, f"/{item_id}"),
        json={"version": 1, "presenter_id": scene["chair"].id, "planned_minutes": 15},
        headers=headers,
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 2 and body["planned_minutes"] == 15
    assert body["presenter"]["id"] == scene["chair"].id and body["title"] == "Khai mạc"


def test_a_stale_or_missing_item_version_is_refused(api, scene):
    (item_id,) = add_items(scene, "Khai mạc")
    headers = bearer(scene["organizer"])
    api.patch(url(scene, f"/{item_id}"), json={"version": 1, "title": "First"}, headers=headers)

    stale = api.patch(
        url(scene, f"/{item_id}"), json={"version": 1, "title": "Late"}, headers=headers
    )
    assert "nothing was saved" in assert_error(stale, 409, "conflict")["message"]
    missing = api.patch(url(scene, f"/{item_id}"), json={"title": "No version"}, headers=headers)
    assert assert_error(missing, 422, "invalid")["errors"]["version"]
    assert stored_titles(scene) == ["First"]


def test_delete_needs_the_current_version(api, scene):
    a, b = add_items(scene, "A", "B")
    headers = bearer(scene["organizer"])
    assert_error(api.delete(url(scene, f"/{a}"), headers=headers), 422, "invalid")
    assert_error(api.delete(url(scene, f"/{a}?version=7"), headers=headers), 409, "conflict")
    response = api.delete(url(scene, f"/{a}?version=1"), headers=headers)
    assert response.status_code == 204
    assert stored_titles(scene) == ["B"]
    assert_error(api.get(url(scene, f"/{a}"), headers=headers), 404, "not_found")


def test_an_item_under_discussion_cannot_be_deleted(api, scene):
    (a,) = add_items(scene, "A")
    conf = conference(scene)
    conf.status = ConferenceStatus.live
    _db.session.get(AgendaItem, a).status = "running"
    _db.session.commit()
    response = api.delete(url(scene, f"/{a}?version=1"), headers=bearer(scene["organizer"]))
    assert_error(response, 409, "invalid_state")
    assert stored_titles(scene) == ["A"]


# --- reordering -----------------------------------------------------------------------


def test_reorder(api, scene):
    a, b, c = add_items(scene, "A", "B", "C")
    version = conference(scene).agenda_version
    before = agenda_events(scene)

    response = api.put(
        url(scene, "/order"),
        json={"order": [c, a, b], "agenda_version": version},
        headers=bearer(scene["organizer"]),
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [i["title"] for i in body["items"]] == ["C", "A", "B"]
    assert body["agenda_version"] == version + 1
    assert agenda_events(scene) == before + 1  # the live room hears about it


def test_an_order_that_is_not_the_agenda_is_refused(api, scene):
    a, b = add_items(scene, "A", "B")
    response = api.put(
        url(scene, "/order"),
        json={"order": [a], "agenda_version": conference(scene).agenda_version},
        headers=bearer(scene["organizer"]),
    )
    assert "order" in assert_error(response, 422, "invalid")["errors"]
    assert stored_titles(scene) == ["A", "B"]


def test_two_organizers_reordering_at_once_one_wins_the_other_gets_a_conflict(app, scene):
    """Both read the same agenda_version in their browsers (session cookies) and drop at once."""
    a, b, c, d = add_items(scene, "A", "B", "C", "D")
    first, second = app.test_client(), app.test_client()
    login(first, scene["organizer"])
    login(second, scene["second_organizer"])
    seen_by_first = first.get(url(scene)).get_json()["agenda_version"]
    seen_by_second = second.get(url(scene)).get_json()["agenda_version"]
    assert seen_by_first == seen_by_second

    won = first.put(
        url(scene, "/order"), json={"order": [d, c, b, a], "agenda_version": seen_by_first}
    )
    lost = second.put(
        url(scene, "/order"), json={"order": [b, a, d, c], "agenda_version": seen_by_second}
    )

    assert won.status_code == 200
    body = assert_error(lost, 409, "conflict")
    assert "Someone else changed the agenda" in body["message"]
    assert stored_titles(scene) == ["D", "C", "B", "A"]  # the winner's order, no item lost
    reread = second.get(url(scene)).get_json()
    assert [i["title"] for i in reread["items"]] == ["D", "C", "B", "A"]
    assert reread["agenda_version"] == seen_by_first + 1
    retried = second.put(
        url(scene, "/order"),
        json={"order": [b, a, d, c], "agenda_version": reread["agenda_version"]},
    )
    assert retried.status_code == 200
    assert stored_titles(scene) == ["B", "A", "D", "C"]


def test_the_openapi_document_describes_the_agenda(api, db):
    doc = api.get("/api/v1/openapi.json").get_json()
    base = "/api/v1/conferences/{conference_id}/agenda"
    assert {m for m in doc["paths"][base] if m != "parameters"} == {"get", "post"}
    assert {m for m in doc["paths"][base + "/{item_id}"] if m != "parameters"} == {
        "get",
        "patch",
        "delete",
    }
    assert {m for m in doc["paths"][base + "/order"] if m != "parameters"} == {"put"}
    schemas = doc["components"]["schemas"]
    assert schemas["AgendaItemUpdate"]["required"] == ["version"]
    assert set(schemas["AgendaOrder"]["required"]) == {"order", "agenda_version"}
    assert "409" in doc["paths"][base + "/order"]["put"]["responses"]
