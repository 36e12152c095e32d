"""The calendars: list, create, edit, show, delete, and add a link."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backend.errors import InvalidInput, Problems
from backend.manage import views
from backend.manage.details import GROUPS
from backend.manage.form_errors import form_errors, sentence
from backend.manage.forms import REFRESH_CHOICES, CalendarForm, form_field
from backend.manage.web import OwnerDep, PageDep
from backend.policy import NameFormat, Policy
from backend.store.calendars import CalendarRecord


@get("/")
async def calendars_page(page: PageDep, owner: OwnerDep) -> Template:
    summaries = await views.summaries(page.runtime, owner.account_id)
    return await page.render("manage/calendars.html", calendars=summaries)


@get("/calendars/new")
async def new_calendar_page(page: PageDep, owner: OwnerDep) -> Template:
    return await _form_page(page, owner, CalendarForm(), None)


@post("/calendars/new")
async def create_calendar(page: PageDep, owner: OwnerDep) -> Template | Redirect:
    form = CalendarForm.from_data(await page.request.form())

    async def create(policy: Policy) -> CalendarRecord:
        calendar, _ = await page.runtime.calendars.create_calendar(
            owner.account_id, form.name, policy
        )
        return calendar

    calendar = await _save(page, owner, form, Policy(), create)
    if isinstance(calendar, Template):
        return calendar
    return await page.redirect(
        f"/manage/calendars/{calendar.id}",
        f"Created “{calendar.name}” with its first link. Copy it below.",
    )


@get("/calendars/{calendar_id:int}")
async def calendar_page(page: PageDep, owner: OwnerDep, calendar_id: FromPath[int]) -> Template:
    shown = await views.calendar_page(page.runtime, owner.account_id, calendar_id)
    return await page.render("manage/calendar.html", page=shown)


@get("/calendars/{calendar_id:int}/edit")
async def edit_calendar_page(
    page: PageDep, owner: OwnerDep, calendar_id: FromPath[int]
) -> Template:
    calendar = await page.runtime.calendars.get_calendar(owner.account_id, calendar_id)
    form = CalendarForm.from_policy(calendar.name, calendar.policy)
    return await _form_page(page, owner, form, calendar_id)


@post("/calendars/{calendar_id:int}/edit")
async def update_calendar(
    page: PageDep, owner: OwnerDep, calendar_id: FromPath[int]
) -> Template | Redirect:
    service = page.runtime.calendars
    current = await service.get_calendar(owner.account_id, calendar_id)
    form = CalendarForm.from_data(await page.request.form())

    async def update(policy: Policy) -> CalendarRecord:
        return await service.update_calendar(owner.account_id, calendar_id, form.name, policy)

    calendar = await _save(page, owner, form, current.policy, update, calendar_id)
    if isinstance(calendar, Template):
        return calendar
    return await page.redirect(
        f"/manage/calendars/{calendar_id}",
        f"Saved “{calendar.name}”. Subscribers see the change on their next refresh.",
    )


@post("/calendars/{calendar_id:int}/delete")
async def delete_calendar(page: PageDep, owner: OwnerDep, calendar_id: FromPath[int]) -> Redirect:
    calendar = await page.runtime.calendars.get_calendar(owner.account_id, calendar_id)
    await page.runtime.calendars.delete_calendar(owner.account_id, calendar_id)
    return await page.redirect(
        "/manage/",
        f"Deleted “{calendar.name}”. Its links now serve an empty calendar.",
    )


@post("/calendars/{calendar_id:int}/links")
async def add_link(
    page: PageDep, owner: OwnerDep, calendar_id: FromPath[int]
) -> Template | Redirect:
    label = str((await page.request.form()).get("label", ""))
    try:
        link = await page.runtime.calendars.add_link(owner.account_id, calendar_id, label)
    except InvalidInput as error:
        shown = await views.calendar_page(page.runtime, owner.account_id, calendar_id)
        return await page.render(
            "manage/calendar.html",
            400,
            page=shown,
            label=label,
            label_error=sentence(error.message),
        )
    return await page.redirect(
        f"/manage/calendars/{calendar_id}",
        f"Added the link “{link.record.label}”.",
    )


async def _save(
    page: PageDep,
    owner: OwnerDep,
    form: CalendarForm,
    base: Policy,
    write: Callable[[Policy], Awaitable[CalendarRecord]],
    calendar_id: int | None = None,
) -> CalendarRecord | Template:
    """Write the form's calendar, or show the form again with every problem it has."""
    problems = Problems()
    policy = form.to_policy(base, problems)
    with problems.check():
        if not problems:
            return await write(policy)
        # The form could not be read whole: nothing is written, but the owner still learns
        # at once what else the service would refuse.
        await page.runtime.calendars.check_calendar(owner.account_id, form.name, policy)
    return await _form_page(page, owner, form, calendar_id, problems.errors)


async def _form_page(
    page: PageDep,
    owner: OwnerDep,
    form: CalendarForm,
    calendar_id: int | None,
    problems: list[InvalidInput] | None = None,
) -> Template:
    return await page.render(
        "manage/calendar_form.html",
        400 if problems else 200,
        form=form,
        calendar_id=calendar_id,
        choices=await views.choices(page.runtime, owner.account_id),
        groups=GROUPS,
        name_formats=list(NameFormat),
        refresh_choices=REFRESH_CHOICES,
        errors=form_errors(problems or [], form_field),
    )
