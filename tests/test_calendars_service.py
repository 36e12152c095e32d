"""Managing calendars and links: bad input changes nothing, other accounts stay invisible."""

from __future__ import annotations

import pytest

from backend.errors import InvalidInput, NotFound
from backend.policy import Policy, Scope
from tests.conftest import Harness


@pytest.mark.parametrize(
    ("name", "policy", "field"),
    [
        ("", Policy(), "name"),
        ("x" * 201, Policy(), "name"),
        ("Bad\x00name", Policy(), "name"),
        ("Staff", Policy(scope=Scope.STAFF), "policy.scope_id"),
        ("Staff", Policy(scope=Scope.STAFF, scope_id="nobody"), "policy.scope_id"),
        ("Room", Policy(scope=Scope.RESOURCE, scope_id="st-1"), "policy.scope_id"),
        ("All", Policy(scope_id="st-1"), "policy.scope_id"),
        ("Narrow", Policy(service_ids=frozenset({"sv-unknown"})), "policy.service_ids"),
        ("Narrow", Policy(location_ids=frozenset({"lc-unknown"})), "policy.location_ids"),
        ("Window", Policy(past_days=-1), "policy.past_days"),
        ("Window", Policy(future_days=0), "policy.future_days"),
        ("Refresh", Policy(refresh_minutes=1), "policy.refresh_minutes"),
        ("Colour", Policy(color="red;x"), "policy.color"),
    ],
)
def test_bad_calendars_are_refused_and_nothing_is_written(
    acme: Harness, name: str, policy: Policy, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        acme.create_calendar(name=name, policy=policy)
    assert refused.value.field == field
    assert acme.call(acme.runtime.calendars.list_calendars, "acme") == []


def test_names_and_labels_are_tidied(acme: Harness) -> None:
    calendar, link = acme.create_calendar(name="  Front\tdesk  ", label=" Alice's  phone ")
    assert calendar.name == "Front desk"
    assert link.record.label == "Alice's phone"


def test_another_accounts_calendars_and_links_do_not_exist(acme: Harness) -> None:
    calendar, link = acme.create_calendar()
    acme.create_account("other")
    service = acme.runtime.calendars
    attempts = [
        (service.get_calendar, "other", calendar.id),
        (service.update_calendar, "other", calendar.id, "Mine now", Policy()),
        (service.delete_calendar, "other", calendar.id),
        (service.links, "other", calendar.id),
        (service.add_link, "other", calendar.id, "Sneaky"),
        (service.set_link_enabled, "other", link.record.id, False),
        (service.regenerate_link, "other", link.record.id),
        (service.delete_link, "other", link.record.id),
    ]
    for function, *args in attempts:
        with pytest.raises(NotFound):
            acme.call(function, *args)
    (unchanged,) = acme.call(service.links, "acme", calendar.id)
    assert unchanged.token == link.token
    assert unchanged.record.enabled
    assert acme.call(service.get_calendar, "acme", calendar.id).name == "Calendar"


def test_a_links_token_is_derived_again_from_the_key(acme: Harness) -> None:
    calendar, link = acme.create_calendar()
    (listed,) = acme.call(acme.runtime.calendars.links, "acme", calendar.id)
    assert listed.token == link.token
    assert len(link.token) == 24
