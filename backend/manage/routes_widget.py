"""A calendar's website widget: the owner's defaults for its look and the sites that may
embed it."""

from __future__ import annotations

from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backend.errors import InvalidInput
from backend.manage.form_errors import form_errors
from backend.manage.web import OwnerDep, PageDep
from backend.manage.widget_form import THEME_CHOICES, VIEW_CHOICES, WidgetForm
from backend.store.calendars import CalendarRecord
from widget.options import HOUSE_ACCENT
from widget.settings import load_widget_settings, save_widget_settings


@get("/calendars/{calendar_id:int}/widget")
async def widget_settings_page(
    page: PageDep, owner: OwnerDep, calendar_id: FromPath[int]
) -> Template:
    calendar = await page.runtime.calendars.get_calendar(owner.account_id, calendar_id)
    settings = await load_widget_settings(page.runtime.db, owner.account_id, calendar_id)
    return await _form_page(page, calendar, WidgetForm.from_settings(settings))


@post("/calendars/{calendar_id:int}/widget")
async def update_widget_settings(
    page: PageDep, owner: OwnerDep, calendar_id: FromPath[int]
) -> Template | Redirect:
    calendar = await page.runtime.calendars.get_calendar(owner.account_id, calendar_id)
    form = WidgetForm.from_data(await page.request.form())
    try:
        await save_widget_settings(
            page.runtime.db, owner.account_id, calendar_id, form.to_settings()
        )
    except InvalidInput as error:
        return await _form_page(page, calendar, form, error)
    return await page.redirect(
        f"/manage/calendars/{calendar_id}",
        f"Saved the widget settings of “{calendar.name}”. Websites show them the next time"
        " the widget loads.",
    )


async def _form_page(
    page: PageDep, calendar: CalendarRecord, form: WidgetForm, error: InvalidInput | None = None
) -> Template:
    return await page.render(
        "manage/widget_settings.html",
        400 if error else 200,
        calendar=calendar,
        form=form,
        default_accent=calendar.policy.color or HOUSE_ACCENT,
        personal=calendar.policy.shows_personal_data(),
        themes=THEME_CHOICES,
        views=VIEW_CHOICES,
        errors=form_errors(error.errors if error else ()),
    )
