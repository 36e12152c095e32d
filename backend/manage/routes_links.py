"""A calendar's secret links: enable or disable in place, regenerate, delete, QR code."""

from __future__ import annotations

from litestar import Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backend import subscribe
from backend.manage import views
from backend.manage.web import OwnerDep, PageDep


@post("/links/{link_id:int}/enabled")
async def set_enabled(
    page: PageDep, owner: OwnerDep, link_id: FromPath[int]
) -> Template | Redirect:
    enabled = (await page.request.form()).get("enabled") == "true"
    link = await page.runtime.calendars.set_link_enabled(owner.account_id, link_id, enabled)
    message = (
        f"Enabled “{link.record.label}”: its URL shows the calendar again."
        if enabled
        else f"Disabled “{link.record.label}”: its feed is empty until you enable it."
    )
    if page.is_htmx:
        shown = await views.calendar_page(page.runtime, owner.account_id, link.record.calendar_id)
        view = next(view for view in shown.links if view.id == link_id)
        return await page.render("manage/_link_swap.html", link=view, page=shown, message=message)
    return await page.redirect(f"/manage/calendars/{link.record.calendar_id}", message)


@post("/links/{link_id:int}/regenerate")
async def regenerate(page: PageDep, owner: OwnerDep, link_id: FromPath[int]) -> Redirect:
    link = await page.runtime.calendars.regenerate_link(owner.account_id, link_id)
    return await page.redirect(
        f"/manage/calendars/{link.record.calendar_id}",
        f"New URL for “{link.record.label}”. The old one now serves an empty calendar.",
    )


@post("/links/{link_id:int}/delete")
async def delete(page: PageDep, owner: OwnerDep, link_id: FromPath[int]) -> Redirect:
    link = await views.find_link(page.runtime, owner.account_id, link_id)
    await page.runtime.calendars.delete_link(owner.account_id, link_id)
    return await page.redirect(
        f"/manage/calendars/{link.record.calendar_id}",
        f"Deleted the link “{link.record.label}”. Its URL now serves an empty calendar.",
    )


@get("/links/{link_id:int}/qr.svg")
async def qr_code(owner: OwnerDep, page: PageDep, link_id: FromPath[int]) -> Response[bytes]:
    link = await views.find_link(page.runtime, owner.account_id, link_id)
    webcal_url = subscribe.webcal_url(views.feed_url(page.runtime, link))
    return Response(subscribe.qr_svg(webcal_url), media_type="image/svg+xml")
