"""Bad input through HTTP: every error is an RFC 9457 problem naming the problem and the
field, and changes nothing."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import msgspec
import pytest

from backend.api_keys import revoke_key
from backend.settings import Settings
from tests.conftest import ApiClient, api_client
from tests.test_api_objects import appointment, seed

JSON = {"Content-Type": "application/json"}


def assert_error(response: Any, status: int, field: str | None) -> None:
    """An RFC 9457 problem: its status, the status's phrase, a detail, and the field to blame."""
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["title"] == HTTPStatus(status).phrase
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    assert body.get("field") == field


@pytest.fixture
def seeded(api: ApiClient) -> ApiClient:
    seed(api)
    return api


def test_malformed_json_is_a_400_and_writes_nothing(seeded: ApiClient) -> None:
    version = seeded.data_version()
    response = seeded.put("/staff/s-9", content=b'{"name": "Sam"', headers=JSON)
    assert_error(response, 400, None)
    assert "JSON" in response.json()["detail"]
    assert seeded.get("/staff/s-9").status_code == 404
    assert seeded.data_version() == version


def test_a_missing_body_is_a_400(seeded: ApiClient) -> None:
    assert_error(seeded.put("/staff/s-9", content=b"", headers=JSON), 400, None)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/staff/s-9", {"name": 5}, "name"),
        ("/events/e-9", {"name": "Yoga", "capacity": "10"}, "capacity"),
        ("/events/e-9", {"name": "Yoga", "capacity": -1}, "capacity"),
        ("/customers/c-9", {"name": "Jo", "custom_fields": {"a": 1}}, "custom_fields"),
        ("/customers/c-9", {"name": "Jo", "custom_fields": ["a"]}, "custom_fields"),
        ("/bookings/b-9", appointment(staff_ids="x1"), "staff_ids"),
        ("/bookings/b-9", appointment(customer_ids=[1]), "customer_ids[0]"),
        ("/bookings/b-9", appointment(kind="class"), "kind"),
        ("/bookings/b-9", appointment(status="done"), "status"),
    ],
)
def test_a_wrong_type_is_a_400_naming_the_field(
    seeded: ApiClient, path: str, body: dict[str, Any], field: str
) -> None:
    version = seeded.data_version()
    assert_error(seeded.put(path, body), 400, field)
    assert seeded.get(path).status_code == 404
    assert seeded.data_version() == version


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/staff/s-9", {"name": "Sam", "emial": "sam@example.com"}, "emial"),
        ("/bookings/b-9", appointment(note="typo for notes"), "note"),
        ("/customers/c-9", {"name": "Jo", "adress": "x"}, "adress"),
    ],
)
def test_an_unknown_field_is_rejected_not_dropped(
    seeded: ApiClient, path: str, body: dict[str, Any], field: str
) -> None:
    response = seeded.put(path, body)
    assert_error(response, 400, field)
    assert "unknown field" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/staff/s-9", {"email": "sam@example.com"}, "name"),
        ("/bookings/b-9", {k: v for k, v in appointment().items() if k != "start"}, "start"),
        ("/bookings/b-9", {k: v for k, v in appointment().items() if k != "kind"}, "kind"),
        ("/bookings/b-9", appointment(service_id=None), "service_id"),
        (
            "/bookings/b-9",
            {
                "kind": "event_session",
                "start": "2030-01-01T09:00:00Z",
                "end": "2030-01-01T10:00:00Z",
            },
            "event_id",
        ),
    ],
)
def test_a_missing_required_field_is_named(
    seeded: ApiClient, path: str, body: dict[str, Any], field: str
) -> None:
    assert_error(seeded.put(path, body), 400, field)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "2030-03-01T09:00:00"}, "start"),
        ({"end": "2030-03-01 10:00"}, "end"),
        ({"start": "tomorrow"}, "start"),
        ({"end": "2030-03-01T07:00:00Z"}, "end"),
        ({"end": "2030-03-01T08:00:00.500Z", "start": "2030-03-01T08:00:00Z"}, "end"),
        ({"event_id": "x1"}, "event_id"),
        ({"start": "0001-01-01T00:30:00+01:00"}, "start"),
        ({"start": "0500-03-01T08:00:00Z"}, "start"),
        ({"end": "9999-12-31T20:00:00-05:00"}, "end"),
    ],
)
def test_bad_times_and_mixed_kinds_are_rejected(
    seeded: ApiClient, changes: dict[str, Any], field: str
) -> None:
    assert_error(seeded.put("/bookings/b-9", appointment(**changes)), 400, field)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"service_id": "nope"}, "service_id"),
        ({"location_id": "nope"}, "location_id"),
        ({"staff_ids": ["x1", "nope"]}, "staff_ids[1]"),
        ({"resource_ids": ["nope"]}, "resource_ids[0]"),
        ({"customer_ids": ["x1", "x1", "nope"]}, "customer_ids[2]"),
    ],
)
def test_a_reference_to_an_unknown_object_names_it(
    seeded: ApiClient, changes: dict[str, Any], field: str
) -> None:
    response = seeded.put("/bookings/b-9", appointment(**changes))
    assert_error(response, 400, field)
    assert "'nope'" in response.json()["detail"]
    assert seeded.get("/bookings/b-9").status_code == 404


def test_a_reference_to_another_accounts_object_is_unknown(seeded: ApiClient) -> None:
    other = api_client(seeded.harness, "other")
    other.put("/staff/theirs", {"name": "Theirs"})
    assert_error(
        seeded.put("/bookings/b-9", appointment(staff_ids=["theirs"])), 400, "staff_ids[0]"
    )


def test_deleting_a_referenced_object_is_a_409_and_keeps_it(seeded: ApiClient) -> None:
    seeded.put("/bookings/b-1", appointment())
    for kind in ("staff", "resources", "locations", "services", "customers"):
        response = seeded.delete(f"/{kind}/x1")
        assert_error(response, 409, None)
        assert "referenced" in response.json()["detail"]
        assert seeded.get(f"/{kind}/x1").status_code == 200
    assert seeded.get("/bookings/b-1").json()["staff_ids"] == ["x1"]


def test_an_invalid_time_zone_name_is_a_400(seeded: ApiClient) -> None:
    before = seeded.get("/account").json()
    assert_error(seeded.patch("/account", {"time_zone": "Mars/Olympus"}), 400, "time_zone")
    assert_error(seeded.patch("/account", {"locale": "xx_NOPE"}), 400, "locale")
    assert_error(seeded.patch("/account", {"week_start": 7}), 400, "week_start")
    assert_error(seeded.patch("/account", {"id": "other"}), 400, "id")
    assert seeded.get("/account").json() == before


@pytest.mark.parametrize("object_id", ["a%20b", "%0d%0aX", "-lead", "%3Cscript%3E", "x" * 129])
def test_ids_with_odd_characters_are_a_400(seeded: ApiClient, object_id: str) -> None:
    assert_error(seeded.put(f"/staff/{object_id}", {"name": "Sam"}), 400, "id")
    assert_error(seeded.get(f"/staff/{object_id}"), 400, "id")


def test_an_odd_id_inside_a_body_is_a_400(seeded: ApiClient) -> None:
    assert_error(seeded.put("/bookings/b-9", appointment(staff_ids=["a b"])), 400, "staff_ids[0]")
    assert_error(seeded.put("/bookings/b-9", appointment(staff_ids=["s-1\n"])), 400, "staff_ids[0]")
    assert_error(
        seeded.post("/batch", {"staff": [{"id": "s-9\n", "name": "Sam"}]}), 400, "staff[0].id"
    )
    assert_error(seeded.put("/staff/s-9", {"id": "s-8", "name": "Sam"}), 400, "id")


def test_too_long_text_is_a_400(seeded: ApiClient) -> None:
    assert_error(seeded.put("/staff/s-9", {"name": "x" * 201}), 400, "name")
    assert_error(seeded.put("/staff/s-9", {"name": ""}), 400, "name")


def test_bad_paging_parameters_are_a_400(seeded: ApiClient) -> None:
    assert_error(seeded.get("/staff", params={"limit": 0}), 400, "limit")
    assert_error(seeded.get("/staff", params={"limit": "many"}), 400, "limit")


def test_a_missing_key_is_a_401(seeded: ApiClient) -> None:
    response = seeded.harness.client.get("/api/v1/staff/x1")
    assert_error(response, 401, None)
    assert response.headers["www-authenticate"].startswith("Bearer")
    other_scheme = {"Authorization": f"Basic {seeded.key}"}
    assert_error(seeded.harness.client.get("/api/v1/staff/x1", headers=other_scheme), 401, None)


def test_an_unknown_key_is_a_401_and_writes_nothing(seeded: ApiClient) -> None:
    forged = {"Authorization": f"Bearer {seeded.key[:-2]}xx"}
    client = seeded.harness.client
    assert_error(client.put("/api/v1/staff/s-9", json={"name": "Sam"}, headers=forged), 401, None)
    assert seeded.get("/staff/s-9").status_code == 404


def test_a_revoked_key_is_a_401_at_once(seeded: ApiClient) -> None:
    assert seeded.get("/account").status_code == 200
    harness = seeded.harness
    harness.call(revoke_key, harness.runtime.db, "acme", seeded.key[:12])
    assert_error(seeded.get("/account"), 401, None)
    assert_error(seeded.put("/staff/s-9", {"name": "Sam"}), 401, None)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, max_body_bytes=4096)


def test_an_oversized_body_is_a_413_with_the_configured_limit(seeded: ApiClient) -> None:
    response = seeded.put("/services/s-9", {"name": "Big", "description": "x" * 5000})
    assert_error(response, 413, None)
    assert "4096" in response.json()["detail"]
    assert seeded.get("/services/s-9").status_code == 404
    assert seeded.put("/services/s-9", {"name": "Small"}).status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/api/v1/nope", 404, None),
        ("GET", "/api/v2/staff", 404, None),
        ("GET", "/api/v1/staff/x1/more", 404, None),
        ("POST", "/api/v1/staff/x1", 405, {"GET", "PUT", "DELETE"}),
        ("DELETE", "/api/v1/batch", 405, {"POST"}),
        ("PUT", "/api/v1/account", 405, {"GET", "PATCH"}),
        ("PUT", "/schema/openapi.json", 405, {"GET"}),
    ],
)
def test_unknown_routes_and_wrong_methods_are_problems(
    seeded: ApiClient, method: str, path: str, status: int, allow: set[str] | None
) -> None:
    response = seeded.harness.client.request(method, path, headers=seeded.headers)
    assert_error(response, status, None)
    if allow is not None:
        assert allow <= {m.strip() for m in response.headers["allow"].split(",")}
    assert seeded.get("/staff/x1").json()["name"] == "Sam"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PUT", "/staff/x1", b'{"name": "Sam", "name": "Eve"}', "name"),
        (
            "PUT",
            "/customers/x1",
            b'{"name": "J", "custom_fields": {"a": "1", "a": "2"}}',
            "custom_fields.a",
        ),
        ("PATCH", "/account", b'{"name": "A", "week_start": 1, "week_start": 2}', "week_start"),
        (
            "POST",
            "/batch",
            b'{"staff": [{"id": "s1", "name": "A"}, {"id": "s2", "name": "B"},'
            b' {"id": "s3", "name": "C", "name": "D"}]}',
            "staff[2].name",
        ),
        ("POST", "/batch", b'{"delete": {"staff": ["x1"], "staff": []}}', "delete.staff"),
        ("POST", "/batch", b'{"staff": [], "staff": [{"id": "s1", "name": "A"}]}', "staff"),
    ],
)
def test_a_repeated_key_is_a_400_naming_it_and_writes_nothing(
    seeded: ApiClient, method: str, path: str, body: bytes, field: str
) -> None:
    before = {kind: seeded.get(f"/{kind}").json() for kind in ("staff", "customers")}
    account = seeded.get("/account").json()
    response = seeded.request(method, path, content=body, headers=JSON)
    assert_error(response, 400, field)
    assert f"`{field.rsplit('.', 1)[-1]}` appears twice" in response.json()["detail"]
    assert {kind: seeded.get(f"/{kind}").json() for kind in ("staff", "customers")} == before
    assert seeded.get("/account").json() == account


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/api/v1/staff/x1", "DELETE, GET, OPTIONS, PUT"),
        ("/api/v1/account", "GET, OPTIONS, PATCH"),
        ("/api/v1/bookings", "GET, OPTIONS"),
    ],
)
def test_options_lists_every_method_of_the_address(
    seeded: ApiClient, path: str, allow: str
) -> None:
    response = seeded.harness.client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == allow
