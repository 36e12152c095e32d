"""POST /api/v1/batch: many upserts and deletions in one transaction, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import ApiClient
from tests.test_api_errors import assert_error
from tests.test_api_objects import SAMPLES


def references() -> dict[str, list[dict[str, Any]]]:
    return {kind: [{"id": "x1", **body}] for kind, body in SAMPLES.items()}


def bookings(count: int, **changes: Any) -> list[dict[str, Any]]:
    first = datetime(2030, 1, 1, 9, tzinfo=UTC)
    return [
        {
            "id": f"bk-{n:05d}",
            "kind": "appointment",
            "service_id": "x1",
            "start": (first + timedelta(hours=n)).isoformat(),
            "end": (first + timedelta(hours=n, minutes=45)).isoformat(),
            "staff_ids": ["x1"],
            "resource_ids": ["x1"],
            "customer_ids": ["x1"],
            "location_id": "x1",
            "notes": f"note {n}",
            **changes,
        }
        for n in range(count)
    ]


def dump(api: ApiClient) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in order, read through the store's own connection."""
    catalog = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
        "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    }

    async def read() -> dict[str, list[tuple[Any, ...]]]:
        async with api.harness.runtime.db.reading() as conn:
            tables = [
                row[0] for row in await (await conn.execute(catalog[conn.dialect])).fetchall()
            ]
            return {
                table: sorted(
                    tuple(row)
                    for row in await (await conn.execute(f"SELECT * FROM {table}")).fetchall()
                )
                for table in tables
            }

    return api.harness.call(read)


def test_a_batch_reports_counts_per_kind(api: ApiClient) -> None:
    first = api.post("/batch", {**references(), "bookings": bookings(3)})
    assert first.status_code == 200
    counts = first.json()
    assert counts["bookings"] == {"created": 3, "updated": 0, "unchanged": 0, "deleted": 0}
    assert all(counts[kind]["created"] == 1 for kind in SAMPLES)
    moved = bookings(3)
    moved[1]["status"] = "cancelled"
    second = api.post(
        "/batch", {"bookings": moved, "delete": {"bookings": ["bk-00002", "never-was"]}}
    ).json()
    assert second["bookings"] == {"created": 0, "updated": 1, "unchanged": 3, "deleted": 1}
    assert second["data_version"] == api.data_version()
    assert api.get("/bookings/bk-00001").json()["status"] == "cancelled"
    assert api.get("/bookings/bk-00002").status_code == 404


def test_a_batch_with_one_bad_booking_leaves_the_database_byte_for_byte_unchanged(
    api: ApiClient,
) -> None:
    api.post("/batch", {**references(), "bookings": bookings(5)})
    before = dump(api)
    version = api.data_version()
    items = bookings(10, notes="changed")
    items[3]["start"] = "2030-01-01T09:00:00"  # no offset
    assert_error(api.post("/batch", {"bookings": items}), 400, "bookings[3].start")
    items = bookings(10, notes="changed")
    items[7]["staff_ids"] = ["x1", "ghost"]
    assert_error(api.post("/batch", {"bookings": items}), 400, "bookings[7].staff_ids[1]")
    staff = [{"id": "new-staff", "name": "New"}, {"id": "bad", "name": "x" * 500}]
    assert_error(api.post("/batch", {"staff": staff}), 400, "staff[1].name")
    fine_then_conflict = {"bookings": bookings(2), "delete": {"services": ["x1"]}}
    assert_error(api.post("/batch", fine_then_conflict), 409, "delete.services[0]")
    assert dump(api) == before
    assert api.data_version() == version


def test_each_item_in_a_batch_needs_its_id(api: ApiClient) -> None:
    assert_error(api.post("/batch", {"staff": [{"name": "No id"}]}), 400, "staff[0].id")


def test_unknown_fields_in_a_batch_are_rejected(api: ApiClient) -> None:
    assert_error(api.post("/batch", {"bookingz": []}), 400, "bookingz")
    assert_error(api.post("/batch", {"delete": {"staf": ["x1"]}}), 400, "delete.staf")


def test_a_booking_and_what_it_references_can_go_in_one_batch(api: ApiClient) -> None:
    api.post("/batch", {**references(), "bookings": bookings(1)})
    gone = {"bookings": ["bk-00000"], **{kind: ["x1"] for kind in SAMPLES}}
    response = api.post("/batch", {"delete": gone})
    assert response.status_code == 200
    assert all(response.json()[kind]["deleted"] == 1 for kind in [*SAMPLES, "bookings"])
    assert api.get("/staff").json()["items"] == []


def test_ten_thousand_bookings_in_one_request(api: ApiClient) -> None:
    load = {**references(), "bookings": bookings(10_000)}
    first = api.post("/batch", load)
    assert first.status_code == 200
    assert first.json()["bookings"]["created"] == 10_000
    version = api.data_version()
    again = api.post("/batch", load).json()
    assert again["bookings"]["unchanged"] == 10_000
    assert api.data_version() == version
    last = api.get("/bookings/bk-09999").json()
    assert last["customer_ids"] == ["x1"]
    assert last["notes"] == "note 9999"
