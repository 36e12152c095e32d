"""The owner's pages do what they say: forms keep the owner's input when they refuse it,
badges and previews tell the truth about what subscribers see, and every action shows up
in the feeds at once."""

from __future__ import annotations

import re
from html import unescape

import icalendar

from backend import api_keys
from backend.policy import Detail, NameFormat, Policy, Scope
from tests.conftest import CUSTOMER, STAFF, OwnerClient, appointment

CALENDAR_FORM = {
    "name": "Sam's clients",
    "scope": "staff",
    "staff_id": STAFF.id,
    "name_format": "initials",
    "title_mode": "names",
    "past_days": "10",
    "future_days": "60",
    "cancelled": "remove",
    "refresh_minutes": "60",
}


def form(**changes: str) -> list[tuple[str, str]]:
    fields = {**CALENDAR_FORM, **changes}
    return [*fields.items(), ("details", "customer_name"), ("details", "location")]


def calendar_id_from(response: object) -> int:
    location = response.headers["location"]  # type: ignore[attr-defined]
    match = re.fullmatch(r"/manage/calendars/(\d+)", location)
    assert match, location
    return int(match.group(1))


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_an_account_without_calendars_gets_a_helpful_empty_state(owner: OwnerClient) -> None:
    page = owner.get("/manage/")
    assert page.status_code == 200
    assert "No calendars yet" in page.text
    assert 'href="/manage/calendars/new"' in page.text


def test_creating_a_staff_calendar_with_customer_names_shows_the_personal_data_badge(
    owner: OwnerClient,
) -> None:
    owner.get("/manage/calendars/new")
    created = owner.post("/manage/calendars/new", form())
    assert created.status_code == 303
    calendar_id = calendar_id_from(created)
    page = owner.get(f"/manage/calendars/{calendar_id}")
    text = text_of(page.text)
    assert "Created “Sam's clients” with its first link" in text
    assert "Personal data" in text
    assert "Staff: Sam Staffer" in text
    calendar = owner.harness.call(owner.harness.runtime.calendars.get_calendar, "acme", calendar_id)
    assert calendar.policy == Policy(
        scope=Scope.STAFF,
        scope_id=STAFF.id,
        details=frozenset({Detail.CUSTOMER_NAME, Detail.LOCATION}),
        customer_name_format=NameFormat.INITIALS,
        past_days=10,
        future_days=60,
    )
    listing = text_of(owner.get("/manage/").text)
    assert "Sam's clients Personal data" in listing
    assert "1 link, 1 enabled" in listing


def test_a_title_only_calendar_has_no_personal_data_badge(owner: OwnerClient) -> None:
    owner.harness.create_calendar(
        "acme", "Timetable", Policy(details=frozenset({Detail.STAFF_NAME}))
    )
    listing = owner.get("/manage/").text
    assert "Timetable" in listing
    assert "badge-personal" not in listing
    assert "Title and time, staff name" in text_of(listing)


def test_the_preview_shows_exactly_the_redacted_values(owner: OwnerClient) -> None:
    policy = Policy(
        details=frozenset({Detail.CUSTOMER_NAME}), customer_name_format=NameFormat.INITIALS
    )
    calendar, _ = owner.harness.create_calendar("acme", "Initials", policy)
    text = text_of(owner.get(f"/manage/calendars/{calendar.id}").text)
    assert "Haircut" in text
    assert "Customer: J. D." in text
    for withheld in (CUSTOMER.name, CUSTOMER.email, CUSTOMER.phone, STAFF.name, "Downtown"):
        assert withheld not in text


def test_the_preview_shows_each_event_in_the_feeds_own_words(owner: OwnerClient) -> None:
    booking = appointment(notes="Side door", custom_fields={"Length": "short"})
    owner.harness.put("acme", booking)
    calendar, link = owner.harness.create_calendar("acme", "All", Policy(details=frozenset(Detail)))
    page = owner.get(f"/manage/calendars/{calendar.id}").text
    details = re.search(r'<ul class="event-details">(.*?)</ul>', page, re.S).group(1)
    shown = [unescape(line) for line in re.findall(r"<li>(.*?)</li>", details, re.S)]
    (event,) = icalendar.Calendar.from_ical(owner.harness.feed(link.token).content).walk("VEVENT")
    assert shown == [str(event["LOCATION"]), *str(event["DESCRIPTION"]).splitlines()]
    assert "  Allergy: peanuts" in shown and "Notes: Side door" in shown


def test_refused_new_calendar_comes_back_with_the_owners_input_and_a_message(
    owner: OwnerClient,
) -> None:
    owner.get("/manage/calendars/new")
    cases = [
        ({"name": "  "}, "name must not be empty"),
        ({"past_days": "ten"}, "enter a whole number"),
        ({"future_days": "9999"}, "the window may reach 1 to 3650 days ahead"),
        ({"staff_id": ""}, "choose which staff this calendar follows"),
        ({"scope": "resource", "resource_id": "rs-nope"}, "choose one of the account's resources"),
    ]
    for changes, message in cases:
        response = owner.post("/manage/calendars/new", form(**changes))
        assert response.status_code == 400, changes
        html = response.text
        assert message in unescape(html), changes
        assert 'class="error-summary"' in html
        typed = {**CALENDAR_FORM, **changes}
        assert f'value="{typed["past_days"]}"' in html
        assert f'value="{typed["future_days"]}"' in html
        assert re.search(r'value="customer_name"\s+aria-describedby="[^"]+" checked', html)
        assert re.search(r'value="initials" checked', html)
    assert owner.harness.call(owner.harness.runtime.calendars.list_calendars, "acme") == []


def test_refused_edit_keeps_the_input_and_changes_nothing(owner: OwnerClient) -> None:
    calendar, _ = owner.harness.create_calendar("acme", "Before")
    owner.get(f"/manage/calendars/{calendar.id}/edit")
    response = owner.post(
        f"/manage/calendars/{calendar.id}/edit",
        form(name="After", scope="account", refresh_minutes="5"),
    )
    assert response.status_code == 400
    assert "the refresh hint must be 15 minutes to 7 days" in response.text
    assert 'value="After"' in response.text
    unchanged = owner.harness.call(
        owner.harness.runtime.calendars.get_calendar, "acme", calendar.id
    )
    assert unchanged == calendar


def test_a_policy_change_shows_in_the_very_next_feed_fetch(owner: OwnerClient) -> None:
    calendar, link = owner.harness.create_calendar("acme", "Changing")
    assert CUSTOMER.name not in owner.harness.feed(link.token).text
    owner.get(f"/manage/calendars/{calendar.id}/edit")
    saved = owner.post(
        f"/manage/calendars/{calendar.id}/edit", form(scope="account", name_format="full")
    )
    assert saved.status_code == 303
    assert CUSTOMER.name in owner.harness.feed(link.token).text
    page = text_of(owner.get(f"/manage/calendars/{calendar.id}").text)
    assert "Subscribers see the change on their next refresh" in page


def test_each_link_offers_every_way_to_subscribe(owner: OwnerClient) -> None:
    calendar, link = owner.harness.create_calendar("acme", "Shop & Co")
    html = owner.get(f"/manage/calendars/{calendar.id}").text
    feed = f"http://127.0.0.1:8000/feeds/{link.token}.ics"
    webcal = f"webcal://127.0.0.1:8000/feeds/{link.token}.ics"
    assert f'value="{feed}"' in html
    assert f'value="{webcal}"' in html
    assert (
        f"https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F127.0.0.1%3A8000%2Ffeeds%2F{link.token}.ics"
        in html
    )
    assert (
        "https://outlook.live.com/calendar/0/addfromweb?url=http%3A%2F%2F127.0.0.1%3A8000"
        f"%2Ffeeds%2F{link.token}.ics&amp;name=Shop%20%26%20Co"
    ) in html
    assert f'href="{webcal}"' in html
    qr = owner.get(f"/manage/links/{link.record.id}/qr.svg")
    assert qr.status_code == 200
    assert qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.startswith("<svg") and "<path" in qr.text


def test_the_link_shows_when_and_by_what_it_was_fetched(owner: OwnerClient) -> None:
    calendar, link = owner.harness.create_calendar("acme", "Watched")
    assert "Not fetched yet." in owner.get(f"/manage/calendars/{calendar.id}").text
    apple = "iOS/17.0 (21A329) dataaccessd/1.0"
    owner.harness.feed(link.token, **{"User-Agent": apple})
    owner.harness.feed(link.token, **{"User-Agent": apple})
    owner.harness.call(owner.harness.runtime.recorder.flush, owner.harness.runtime.db)
    text = text_of(owner.get(f"/manage/calendars/{calendar.id}").text)
    assert "Last fetched just now by Apple Calendar." in text
    assert "Last 7 days: Apple Calendar 2." in text
    assert "Google Calendar refreshes subscriptions only every several hours" in text
    listing = text_of(owner.get("/manage/").text)
    assert "Last fetched just now" in listing
    assert "Fetches, 7 days 2" in listing


def test_toggling_a_link_in_place_returns_only_that_link_and_empties_its_feed(
    owner: OwnerClient,
) -> None:
    calendar, link = owner.harness.create_calendar("acme", "Toggled")
    assert "BEGIN:VEVENT" in owner.harness.feed(link.token).text
    owner.get(f"/manage/calendars/{calendar.id}")
    swapped = owner.post(f"/manage/links/{link.record.id}/enabled", {"enabled": "false"}, htmx=True)
    assert swapped.status_code == 200
    assert "<html" not in swapped.text
    assert f'id="link-{link.record.id}"' in swapped.text
    assert "Disabled: its feed is empty" in swapped.text
    assert 'hx-swap-oob="true"' in swapped.text and "Disabled “Default”" in swapped.text
    assert "BEGIN:VEVENT" not in owner.harness.feed(link.token).text

    plain = owner.post(f"/manage/links/{link.record.id}/enabled", {"enabled": "true"})
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/manage/calendars/{calendar.id}#link-{link.record.id}"
    page = owner.get(f"/manage/calendars/{calendar.id}").text
    assert "Enabled “Default”: its URL shows the calendar again." in page
    assert "BEGIN:VEVENT" in owner.harness.feed(link.token).text


def test_add_regenerate_and_delete_links_and_the_calendar(owner: OwnerClient) -> None:
    calendar, first = owner.harness.create_calendar("acme", "Lifecycle")
    owner.get(f"/manage/calendars/{calendar.id}")
    refused = owner.post(f"/manage/calendars/{calendar.id}/links", {"label": " "})
    assert refused.status_code == 400
    assert "label must not be empty" in refused.text
    added = owner.post(f"/manage/calendars/{calendar.id}/links", {"label": "Alice's phone"})
    assert added.status_code == 303
    links = owner.harness.call(owner.harness.runtime.calendars.links, "acme", calendar.id)
    assert [link.record.label for link in links] == ["Default", "Alice's phone"]
    second = links[1]

    owner.get(f"/manage/calendars/{calendar.id}")
    assert owner.post(f"/manage/links/{first.record.id}/regenerate").status_code == 303
    page = owner.get(f"/manage/calendars/{calendar.id}").text
    assert "The old one now serves an empty calendar" in unescape(page)
    assert first.token not in page
    assert "BEGIN:VEVENT" not in owner.harness.feed(first.token).text

    assert owner.post(f"/manage/links/{second.record.id}/delete").status_code == 303
    assert "BEGIN:VEVENT" not in owner.harness.feed(second.token).text

    owner.get(f"/manage/calendars/{calendar.id}")
    deleted = owner.post(f"/manage/calendars/{calendar.id}/delete")
    assert deleted.headers["location"] == "/manage/"
    assert "Deleted “Lifecycle”" in owner.get("/manage/").text
    assert owner.get(f"/manage/calendars/{calendar.id}").status_code == 404


def test_api_keys_are_shown_once_listed_by_prefix_and_revoked(owner: OwnerClient) -> None:
    page = owner.get("/manage/api-keys")
    assert "No API keys yet" in page.text
    refused = owner.post("/manage/api-keys", {"label": ""})
    assert refused.status_code == 400
    assert "the label must be 1 to 100 characters" in refused.text
    created = owner.post("/manage/api-keys", {"label": "Booking system"})
    assert created.status_code == 200
    key = re.search(r'id="new-key" class="url" value="(bfk_[^"]+)"', created.text).group(1)
    db = owner.harness.runtime.db
    assert owner.harness.call(api_keys.authenticate, db, key) == "acme"
    listing = owner.get("/manage/api-keys").text
    assert key not in listing, "shown only once"
    (record,) = owner.harness.call(api_keys.list_keys, db, "acme")
    assert f"{record.prefix}…" in listing
    assert "Booking system" in listing
    revoked = owner.post(f"/manage/api-keys/{record.id}/revoke")
    assert revoked.status_code == 303
    assert "Revoked" in owner.get("/manage/api-keys").text
    assert owner.harness.call(api_keys.authenticate, db, key) is None
