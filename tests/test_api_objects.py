"""Each kind of object through HTTP: create, replace, read, list, delete, idempotently."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiClient, api_client

START = "2030-03-01T09:00:00+01:00"
END = "2030-03-01T10:00:00+01:00"

SAMPLES: dict[str, dict[str, Any]] = {
    "staff": {"name": "Sam", "email": "sam@example.com", "phone": "+44 1"},
    "resources": {"name": "Room One"},
    "locations": {"name": "Downtown", "address": "1 High Street"},
    "services": {"name": "Haircut", "description": "A fine haircut"},
    "events": {"name": "Yoga", "description": "Bring a mat", "capacity": 12},
    "customers": {
        "name": "Jane Doe",
        "email": "jane@example.com",
        "phone": "+44 7700 900000",
        "address": "2 Low Road",
        "custom_fields": {"Allergy": "peanuts"},
    },
}
REFERENCE_KINDS = list(SAMPLES)


def seed(api: ApiClient) -> None:
    """One object of each reference kind, id 'x1'."""
    for kind, body in SAMPLES.items():
        assert api.put(f"/{kind}/x1", body).status_code == 201


def appointment(**changes: Any) -> dict[str, Any]:
    body = {
        "kind": "appointment",
        "service_id": "x1",
        "start": START,
        "end": END,
        "staff_ids": ["x1"],
        "resource_ids": ["x1"],
        "customer_ids": ["x1"],
        "location_id": "x1",
        "notes": "Side door",
        "custom_fields": {"Source": "web"},
    }
    body.update(changes)
    return body


@pytest.mark.parametrize("kind", REFERENCE_KINDS)
def test_a_put_object_reads_back_as_sent(api: ApiClient, kind: str) -> None:
    response = api.put(f"/{kind}/obj-1", SAMPLES[kind])
    assert response.status_code == 201
    assert response.json() == {"id": "obj-1", **SAMPLES[kind]} | response.json()
    read = api.get(f"/{kind}/obj-1")
    assert read.status_code == 200
    assert {key: read.json()[key] for key in SAMPLES[kind]} == SAMPLES[kind]


@pytest.mark.parametrize("kind", REFERENCE_KINDS)
def test_the_same_put_twice_does_not_move_the_data_version(api: ApiClient, kind: str) -> None:
    api.put(f"/{kind}/obj-1", SAMPLES[kind])
    version = api.data_version()
    again = api.put(f"/{kind}/obj-1", SAMPLES[kind])
    assert again.status_code == 200
    assert api.data_version() == version


@pytest.mark.parametrize("kind", REFERENCE_KINDS)
def test_a_replacing_put_moves_the_data_version_and_drops_absent_fields(
    api: ApiClient, kind: str
) -> None:
    api.put(f"/{kind}/obj-1", SAMPLES[kind])
    version = api.data_version()
    response = api.put(f"/{kind}/obj-1", {"name": "Renamed"})
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert api.data_version() == version + 1
    optional = [key for key in SAMPLES[kind] if key not in ("name", "custom_fields")]
    assert all(api.get(f"/{kind}/obj-1").json()[key] is None for key in optional)


@pytest.mark.parametrize("kind", REFERENCE_KINDS)
def test_a_deleted_object_is_gone(api: ApiClient, kind: str) -> None:
    api.put(f"/{kind}/obj-1", SAMPLES[kind])
    assert api.delete(f"/{kind}/obj-1").status_code == 204
    assert api.get(f"/{kind}/obj-1").status_code == 404
    assert api.delete(f"/{kind}/obj-1").status_code == 404


@pytest.mark.parametrize("kind", [*REFERENCE_KINDS, "bookings"])
def test_listing_pages_through_every_object_in_id_order(api: ApiClient, kind: str) -> None:
    seed(api)
    ids = [f"id-{n:02d}" for n in range(7)]
    for object_id in reversed(ids):
        body = appointment() if kind == "bookings" else SAMPLES[kind]
        api.put(f"/{kind}/{object_id}", body)
    expected = sorted([*ids, *([] if kind == "bookings" else ["x1"])])
    seen, after = [], None
    while True:
        params = {"limit": 3, **({"after": after} if after else {})}
        page = api.get(f"/{kind}", params=params).json()
        seen += [item["id"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == expected


def test_a_booking_reads_back_in_utc_with_its_references(api: ApiClient) -> None:
    seed(api)
    response = api.put("/bookings/bk-1", appointment())
    assert response.status_code == 201
    booking = api.get("/bookings/bk-1").json()
    assert booking["start"] == "2030-03-01T08:00:00Z"
    assert booking["end"] == "2030-03-01T09:00:00Z"
    assert booking["status"] == "confirmed"
    assert booking["staff_ids"] == ["x1"]
    assert booking["customer_ids"] == ["x1"]
    assert booking["custom_fields"] == {"Source": "web"}
    assert response.json() == booking


def test_the_same_booking_twice_does_not_move_the_data_version(api: ApiClient) -> None:
    seed(api)
    api.put("/bookings/bk-1", appointment())
    version = api.data_version()
    # The same instants written with another offset are the same booking.
    same = appointment(start="2030-03-01T08:00:00Z", end="2030-03-01T09:00:00Z")
    assert api.put("/bookings/bk-1", same).status_code == 200
    assert api.data_version() == version


def test_an_event_session_needs_its_event(api: ApiClient) -> None:
    seed(api)
    session = {"kind": "event_session", "event_id": "x1", "start": START, "end": END}
    assert api.put("/bookings/s-1", session).status_code == 201
    assert api.get("/bookings/s-1").json()["event_id"] == "x1"


def test_deleting_a_booking_moves_the_data_version(api: ApiClient) -> None:
    seed(api)
    api.put("/bookings/bk-1", appointment())
    version = api.data_version()
    assert api.delete("/bookings/bk-1").status_code == 204
    assert api.data_version() == version + 1
    assert api.get("/bookings/bk-1").status_code == 404


def test_the_account_reads_and_patches(api: ApiClient) -> None:
    account = api.get("/account").json()
    assert account["id"] == "acme"
    version = account["data_version"]
    patched = api.patch("/account", {"time_zone": "Europe/Paris", "week_start": 6})
    assert patched.status_code == 200
    assert patched.json()["time_zone"] == "Europe/Paris"
    assert patched.json()["week_start"] == 6
    assert patched.json()["name"] == account["name"]
    assert patched.json()["data_version"] == version + 1


def test_ids_with_url_safe_punctuation_are_accepted(api: ApiClient) -> None:
    for object_id in ("a.b", "A_b-9", "x:1@y~z", "7"):
        assert api.put(f"/staff/{object_id}", {"name": "Sam"}).status_code == 201
        assert api.get(f"/staff/{object_id}").json()["id"] == object_id


def test_a_key_never_reaches_another_accounts_objects(api: ApiClient) -> None:
    other = api_client(api.harness, "other")
    assert other.put("/staff/theirs", {"name": "Theirs"}).status_code == 201
    assert api.get("/staff/theirs").status_code == 404
    assert api.delete("/staff/theirs").status_code == 404
    assert api.get("/staff").json()["items"] == []
    # The same id in two accounts is two objects.
    assert api.put("/staff/theirs", {"name": "Mine"}).status_code == 201
    assert other.get("/staff/theirs").json()["name"] == "Theirs"


def test_replacing_a_booking_replaces_its_references(api: ApiClient) -> None:
    seed(api)
    assert api.put("/staff/x2", SAMPLES["staff"]).status_code == 201
    api.put("/bookings/bk-1", appointment(staff_ids=["x1", "x2"]))
    replaced = api.put("/bookings/bk-1", appointment(staff_ids=["x2"], resource_ids=[]))
    assert replaced.status_code == 200
    booking = api.get("/bookings/bk-1").json()
    assert booking["staff_ids"] == ["x2"]
    assert booking["resource_ids"] == []
    assert booking["customer_ids"] == ["x1"]
    assert api.delete("/resources/x1").status_code == 204  # no booking refers to it any more
