"""The widget page over HTTP: what it shows, what it never shows, and how it is served."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
from markupsafe import escape

from backend.accounts import create_account
from backend.domain import Account
from backend.policy import Detail, Policy
from backend.store.widgets import WidgetSettings
from tests.conftest import CUSTOMER, PLACE, SERVICE, STAFF, Harness, appointment
from widget.settings import save_widget_settings

LONDON = ZoneInfo("Europe/London")

# What the default policy (what and when only) keeps out of every widget page.
WITHHELD = (
    CUSTOMER.name,
    CUSTOMER.email,
    CUSTOMER.phone,
    CUSTOMER.address,
    "peanuts",
    STAFF.name,
    STAFF.email,
    PLACE.name,
    PLACE.address,
    SERVICE.description,
    "Room One",
)


def local_start(days: int = 2, hour: int = 10) -> datetime:
    day = datetime.now(LONDON).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LONDON)


def calendar_token(harness: Harness, policy: Policy | None = None, account: str = "acme") -> str:
    return harness.create_calendar(account, "Studio timetable", policy)[1].token


def widget(harness: Harness, token: str, **params: str):
    return harness.client.get(f"/embed/{token}", params=params)


def test_the_list_view_shows_each_event_at_its_local_time(acme: Harness) -> None:
    start = local_start(hour=15)
    acme.put("acme", appointment("bk-local", start=start, end=start + timedelta(minutes=45)))
    page = widget(acme, calendar_token(acme), view="list").text
    assert "15:00 – 15:45" in page
    assert "Haircut" in page


def test_every_view_renders_the_events_of_its_period(acme: Harness) -> None:
    start = local_start()
    acme.put("acme", appointment("bk-view", start=start, end=start + timedelta(hours=1)))
    token = calendar_token(acme)
    for view in ("month", "week", "day", "list"):
        page = widget(acme, token, view=view, date=start.date().isoformat()).text
        assert f'class="bf-body bf-view-{view}"' in page
        assert "Haircut" in page, view


def test_every_view_names_the_zone_and_a_whole_day_reads_all_day(acme: Harness) -> None:
    midnight = local_start(hour=0)
    acme.put("acme", appointment("bk-day", start=midnight, end=midnight + timedelta(days=1)))
    token = calendar_token(acme)
    for view in ("month", "week", "day", "list"):
        page = widget(acme, token, view=view, date=midnight.date().isoformat()).text
        assert re.search(r"Times are London time \(GMT\+0[01]:00", page), view
        assert ">All day</span>" in page and ">00:00<" not in page, view
    uid = re.search(r'/events/([^"?]+)', page).group(1)
    details = acme.client.get(f"/embed/{token}/events/{uid}").text
    day = midnight.strftime("%-d %B %Y")
    assert details.count(day) == 1 and "All day" in details


def test_the_month_links_each_day_and_its_more_to_the_day_view(acme: Harness) -> None:
    start = local_start()
    acme.put(
        "acme",
        *(
            appointment(
                f"bk-{n}",
                start=start + timedelta(hours=n),
                end=start + timedelta(hours=n, minutes=30),
            )
            for n in range(5)
        ),
    )
    page = widget(acme, calendar_token(acme), view="month", date=start.date().isoformat()).text
    day_link = f"view=day&amp;date={start.date().isoformat()}"
    assert page.count('class="bf-daylink" href="/embed/') > 27
    assert re.search(rf'class="bf-more" href="[^"]*{re.escape(day_link)}"', page)


def test_a_date_beyond_the_years_a_calendar_can_hold_shows_today(acme: Harness) -> None:
    token = calendar_token(acme)
    for view in ("month", "week", "day", "list"):
        today = widget(acme, token, view=view)
        for day in ("0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"):
            response = widget(acme, token, view=view, date=day)
            assert response.status_code == 200, (view, day)
            assert response.text == today.text, (view, day)
        for edge in ("1900-01-01", "2999-12-31"):
            assert widget(acme, token, view=view, date=edge).status_code == 200, (view, edge)


def test_hostile_booking_text_is_escaped_everywhere(acme: Harness) -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    acme.put(
        "acme",
        msgspec.structs.replace(SERVICE, name=hostile, description=hostile),
        appointment("bk-hostile", start=local_start(), end=local_start() + timedelta(hours=1)),
    )
    token = calendar_token(acme, Policy(details=frozenset({Detail.DESCRIPTION})))
    page = widget(acme, token, view="list").text
    assert hostile not in page
    assert str(escape(hostile)) in page
    uid = re.search(r'/events/([^"?]+)', page).group(1)
    details = acme.client.get(f"/embed/{token}/events/{uid}").text
    assert hostile not in details
    assert details.count(str(escape(hostile))) >= 2  # the title and the description


def test_a_details_free_calendar_never_shows_withheld_details(acme: Harness) -> None:
    token = calendar_token(acme)  # the default policy: what and when only
    page = widget(acme, token, view="list").text
    uid = re.search(r'/events/([^"?]+)', page).group(1)
    fragment = acme.client.get(f"/embed/{token}/events/{uid}", headers={"HX-Request": "true"})
    full = acme.client.get(f"/embed/{token}/events/{uid}")
    for html in (page, fragment.text, full.text):
        assert "Haircut" in html
        for secret in WITHHELD:
            assert secret not in html


def test_details_show_exactly_the_details_the_policy_allows(acme: Harness) -> None:
    policy = Policy(details=frozenset({Detail.CUSTOMER_PHONE, Detail.LOCATION}))
    token = calendar_token(acme, policy)
    page = widget(acme, token, view="list").text
    uid = re.search(r'/events/([^"?]+)', page).group(1)
    details = acme.client.get(f"/embed/{token}/events/{uid}", headers={"HX-Request": "true"})
    assert details.text.startswith('<h2 id="bf-dialog-title"')
    assert CUSTOMER.phone in details.text
    assert PLACE.address in details.text
    for secret in (CUSTOMER.name, CUSTOMER.email, CUSTOMER.address, STAFF.name):
        assert secret not in details.text


def test_widget_pages_keep_the_token_to_themselves(acme: Harness) -> None:
    response = widget(acme, calendar_token(acme))
    csp = response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self';" in csp
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors *" in csp
    resources = re.findall(r'<(?:script|link|img|iframe)[^>]*(?:src|href)="([^"]*)"', response.text)
    assert resources
    assert all(url.startswith("/static/") for url in resources), resources


def test_the_one_inline_style_is_allowed_by_its_hash(acme: Harness) -> None:
    response = widget(acme, calendar_token(acme), accent="#123456")
    style = re.search(r"<style>(.*?)</style>", response.text).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert "--bf-accent:#123456" in style
    assert f"'sha256-{digest}'" in response.headers["content-security-policy"]
    assert 'style="' not in response.text
    assert re.search(r"<script>", response.text) is None


def test_only_the_allowed_sites_may_frame_a_restricted_widget(acme: Harness) -> None:
    record, link = acme.create_calendar("acme", "Website calendar")
    settings = WidgetSettings(allowed_sites=("https://www.example.com/", "http://127.0.0.1:8080"))
    acme.call(save_widget_settings, acme.runtime.db, "acme", record.id, settings)
    csp = widget(acme, link.token).headers["content-security-policy"]
    assert csp.endswith("frame-ancestors 'self' https://www.example.com http://127.0.0.1:8080")


def test_a_repeat_visit_revalidates_with_its_etag(acme: Harness) -> None:
    token = calendar_token(acme)
    first = widget(acme, token)
    etag = first.headers["etag"]
    again = acme.client.get(f"/embed/{token}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    acme.put("acme", appointment("bk-new", start=local_start(3), end=local_start(3, 11)))
    changed = acme.client.get(f"/embed/{token}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_gzip_and_revalidation_follow_the_feeds_rules(acme: Harness) -> None:
    token = calendar_token(acme)
    page = widget(acme, token)
    for accept_encoding, gzipped in (("gzip, br", True), ("*, gzip;q=0", False), ("*", True)):
        response = acme.client.get(f"/embed/{token}", headers={"accept-encoding": accept_encoding})
        assert ("content-encoding" in response.headers) is gzipped, accept_encoding
        assert response.text == page.text
    etag = widget(acme, token).headers["etag"]
    for if_none_match in (f"W/{etag}", f'"other", {etag}', "*"):
        again = acme.client.get(f"/embed/{token}", headers={"If-None-Match": if_none_match})
        assert again.status_code == 304, if_none_match


def test_an_htmx_request_gets_only_the_calendar_body(acme: Harness) -> None:
    token = calendar_token(acme)
    full = widget(acme, token, view="week")
    body = acme.client.get(f"/embed/{token}?view=week", headers={"HX-Request": "true"})
    assert body.text.startswith('<section id="bf-body"')
    assert "<html" not in body.text
    assert body.text in full.text
    assert body.headers["etag"] != full.headers["etag"]
    assert "hx-request" in body.headers["vary"]


def test_disabled_replaced_deleted_and_unknown_links_get_the_same_friendly_page(
    acme: Harness,
) -> None:
    calendars = acme.runtime.calendars
    record, link = acme.create_calendar("acme", "Secret studio")
    disabled = acme.call(calendars.add_link, "acme", record.id, "Disabled")
    acme.call(calendars.set_link_enabled, "acme", disabled.record.id, False)
    replaced = acme.call(calendars.add_link, "acme", record.id, "Replaced")
    acme.call(calendars.regenerate_link, "acme", replaced.record.id)
    unknown = "A" * 24
    acme.call(calendars.delete_calendar, "acme", record.id)
    pages = [widget(acme, token) for token in (link.token, disabled.token, replaced.token, unknown)]
    pages.append(widget(acme, "not-a-token"))
    for page in pages:
        assert page.status_code == 404
        assert "This calendar is not available" in page.text
        assert "Secret studio" not in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.content == pages[0].content


def test_the_lang_parameter_names_months_in_that_language(acme: Harness) -> None:
    token = calendar_token(acme)
    assert "März 2026" in widget(acme, token, date="2026-03-10", lang="de").text
    assert "mars 2026" in widget(acme, token, date="2026-03-10", lang="fr").text
    english = widget(acme, token, date="2026-03-10", lang="<xx>").text
    assert "March 2026" in english
    assert 'lang="en-GB"' in english


def test_a_week_starts_on_the_accounts_first_day(harness: Harness) -> None:
    account = Account(id="sunday", name="Sunday Co", time_zone="America/New_York", week_start=6)
    harness.call(create_account, harness.runtime.db, account)
    token = calendar_token(harness, account="sunday")
    page = widget(harness, token, view="month", date="2026-03-10").text
    headers = re.findall(r'<abbr title="(\w+)">', page)
    assert headers[0] == "Sunday"
    assert headers[-1] == "Saturday"


def test_look_parameters_are_validated_and_carried_while_paging(acme: Harness) -> None:
    token = calendar_token(acme)
    page = widget(acme, token, accent="red", theme="dark", compact="1").text
    assert "--bf-accent:#ff0000" in page
    assert 'data-theme="dark"' in page
    assert 'class="bf-compact"' in page
    assert "accent=%23ff0000" in re.search(r'id="bf-next"[^>]*href="([^"]+)"', page).group(1)
    ignored = widget(acme, token, accent="red;}body{x", theme="neon").text
    assert "--bf-accent:#2b5fb4" in ignored
    assert 'data-theme="light"' in ignored


def test_owner_defaults_apply_at_once(acme: Harness) -> None:
    record, link = acme.create_calendar("acme", "Styled")
    assert 'data-theme="light"' in widget(acme, link.token).text
    settings = WidgetSettings(accent="#336699", theme="dark", default_view="list")
    acme.call(save_widget_settings, acme.runtime.db, "acme", record.id, settings)
    page = widget(acme, link.token).text
    assert 'data-theme="dark"' in page
    assert "--bf-accent:#336699" in page
    assert "bf-view-list" in page


def test_the_subscribe_control_offers_the_same_feed(acme: Harness) -> None:
    token = calendar_token(acme)
    page = widget(acme, token).text
    assert f'href="webcal://127.0.0.1:8000/feeds/{token}.ics"' in page
    google = "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F127.0.0.1%3A8000%2Ffeeds%2F"
    assert f"{google}{token}.ics" in page  # the same link the owner's page offers
    assert acme.feed(token).status_code == 200
