"""What a widget visitor can do beyond looking: subscribe in their own calendar app, add one
event, find its place, open a given view and date, and narrow the calendar with chips."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, quote, unquote, urlsplit

import icalendar
import pytest

from backend.domain import BookingKind, Service
from backend.policy import Detail, Policy
from backend.store.widgets import WidgetSettings
from tests.conftest import CLASS, CUSTOMER, SERVICE, STAFF, Harness, appointment, soon
from tests.test_widget_pages import LONDON, WITHHELD, calendar_token, widget
from widget.settings import save_widget_settings

SECRETS = (*WITHHELD, "a private note")


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def first_uid(harness: Harness, token: str) -> str:
    """The first event's "DAY/UID", as its links carry it."""
    page = widget(harness, token, view="list").text
    return re.search(r'/events/([^"?/]+/[^"?/]+)', page).group(1)


def details(harness: Harness, token: str, uid: str) -> str:
    return harness.client.get(f"/embed/{token}/events/{uid}", headers={"HX-Request": "true"}).text


# Subscribe menu


def test_the_subscribe_menu_offers_every_calendar_app_and_the_same_feed(acme: Harness) -> None:
    _, link = acme.create_calendar("acme", "Studio & friends")
    page = widget(acme, link.token).text
    feed = f"http://127.0.0.1:8000/feeds/{link.token}.ics"
    menu = page[page.index('id="bf-subscribe"') : page.index("</details>")]
    links = hrefs(menu)
    webcal = f"webcal://127.0.0.1:8000/feeds/{link.token}.ics"
    google = f"https://calendar.google.com/calendar/r?cid={quote(webcal, safe='')}"
    assert google in links
    for host in ("outlook.live.com", "outlook.office.com"):
        (outlook,) = [h for h in links if h.startswith(f"https://{host}/calendar/0/addfromweb?")]
        assert parse_qs(urlsplit(outlook).query) == {"url": [feed], "name": ["Studio & friends"]}
    assert webcal in links  # Apple
    android = re.search(r'<a href="([^"]+)"[^>]*id="bf-android"', menu).group(1)
    assert unescape(android) == google  # Android phones cannot open webcal links
    assert "Through Google Calendar" in menu
    assert re.search(rf'<a href="{re.escape(feed)}" download>', menu)
    assert f'value="{feed}"' in menu  # the link to copy, selectable without JavaScript
    assert acme.feed(link.token).headers["content-disposition"].startswith("attachment;")


# One event's file and its map link


def test_add_this_event_gives_the_redacted_event_as_a_file(acme: Harness) -> None:
    token = calendar_token(acme)  # the default policy: what and when only
    uid = first_uid(acme, token)
    dialog = details(acme, token, uid)
    file_url = f"/embed/{token}/events/{uid}/event.ics"
    add = rf'<a class="bf-button" id="bf-add-event" href="{re.escape(file_url)}" download>'
    assert re.search(add, dialog)
    response = acme.client.get(file_url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"] == 'attachment; filename="Haircut.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Haircut"
    assert str(event["UID"]) == unquote(uid.split("/")[1])
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)
    assert "REFRESH-INTERVAL" not in response.text
    for secret in SECRETS:
        assert secret not in response.text
        assert secret not in str(response.headers)


def test_the_event_file_carries_exactly_the_details_the_policy_shows(acme: Harness) -> None:
    acme.put("acme", appointment("bk-2", hours=48, notes="a private note"))
    policy = Policy(details=frozenset({Detail.LOCATION, Detail.STAFF_NAME}))
    token = calendar_token(acme, policy)
    for uid in re.findall(r'/events/([^"?/]+/[^"?/]+)"', widget(acme, token, view="list").text):
        body = acme.client.get(f"/embed/{token}/events/{uid}/event.ics").text
        assert "LOCATION:Downtown\\, 1 High Street" in body
        assert STAFF.name in body
        for secret in (CUSTOMER.name, CUSTOMER.email, STAFF.email, "a private note", "Room One"):
            assert secret not in body


def test_an_unknown_event_or_a_disabled_link_gets_the_unavailable_page(acme: Harness) -> None:
    _, link = acme.create_calendar("acme", "Secret studio")
    uid = first_uid(acme, link.token)
    unknown = acme.client.get(f"/embed/{'A' * 24}")
    assert unknown.status_code == 404
    day = uid.split("/")[0]
    missing = acme.client.get(f"/embed/{link.token}/events/{day}/nobody%40bookfeed/event.ics")
    acme.call(acme.runtime.calendars.set_link_enabled, "acme", link.record.id, False)
    disabled = acme.client.get(f"/embed/{link.token}/events/{uid}/event.ics")
    for response in (missing, disabled):
        assert response.status_code == 404
        assert response.content == unknown.content
        assert "Secret studio" not in response.text
        assert "content-disposition" not in response.headers


def test_a_map_link_only_where_the_location_is_shown(acme: Harness) -> None:
    hidden = calendar_token(acme)
    assert "google.com/maps" not in details(acme, hidden, first_uid(acme, hidden))
    shown = calendar_token(acme, Policy(details=frozenset({Detail.LOCATION})))
    dialog = details(acme, shown, first_uid(acme, shown))
    (maps,) = [h for h in hrefs(dialog) if "google.com/maps" in h]
    assert parse_qs(urlsplit(maps).query) == {"api": ["1"], "query": ["Downtown, 1 High Street"]}


def test_the_dialog_prints_the_date_once_with_machine_readable_times(acme: Harness) -> None:
    token = calendar_token(acme)
    dialog = details(acme, token, first_uid(acme, token))
    start = soon().astimezone(LONDON)
    full_date = re.search(r'data-bf-format="date">([^<]+)<', dialog).group(1)
    assert dialog.count(full_date) == 1
    assert str(start.day) in full_date
    assert f'datetime="{start.isoformat()}" data-bf-format="range"' in dialog
    assert f'data-bf-end="{(start + timedelta(hours=1)).isoformat()}"' in dialog


# Deep links


def test_a_deep_link_opens_that_view_and_date(acme: Harness) -> None:
    token = calendar_token(acme)
    page = widget(acme, token, view="week", date="2026-12-07").text
    assert "bf-view-week" in page
    assert re.search(r'<h2 id="bf-title" class="bf-title">[^<]*7[^<]*2026', page)
    assert "date=2026-12-14" in re.search(r'id="bf-next"[^>]*href="([^"]+)"', page).group(1)


@pytest.mark.parametrize(
    "params",
    [
        {"view": "year", "date": "2026-13-45"},
        {"view": "WEEK", "date": "07/12/2026"},
        {"view": "", "date": "2026-12-7"},
        {"date": "12026-12-07"},
    ],
)
def test_bad_deep_link_values_are_ignored(acme: Harness, params: dict[str, str]) -> None:
    token = calendar_token(acme)
    plain = widget(acme, token).text
    page = widget(acme, token, **params)
    assert page.status_code == 200
    title = re.compile(r'<h2 id="bf-title" class="bf-title">([^<]+)<')
    assert title.search(page.text).group(1) == title.search(plain).group(1)
    assert "bf-view-month" in page.text


# Filter chips

MASSAGE = Service(id="sv-2", name="Secret massage", description=None)


@pytest.fixture
def studio(acme: Harness) -> Harness:
    """'acme' with a haircut tomorrow, a yoga class the day after and a hidden massage."""
    yoga = appointment(
        "bk-yoga", hours=48, kind=BookingKind.EVENT_SESSION, service_id=None, event_id=CLASS.id
    )
    acme.put("acme", MASSAGE, yoga, appointment("bk-massage", hours=30, service_id=MASSAGE.id))
    return acme


def chips_on(harness: Harness, policy: Policy | None = None) -> str:
    record, link = harness.create_calendar("acme", "Timetable", policy)
    settings = WidgetSettings(filter_chips=True)
    harness.call(save_widget_settings, harness.runtime.db, "acme", record.id, settings)
    return link.token


def chip_names(html: str) -> list[str]:
    nav = re.search(r'<nav class="bf-chips".*?</nav>', html, re.S)
    if nav is None:
        return []
    return [unescape(n) for n in re.findall(r'class="bf-chip"[^>]*>([^<]+)<', nav.group(0))]


def test_chips_appear_only_when_turned_on(studio: Harness) -> None:
    off = calendar_token(studio)
    assert chip_names(widget(studio, off, view="list").text) == []
    on = chips_on(studio)
    names = chip_names(widget(studio, on, view="list").text)
    assert names == ["All", "Haircut", "Secret massage", "Yoga – Beginners"]


def test_a_chip_narrows_the_calendar_and_the_choice_is_carried(studio: Harness) -> None:
    token = chips_on(studio)
    page = widget(studio, token, view="list", only="Haircut").text
    assert "Haircut" in re.search(r'<ol class="bf-list">.*</ol>', page, re.S).group(0)
    assert "Yoga" not in re.search(r'<ol class="bf-list">.*</ol>', page, re.S).group(0)
    assert re.search(r'class="bf-chip"[^>]*aria-current="true">Haircut<', page)
    for link in ("bf-next", "bf-today", "bf-view-month", "bf-view-week"):
        href = unescape(re.search(rf'id="{link}"[^>]*href="([^"]+)"', page).group(1))
        assert parse_qs(urlsplit(href).query)["only"] == ["Haircut"], link
    # A second chip adds to the choice; the chosen one's link takes it out again.
    yoga = next(h for h in hrefs(page) if "Yoga" in h and "only" in h)
    assert parse_qs(urlsplit(yoga).query)["only"] == ["Haircut", "Yoga – Beginners"]
    both = studio.client.get(yoga).text
    assert "Yoga" in re.search(r'<ol class="bf-list">.*</ol>', both, re.S).group(0)
    chips = re.search(r'<nav class="bf-chips".*?</nav>', page, re.S).group(0)
    every, haircut = (parse_qs(urlsplit(h).query) for h in hrefs(chips)[:2])
    assert "only" not in every and "only" not in haircut  # "All", and the chosen chip again


def test_an_unknown_choice_is_ignored(studio: Harness) -> None:
    token = chips_on(studio)
    page = widget(studio, token, view="list", only="Nothing like it").text
    assert "Haircut" in page and "Yoga" in page
    assert re.search(r'class="bf-chip"[^>]*aria-current="true">All<', page)
    assert "Nothing like it" not in page


def test_chips_never_name_a_service_the_policy_hides(studio: Harness) -> None:
    narrowed = Policy(service_ids=frozenset({SERVICE.id}), event_ids=frozenset({CLASS.id}))
    token = chips_on(studio, narrowed)
    page = widget(studio, token, view="list", only="Secret massage").text
    assert chip_names(page) == ["All", "Haircut", "Yoga – Beginners"]
    assert "Secret massage" not in page
    busy = chips_on(studio, Policy(busy_only=True))
    busy_page = widget(studio, busy, view="list", only="Haircut").text
    assert chip_names(busy_page) == []
    for name in ("Haircut", "Yoga", "Secret massage"):
        assert name not in busy_page


def test_one_name_alone_gets_no_chips(acme: Harness) -> None:
    token = chips_on(acme)
    assert chip_names(widget(acme, token, view="list").text) == []
