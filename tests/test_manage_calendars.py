"""The owner's pages do what they say: forms keep the owner's input when they refuse it,
badges and previews tell the truth about what subscribers see, and every action shows up
in the feeds at once."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import icalendar

from backend import api_keys
from backend.policy import Detail, NameFormat, Policy, Scope
from tests.conftest import CUSTOMER, STAFF, OwnerClient, appointment

CALENDAR_FORM = {
    "name": "Sam's clients",
    "scope": f"staff:{STAFF.id}",
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


class _FormFields(HTMLParser):
    """What a browser submits for the page's calendar form as rendered (not the CSRF token)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        name = a.get("name", "")
        if tag == "input" and name and name != "_csrf" and "disabled" not in a:
            if a.get("type") not in ("radio", "checkbox") or "checked" in a:
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and "disabled" not in a:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = name
            self.fields.append((name, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            name, text = self.fields.pop()
            self.fields.append((name, text + data))


def form_as_rendered(html: str) -> list[tuple[str, str]]:
    parser = _FormFields()
    parser.feed(html.split('class="calendar-form', 1)[1].split("</form>", 1)[0])
    return parser.fields


def calendar_lines(feed: str) -> list[str]:
    """The feed's own properties (before any time zone or event), unfolded."""
    head = re.split(r"\r\nBEGIN:V(?:TIMEZONE|EVENT)\r\n", feed, maxsplit=1)[0]
    return head.replace("\r\n ", "").split("\r\n")


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
        ({"name": "  "}, "Name must not be empty or only invisible characters."),
        ({"past_days": "ten"}, "Enter a whole number."),
        ({"future_days": "9999"}, "The window may reach 1 to 3650 days ahead."),
        ({"scope": "staff"}, "Choose which staff member this calendar follows."),
        ({"scope": "resource:rs-nope"}, "Choose one of the account's resources."),
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
    assert "The refresh hint must be 15 minutes to 7 days." in response.text
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


HOSTILE_DESCRIPTION = "Line one\r\nLine two; a, b <script>alert(1)</script> back\\slash"


def test_a_description_and_colour_set_in_the_form_reach_the_next_feed_fetch(
    owner: OwnerClient,
) -> None:
    calendar, link = owner.harness.create_calendar("acme", "Studio")
    assert "X-WR-CALDESC" not in owner.harness.feed(link.token).text
    owner.get(f"/manage/calendars/{calendar.id}/edit")
    saved = owner.post(
        f"/manage/calendars/{calendar.id}/edit",
        form(scope="account", description=HOSTILE_DESCRIPTION, color_mode="set", color="#FF0000"),
    )
    assert saved.status_code == 303

    feed = owner.harness.feed(link.token).text
    lines = calendar_lines(feed)
    escaped = r"Line one\nLine two\; a\, b <script>alert(1)</script> back\\slash"
    assert f"X-WR-CALDESC:{escaped}" in lines
    assert f"DESCRIPTION:{escaped}" in lines
    assert "X-APPLE-CALENDAR-COLOR:#ff0000" in lines
    assert "COLOR:red" in lines
    parsed = icalendar.Calendar.from_ical(feed)
    assert str(parsed["DESCRIPTION"]) == HOSTILE_DESCRIPTION.replace("\r\n", "\n")

    page = owner.get(f"/manage/calendars/{calendar.id}").text
    summary = page.split('aria-label="Settings"', 1)[1].split("</section>", 1)[0]
    assert "<script>alert" not in page
    assert "Line one<br>Line two; a, b &lt;script&gt;alert(1)&lt;/script&gt;" in summary
    assert re.search(r'<svg [^>]*><rect [^>]*fill="#ff0000"', summary), "a swatch, no style="
    assert "#ff0000" in text_of(summary)


def test_clearing_the_description_and_colour_removes_them_from_the_feed(
    owner: OwnerClient,
) -> None:
    policy = Policy(description="Opening hours", color="#1a2b3c")
    calendar, link = owner.harness.create_calendar("acme", "Studio", policy)
    assert "X-WR-CALDESC:Opening hours" in owner.harness.feed(link.token).text
    edit = owner.get(f"/manage/calendars/{calendar.id}/edit").text
    assert re.search(r'id="color-set" name="color_mode" value="set" checked', edit)
    fields = dict(form_as_rendered(edit))
    assert (fields["description"], fields["color"]) == ("Opening hours", "#1a2b3c")

    cleared = form(
        name="Studio", scope="account", description=" \r\n ", color_mode="none", color="#1a2b3c"
    )
    assert owner.post(f"/manage/calendars/{calendar.id}/edit", cleared).status_code == 303
    lines = calendar_lines(owner.harness.feed(link.token).text)
    assert "X-WR-CALNAME:Studio" in lines
    for gone in ("X-WR-CALDESC:", "DESCRIPTION:", "COLOR:", "X-APPLE-CALENDAR-COLOR:"):
        assert not any(line.startswith(gone) for line in lines), gone
    page = text_of(owner.get(f"/manage/calendars/{calendar.id}").text)
    assert "Colour None: each app picks its own" in page
    assert "Opening hours" not in page


def test_an_unset_colour_stays_unset_when_the_form_is_saved_as_rendered(
    owner: OwnerClient,
) -> None:
    calendar, link = owner.harness.create_calendar("acme", "Plain")
    before = owner.harness.feed(link.token).content
    edit = owner.get(f"/manage/calendars/{calendar.id}/edit").text
    fields = form_as_rendered(edit)
    assert ("color_mode", "none") in fields
    assert dict(fields)["color"].startswith("#"), "a colour input always submits a value"
    assert owner.post(f"/manage/calendars/{calendar.id}/edit", fields).status_code == 303
    saved = owner.harness.call(owner.harness.runtime.calendars.get_calendar, "acme", calendar.id)
    assert saved.policy == calendar.policy
    assert owner.harness.feed(link.token).content == before


def test_a_refused_description_or_colour_keeps_the_input_and_leaves_the_feed_unchanged(
    owner: OwnerClient,
) -> None:
    policy = Policy(description="Opening hours", color="#1a2b3c")
    calendar, link = owner.harness.create_calendar("acme", "Studio", policy)
    before = owner.harness.feed(link.token).content
    owner.get(f"/manage/calendars/{calendar.id}/edit")
    cases = [
        ({"color": "red"}, "The colour must look like #1a2b3c."),
        ({"color": "#12345g"}, "The colour must look like #1a2b3c."),
        ({"description": "x" * 1001}, "The description must be at most 1000 characters."),
        (
            {"description": "Ring the bell\x07 twice"},
            "The description must not contain control characters other than line breaks.",
        ),
    ]
    for changes, message in cases:
        typed = {"description": "New & <improved>", "color_mode": "set", "color": "#00ff00"}
        typed |= changes
        response = owner.post(
            f"/manage/calendars/{calendar.id}/edit", form(scope="account", **typed)
        )
        assert response.status_code == 400, changes
        html = response.text
        assert message in unescape(html), changes
        field = "color" if "color" in changes else "description"
        assert f'<a href="#{field}-field">' in html
        # As typed, but no page prints a control character: resending it is accepted.
        shown = typed["description"].replace("\x07", "")
        assert dict(form_as_rendered(html))["description"] == shown
        assert re.search(r'id="color-set" name="color_mode" value="set" checked', html)
        unchanged = owner.harness.call(
            owner.harness.runtime.calendars.get_calendar, "acme", calendar.id
        )
        assert unchanged == calendar, changes
        assert owner.harness.feed(link.token).content == before, changes
    owner.get("/manage/calendars/new")
    refused = owner.post("/manage/calendars/new", form(color_mode="set", color="#12"))
    assert refused.status_code == 400
    assert owner.harness.call(owner.harness.runtime.calendars.list_calendars, "acme") == [calendar]


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
    assert plain.headers["location"] == f"/manage/calendars/{calendar.id}"
    page = owner.get(f"/manage/calendars/{calendar.id}").text
    assert "Enabled “Default”: its URL shows the calendar again." in page
    assert "BEGIN:VEVENT" in owner.harness.feed(link.token).text


def test_add_regenerate_and_delete_links_and_the_calendar(owner: OwnerClient) -> None:
    calendar, first = owner.harness.create_calendar("acme", "Lifecycle")
    owner.get(f"/manage/calendars/{calendar.id}")
    refused = owner.post(f"/manage/calendars/{calendar.id}/links", {"label": " "})
    assert refused.status_code == 400
    assert "Label must not be empty or only invisible characters." in refused.text
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
    assert "Label must not be empty or only invisible characters." in refused.text
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
