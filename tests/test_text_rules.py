"""One rule for text coming in, one for text going out: a booking system's control characters
are dropped, an owner's are refused, names of nothing visible are refused, and every page and
feed shows clean text with single-line fields on one line."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.accounts import create_account
from backend.api_keys import create_key, list_keys
from backend.domain import Account, BookingStatus, Customer, Location, Service, StaffMember
from backend.errors import InvalidInput
from backend.policy import Detail, Policy, PublicEvent
from backend.text import clean, is_blank, one_line
from tests.conftest import (
    CUSTOMER,
    PLACE,
    REFERENCES,
    SERVICE,
    STAFF,
    ApiClient,
    Harness,
    OwnerClient,
    appointment,
)
from tests.test_manage_calendars import form
from widget.i18n import translator
from widget.layout import Slot
from widget.locale import formatter
from widget.markup import event_link
from widget.urls import WidgetUrls

RAW = ("\x00", "\x1b", "\x7f", "\x85", "\x9b")
EVERYTHING = Policy(details=frozenset(Detail))


def dirty(text: str) -> str:
    """`text` with a NUL, an escape sequence, a DEL, a NEL and a C1 CSI worked in."""
    return f"\x00{text}\x1b[31m\x7f\x85\x9b"


def api_of(harness: Harness) -> ApiClient:
    _, key = harness.call(create_key, harness.runtime.db, "acme", "sync")
    return ApiClient(harness, "acme", key)


def push(owner: OwnerClient, via: str, changes: dict[str, dict[str, Any]]) -> None:
    """Replace the references of 'acme' through the API or (as data stored before the rules
    existed) straight through the store."""
    harness = owner.harness
    objects = {"services": SERVICE, "staff": STAFF, "locations": PLACE, "customers": CUSTOMER}
    if via == "api":
        api = api_of(harness)
        for kind, values in changes.items():
            if kind == "bookings":
                continue
            assert api.put(f"/{kind}/{objects[kind].id}", values).status_code == 200
        booking = changes.get("bookings")
        if booking:
            stored = api.get(f"/bookings/{appointment().id}").json()
            assert api.put(f"/bookings/{appointment().id}", {**stored, **booking}).status_code
        return
    if harness.runtime.db.dialect == "postgresql":
        # PostgreSQL's text cannot hold NUL at all: no stored text there has one to leak.
        changes = json.loads(json.dumps(changes).replace("\\u0000", ""))
    kinds = {"services": Service, "staff": StaffMember, "locations": Location}
    kinds["customers"] = Customer
    items: list[Any] = [
        kinds[kind](**{**_fields(objects[kind]), **values})
        for kind, values in changes.items()
        if kind != "bookings"
    ]
    items.append(appointment(**changes.get("bookings", {})))
    harness.put("acme", *items)


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__struct_fields__}


class Shown:
    """Everything a booking's text reaches: feed, widget (calendar and event), owner preview."""

    def __init__(self, owner: OwnerClient) -> None:
        record, link = owner.harness.create_calendar("acme", "Everything", EVERYTHING)
        client = owner.harness.client
        self.feed = owner.harness.feed(link.token).text
        self.widget = client.get(f"/embed/{link.token}", params={"view": "list"}).text
        uid = re.search(r'/events/([^"?]+)', self.widget).group(1)
        self.details = client.get(f"/embed/{link.token}/events/{uid}").text
        self.preview = owner.get(f"/manage/calendars/{record.id}").text

    def pages(self) -> dict[str, str]:
        return {"widget": self.widget, "details": self.details, "preview": self.preview}

    def event(self) -> icalendar.Event:
        (event,) = icalendar.Calendar.from_ical(self.feed).walk("VEVENT")
        return event


@pytest.mark.parametrize("via", ["api", "store"])
def test_control_characters_in_booking_text_reach_no_page_and_no_feed(
    owner: OwnerClient, via: str
) -> None:
    push(
        owner,
        via,
        {
            "services": {"name": dirty("Haircut"), "description": dirty("Sharp")},
            "staff": {"name": dirty("Sam Staffer"), "email": dirty("sam@staff.example")},
            "locations": {"name": dirty("Downtown"), "address": dirty("1 High Street")},
            "customers": {"name": dirty("Jane Doe"), "custom_fields": {"Allergy": dirty("nuts")}},
            "bookings": {"notes": dirty("Ring twice"), "custom_fields": {dirty("Door"): "B"}},
        },
    )
    shown = Shown(owner)
    for name, html in {**shown.pages(), "feed": shown.feed}.items():
        for char in RAW:
            assert char not in html, (name, char)
    for html in shown.pages().values():
        assert "Haircut[31m" in html
    assert "Jane Doe[31m" in shown.details
    assert "Ring twice[31m" in shown.details and "Ring twice[31m" in shown.preview
    assert str(shown.event()["SUMMARY"]) == "Haircut[31m"


def test_the_api_stores_booking_text_without_its_control_characters(api: ApiClient) -> None:
    body = {"name": dirty("Haircut"), "description": "Line one\r\nLine two\x00\tend"}
    assert api.put("/services/sv-1", body).status_code == 201
    stored = api.get("/services/sv-1").json()
    assert stored["name"] == "Haircut[31m\n"
    assert stored["description"] == "Line one\nLine two\tend"


@pytest.mark.parametrize("name", ["\u202e\u200b", " \t ", "\u2060\ufeff\u3164", "\x00\x1b"])
def test_a_name_of_only_invisible_characters_is_refused_by_the_api(
    api: ApiClient, name: str
) -> None:
    refused = api.put("/staff/st-1", {"name": name})
    assert refused.status_code == 400
    assert refused.json()["field"] == "name"
    assert "no visible characters" in refused.json()["detail"]
    assert api.get("/staff/st-1").status_code == 404
    batch = api.post(
        "/batch", {"resources": [{"id": "r1", "name": "Room"}, {"id": "r2", "name": name}]}
    )
    assert batch.status_code == 400
    assert batch.json()["field"] == "resources[1].name"
    assert api.get("/resources/r1").status_code == 404
    patched = api.patch("/account", {"name": name})
    assert patched.status_code == 400
    assert patched.json()["field"] == "name"
    assert api.get("/account").json()["name"] == "acme ltd"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\u202e\u200b", "Name must not be empty or only invisible characters"),
        ("\u200b \u2060", "Name must not be empty or only invisible characters"),
        ("Front\x1b[2Jdesk", "Name must not contain control characters"),
        ("Front desk\x85", "Name must not contain control characters"),
        ("Front\x00desk", "Name must not contain control characters"),
    ],
)
def test_an_owner_typed_calendar_name_of_control_or_invisible_characters_is_refused(
    owner: OwnerClient, name: str, message: str
) -> None:
    owner.get("/manage/calendars/new")
    refused = owner.post("/manage/calendars/new", form(name=name))
    assert refused.status_code == 400
    assert message in unescape(refused.text)
    assert owner.harness.call(owner.harness.runtime.calendars.list_calendars, "acme") == []


@pytest.mark.parametrize("label", ["sync\x1b[2J", "\x00", "\u200b\u200b", "sync\x7f"])
def test_an_api_key_or_link_label_of_control_or_invisible_characters_is_refused(
    owner: OwnerClient, label: str
) -> None:
    harness = owner.harness
    owner.get("/manage/api-keys")
    refused = owner.post("/manage/api-keys", {"label": label})
    assert refused.status_code == 400
    assert "Label must not" in refused.text
    assert harness.call(list_keys, harness.runtime.db, "acme") == []
    record, _ = harness.create_calendar("acme", "Front desk")
    owner.get(f"/manage/calendars/{record.id}")
    refused = owner.post(f"/manage/calendars/{record.id}/links", {"label": label})
    assert refused.status_code == 400
    assert "Label must not" in refused.text
    assert len(harness.call(harness.runtime.calendars.links, "acme", record.id)) == 1


@pytest.mark.parametrize("via", ["api", "store"])
def test_single_line_fields_become_one_line_and_descriptions_and_notes_keep_their_breaks(
    owner: OwnerClient, via: str
) -> None:
    push(
        owner,
        via,
        {
            "services": {"name": "Yoga\r\nBeginners", "description": "Line one\nLine two"},
            "staff": {"name": "Sam\nStaffer"},
            "locations": {"name": "Main\rStudio", "address": "1 High Street\n2nd floor"},
            "customers": {"name": "Jane\u2028Doe"},
            "bookings": {"notes": "Note one\r\nNote two"},
        },
    )
    shown = Shown(owner)
    event = shown.event()
    assert str(event["SUMMARY"]) == "Yoga Beginners"
    assert str(event["LOCATION"]) == "Main Studio, 1 High Street 2nd floor"
    description = str(event["DESCRIPTION"]).split("\n")
    assert description[:2] == ["Line one", "Line two"]
    assert any(line.startswith("Staff: Sam Staffer") for line in description)
    assert any(line.startswith("Customer: Jane Doe") for line in description)
    assert description[-2:] == ["Notes: Note one", "Note two"]
    for html in shown.pages().values():
        assert "Yoga Beginners" in html
        assert not re.search(r"Yoga\s*[\r\n\u2028]\s*Beginners", html)
    assert "Sam Staffer" in shown.details and "Jane Doe" in shown.details
    assert "Main Studio" in shown.details
    assert "Line one\nLine two" in shown.details and "Note one\nNote two" in shown.details


def test_the_text_rules_in_small() -> None:
    assert clean("a\r\nb\rc\x85d\u2028e\tf\x00\x1b\x7f\x9b") == "a\nb\nc\nd\ne\tf"
    assert one_line(" Yoga \r\n\t Beginners\n") == "Yoga Beginners"
    assert one_line("Already fine") == "Already fine"
    assert is_blank("\u202e\u200b \u3164\u0301")
    assert not is_blank("\u202eab")
    assert not is_blank("\u05d0")  # a letter of any script is visible


@given(st.text(max_size=80))
def test_cleaned_text_holds_no_control_character_and_one_line_no_line_break(text: str) -> None:
    cleaned = clean(text)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", cleaned)
    assert clean(cleaned) == cleaned
    line = one_line(text)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", line)
    assert one_line(line) == line


@pytest.mark.parametrize("name", ["Acme\x1b[2J", "\u200b\u202e", "Acme\x00"])
def test_an_account_name_of_control_or_invisible_characters_is_refused(
    harness: Harness, name: str
) -> None:
    account = Account(id="acme", name=name, time_zone="Europe/London")
    with pytest.raises(InvalidInput) as refused:
        harness.call(create_account, harness.runtime.db, account)
    assert refused.value.field == "name"


def test_the_api_cleans_the_account_name_it_is_sent(api: ApiClient) -> None:
    patched = api.patch("/account", {"name": "Acme\x00 Studio\x7f"})
    assert patched.status_code == 200
    assert patched.json()["name"] == "Acme Studio"


HOSTILE = "Cut <script>alert(\"x\")</script> & 'q'\r\nnext\x07\x1b[2J\u2028end"


@pytest.mark.parametrize("view", ["month", "week", "day", "list"])
def test_every_view_shows_an_events_hostile_title_escaped_and_cleaned(
    harness: Harness, view: str
) -> None:
    harness.create_account("acme")
    harness.put("acme", *REFERENCES, Service(id=SERVICE.id, name=HOSTILE), appointment())
    _, link = harness.create_calendar("acme", "Everything", EVERYTHING)
    listed = harness.client.get(f"/embed/{link.token}", params={"view": "list"}).text
    day = re.search(r"/events/(\d{4}-\d{2}-\d{2})/", listed).group(1)
    page = harness.client.get(f"/embed/{link.token}", params={"view": view, "date": day}).text
    chip = re.search(r'<a class="bf-event[^>]*>.*?</a>', page, re.S).group(0)
    shown = "Cut &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;q&#39; next[2J end"
    assert f'<span class="bf-what">{shown}</span>' in chip
    assert re.search(f'title="[^"]+ {re.escape(shown)}"', chip)
    assert "<script>" not in page
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", page)


def test_an_event_chip_cleans_and_escapes_the_text_it_is_given() -> None:
    """The chip is written in Python: it keeps the templates' rule for text it prints,
    whatever reaches it (here a title redaction would have put on one line)."""
    zone = ZoneInfo("Europe/London")
    start = datetime(2026, 11, 3, 9, tzinfo=zone)
    event = PublicEvent(
        uid='u<1>"&',
        start=start,
        end=start + timedelta(hours=1),
        stamp=start,
        sequence=0,
        title=HOSTILE,
        status=BookingStatus.CANCELLED,
    )
    slot = Slot(
        event=event, start=start, end=event.end, continued=False, continues=False, all_day=False
    )
    urls = WidgetUrls("token", (("theme", "dark"), ("lang", "en")), "https://x.example", zone)
    chip = str(event_link(translator("en"), slot, urls, formatter("en"), place=' "x'))
    text = "Cut &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;q&#39;\nnext[2J\nend"
    assert f'<span class="bf-what">{text}</span><span class="bf-flag"> (cancelled)</span>' in chip
    assert re.search(f'title="[^"]+ {re.escape(text)} \\(cancelled\\)"', chip)
    assert 'class="bf-event bf-cancelled &#34;x"' in chip
    assert 'href="/embed/token/events/2026-11-03/u%3C1%3E%22%26?theme=dark&amp;lang=en"' in chip
    assert not re.search(r"[<>\"'\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", unescape_text(chip))


def unescape_text(chip: str) -> str:
    """The chip's printed text: what lies between and inside its tags, markup left out."""
    return "".join(re.findall(r'(?<==")[^"]*|(?<=>)[^<]*', chip))
