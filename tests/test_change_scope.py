"""A write moves only the calendars whose content it can change: the others stay cached, feed
and widget alike, and serve the very same bytes without being built again."""

from __future__ import annotations

from prometheus_client import REGISTRY

from backend.domain import Resource, StaffMember
from backend.policy import Policy, Scope
from tests.conftest import ROOM, STAFF, Harness, appointment

OTHER_STAFF = StaffMember(id="st-2", name="Yan Other")
OTHER_ROOM = Resource(id="rs-2", name="Room Two")


def builds(cache: str) -> float:
    """How many times the cache has had to build (every miss builds or waits for a build)."""
    return (
        REGISTRY.get_sample_value("bookfeed_render_cache_total", {"cache": cache, "result": "miss"})
        or 0.0
    )


def scoped(harness: Harness) -> dict[str, str]:
    """Tokens of an account-wide calendar and of calendars scoped to each staff member and
    the room, all fetched once (feed and widget) so that each is cached."""
    harness.put("acme", OTHER_STAFF, OTHER_ROOM)
    policies = {
        "account": Policy(),
        "staff X": Policy(scope=Scope.STAFF, scope_id=STAFF.id),
        "staff Y": Policy(scope=Scope.STAFF, scope_id=OTHER_STAFF.id),
        "room": Policy(scope=Scope.RESOURCE, scope_id=ROOM.id),
    }
    tokens = {
        name: harness.create_calendar("acme", name, p)[1].token for name, p in policies.items()
    }
    for token in tokens.values():
        assert harness.feed(token).status_code == 200
        assert harness.client.get(f"/embed/{token}").status_code == 200
    return tokens


def fetch_all(harness: Harness, tokens: dict[str, str]) -> dict[str, bytes]:
    return {name: harness.feed(token).content for name, token in tokens.items()}


def test_a_booking_in_one_staff_members_scope_leaves_the_other_calendars_cached(
    acme: Harness,
) -> None:
    tokens = scoped(acme)
    before = fetch_all(acme, tokens)
    acme.put("acme", appointment("bk-x", hours=30, staff_ids=(STAFF.id,), resource_ids=()))

    feed_builds, widget_builds = builds("feed"), builds("widget_data")
    for name in ("staff Y", "room"):
        assert acme.feed(tokens[name]).content == before[name], name
        assert acme.client.get(f"/embed/{tokens[name]}").status_code == 200
    assert builds("feed") == feed_builds
    assert builds("widget_data") == widget_builds

    for name in ("account", "staff X"):
        body = acme.feed(tokens[name]).content
        assert body != before[name] and body.count(b"BEGIN:VEVENT") == 2, name
        assert acme.client.get(f"/embed/{tokens[name]}").status_code == 200
    assert builds("feed") == feed_builds + 2
    assert builds("widget_data") == widget_builds + 2


def test_moving_a_booking_to_another_staff_member_changes_both_calendars(acme: Harness) -> None:
    tokens = scoped(acme)
    fetch_all(acme, tokens)
    feed_builds = builds("feed")
    acme.put("acme", appointment(staff_ids=(OTHER_STAFF.id,)))
    after = fetch_all(acme, tokens)
    assert builds("feed") == feed_builds + 4  # the booking still uses the room, which moves too
    assert after["staff X"].count(b"BEGIN:VEVENT") == 0
    assert after["staff Y"].count(b"BEGIN:VEVENT") == 1


def test_a_deleted_booking_moves_only_the_calendars_that_showed_it(acme: Harness) -> None:
    tokens = scoped(acme)
    acme.put("acme", appointment("bk-y", hours=30, staff_ids=(OTHER_STAFF.id,), resource_ids=()))
    before = fetch_all(acme, tokens)
    feed_builds = builds("feed")
    acme.delete_booking("acme", "bk-y")
    after = fetch_all(acme, tokens)
    assert builds("feed") == feed_builds + 2
    assert after["staff X"] == before["staff X"] and after["room"] == before["room"]
    assert after["staff Y"].count(b"BEGIN:VEVENT") == 0
    assert after["account"].count(b"BEGIN:VEVENT") == 1


def test_an_object_change_moves_every_calendar_of_the_account(acme: Harness) -> None:
    tokens = scoped(acme)
    fetch_all(acme, tokens)
    feed_builds = builds("feed")
    acme.put("acme", StaffMember(id=OTHER_STAFF.id, name="Yan Renamed"))
    fetch_all(acme, tokens)
    assert builds("feed") == feed_builds + len(tokens)
