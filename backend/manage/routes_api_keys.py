"""The booking system's API keys: create (the key is shown once), list, revoke."""

from __future__ import annotations

from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backend import api_keys
from backend.errors import InvalidInput
from backend.manage.form_errors import sentence
from backend.manage.web import OwnerDep, Page, PageDep


@get("/api-keys")
async def api_keys_page(page: PageDep, owner: OwnerDep) -> Template:
    return await _render(page, owner.account_id)


@post("/api-keys")
async def create_api_key(page: PageDep, owner: OwnerDep) -> Template:
    label = str((await page.request.form()).get("label", ""))
    try:
        record, key = await api_keys.create_key(page.runtime.db, owner.account_id, label)
    except InvalidInput as error:
        return await _render(
            page, owner.account_id, 400, label=label, label_error=sentence(error.message)
        )
    # Rendered, not redirected: the key exists in this response and nowhere else.
    return await _render(page, owner.account_id, new_key=key, new_record=record)


@post("/api-keys/{key_id:int}/revoke")
async def revoke_api_key(page: PageDep, owner: OwnerDep, key_id: FromPath[int]) -> Redirect:
    record = await api_keys.revoke_key(page.runtime.db, owner.account_id, key_id)
    return await page.redirect(
        "/manage/api-keys", f"Revoked {record.prefix} “{record.label}”: it stops working at once."
    )


async def _render(page: Page, account_id: str, status: int = 200, **context: object) -> Template:
    keys = await api_keys.list_keys(page.runtime.db, account_id)
    return await page.render("manage/api_keys.html", status, keys=keys, **context)
