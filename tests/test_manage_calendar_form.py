"""The calendar form without JavaScript: one control chooses whose bookings a calendar
shows, so a staff member picked there is what the calendar follows; a submission that
contradicts itself is refused with a message and writes nothing; and every problem of a
refused form shows at once, each as a sentence."""

from __future__ import annotations

import re

from backend.domain import StaffMember
from backend.policy import Policy, Scope
from backend.store.calendars import CalendarRecord
from tests.conftest import ROOM, STAFF, OwnerClient, appointment
from tests.test_manage_calendars import calendar_id_from, form, form_as_rendered, text_of

OTHER_STAFF_BOOKING = "bk-other"


def with_someone_elses_booking(owner: OwnerClient) -> None:
    """A second staff member with a booking of their own, which a staff calendar of STAFF
    must never show."""
    other = StaffMember(id="st-2", name="Olga Other")
    owner.harness.put(
        "acme", other, appointment(OTHER_STAFF_BOOKING, hours=30, staff_ids=(other.id,))
    )


def stored(owner: OwnerClient) -> list[CalendarRecord]:
    return owner.harness.call(owner.harness.runtime.calendars.list_calendars, "acme")


def feed_of(owner: OwnerClient, calendar_id: int) -> str:
    (link,) = owner.harness.call(owner.harness.runtime.calendars.links, "acme", calendar_id)
    return owner.harness.feed(link.token).text


def test_the_scope_is_one_control_listing_the_account_each_staff_member_and_resource(
    owner: OwnerClient,
) -> None:
    html = owner.get("/manage/calendars/new").text
    select = html.split('<select id="scope" name="scope"', 1)[1].split("</select>", 1)[0]
    values = re.findall(r'<option value="([^"]+)"', select)
    assert values == ["account", f"staff:{STAFF.id}", f"resource:{ROOM.id}"]
    assert 'name="staff_id"' not in html and 'name="resource_id"' not in html
    assert 'type="radio" id="scope' not in html, "no second control that could disagree"


def test_a_staff_member_chosen_in_the_scope_control_is_what_the_calendar_follows(
    owner: OwnerClient,
) -> None:
    with_someone_elses_booking(owner)
    owner.get("/manage/calendars/new")
    response = owner.post("/manage/calendars/new", form(scope=f"staff:{STAFF.id}"))
    assert response.status_code == 303
    calendar_id = calendar_id_from(response)
    (calendar,) = stored(owner)
    assert (calendar.policy.scope, calendar.policy.scope_id) == (Scope.STAFF, STAFF.id)
    page = text_of(owner.get(f"/manage/calendars/{calendar_id}").text)
    assert f"Staff: {STAFF.name}" in page
    feed = feed_of(owner, calendar_id)
    assert feed.count("BEGIN:VEVENT") == 1, "only the chosen staff member's booking"
    assert "J. D." in feed  # the customer's initials, as the form asked


def test_the_edit_form_shows_the_followed_staff_member_and_saves_it_unchanged(
    owner: OwnerClient,
) -> None:
    with_someone_elses_booking(owner)
    calendar, _ = owner.harness.create_calendar(
        "acme", "Sam's", Policy(scope=Scope.STAFF, scope_id=STAFF.id)
    )
    html = owner.get(f"/manage/calendars/{calendar.id}/edit").text
    assert re.search(rf'<option value="staff:{STAFF.id}" selected>', html)
    assert (
        owner.post(f"/manage/calendars/{calendar.id}/edit", form_as_rendered(html)).status_code
        == 303
    )
    (saved,) = stored(owner)
    assert (saved.policy.scope, saved.policy.scope_id) == (Scope.STAFF, STAFF.id)
    assert feed_of(owner, calendar.id).count("BEGIN:VEVENT") == 1


def test_the_edit_form_moves_a_calendar_to_another_resource(owner: OwnerClient) -> None:
    calendar, _ = owner.harness.create_calendar("acme", "All")
    owner.get(f"/manage/calendars/{calendar.id}/edit")
    response = owner.post(
        f"/manage/calendars/{calendar.id}/edit", form(scope=f"resource:{ROOM.id}")
    )
    assert response.status_code == 303
    (saved,) = stored(owner)
    assert (saved.policy.scope, saved.policy.scope_id) == (Scope.RESOURCE, ROOM.id)


def test_a_whole_account_form_that_names_a_staff_member_is_refused_and_writes_nothing(
    owner: OwnerClient,
) -> None:
    owner.get("/manage/calendars/new")
    # What the old form sent when a staff member was picked but the radio left alone.
    response = owner.post("/manage/calendars/new", form(scope="account", staff_id=STAFF.id))
    assert response.status_code == 400
    assert (
        "A whole-account calendar follows no single staff member or resource: choose either"
        " the whole account or one of them." in text_of(response.text)
    )
    assert 'href="#scope-field"' in response.text
    assert stored(owner) == []


def test_contradicting_scope_fields_are_refused_on_create_and_edit(owner: OwnerClient) -> None:
    calendar, _ = owner.harness.create_calendar("acme", "Before")
    owner.get(f"/manage/calendars/{calendar.id}/edit")
    contradictions = [
        form(scope="account", staff_id=STAFF.id),
        form(scope="account", resource_id=ROOM.id),
        form(scope=f"staff:{STAFF.id}", resource_id=ROOM.id),
        form(scope="staff", resource_id=ROOM.id),
        form(scope=f"staff:{STAFF.id}", staff_id="st-2"),
    ]
    for fields in contradictions:
        for path in ("/manage/calendars/new", f"/manage/calendars/{calendar.id}/edit"):
            response = owner.post(path, fields)
            assert response.status_code == 400, (path, fields)
            assert 'id="scope-error"' in response.text, fields
    assert stored(owner) == [calendar]


def test_a_stale_form_with_a_consistent_kind_and_id_still_saves(owner: OwnerClient) -> None:
    owner.get("/manage/calendars/new")
    response = owner.post("/manage/calendars/new", form(scope="staff", staff_id=STAFF.id))
    assert response.status_code == 303
    (saved,) = stored(owner)
    assert saved.policy.scope_id == STAFF.id


def test_a_staff_member_unknown_to_the_account_stays_chosen_and_is_refused(
    owner: OwnerClient,
) -> None:
    calendar, _ = owner.harness.create_calendar(
        "acme", "Sam's", Policy(scope=Scope.STAFF, scope_id=STAFF.id)
    )
    owner.get(f"/manage/calendars/{calendar.id}/edit")
    response = owner.post(f"/manage/calendars/{calendar.id}/edit", form(scope="staff:st-gone"))
    assert response.status_code == 400
    # Shown chosen, not dropped: a browser would otherwise pick "The whole account".
    assert '<option value="staff:st-gone" selected>' in response.text
    assert "Choose one of the account's staff members." in text_of(response.text)
    assert stored(owner) == [calendar]


def test_every_problem_of_a_refused_form_shows_at_once_each_as_a_sentence(
    owner: OwnerClient,
) -> None:
    owner.get("/manage/calendars/new")
    response = owner.post(
        "/manage/calendars/new",
        form(
            name=" ",
            scope="staff",
            past_days="ten",
            future_days="9999",
            refresh_minutes="1",
            color_mode="set",
            color="red",
        ),
    )
    assert response.status_code == 400
    summary = response.text.split('class="error-summary"', 1)[1].split("</ul>", 1)[0]
    messages = [text_of(m).strip() for m in re.findall(r"<li>(.*?)</li>", summary, re.S)]
    assert messages == [
        "Choose which staff member this calendar follows.",
        "Enter a whole number.",
        "Name must not be empty or only invisible characters.",
        "The window may reach 1 to 3650 days ahead.",
        "The refresh hint must be 15 minutes to 7 days.",
        "The colour must look like #1a2b3c.",
    ]
    for field in ("name", "scope", "past_days", "future_days", "refresh_minutes", "color"):
        assert f'id="{field}-error"' in response.text, field
    assert all(m[0].isupper() and m.endswith(".") for m in messages)
    assert stored(owner) == []


def test_the_widget_settings_form_shows_every_problem_at_once(owner: OwnerClient) -> None:
    calendar, _ = owner.harness.create_calendar("acme", "Timetable")
    owner.get(f"/manage/calendars/{calendar.id}/widget")
    response = owner.post(
        f"/manage/calendars/{calendar.id}/widget",
        {"accent": "nope", "theme": "neon", "default_view": "agenda", "allowed_sites": "ftp://x"},
    )
    assert response.status_code == 400
    text = text_of(response.text)
    for sentence in (
        "The accent must be a colour such as #2b5fb4.",
        "The theme is light, dark or system.",
        "The default view is month, week, day or list.",
        "The site 'ftp://x' is not a website address such as https://www.example.com,"
        " without a path.",
    ):
        assert sentence in text
