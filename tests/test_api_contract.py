"""The OpenAPI document is true: schemathesis sends generated requests, valid and invalid,
to every operation of the real app (a real SQLite file, a real API key) and runs all of its
checks on each answer. Bounded and seeded, so it is quick and the same on every run."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from anyio.from_thread import start_blocking_portal
from litestar.testing import TestClient
from schemathesis.config import SchemathesisConfig

from backend.accounts import create_account
from backend.api_keys import create_key
from backend.app import create_app
from backend.domain import Account
from backend.settings import Settings
from backend.store.db import Database

MAX_EXAMPLES = 15
ACCEPTED = ["2xx", "401", "404", "409", "429"]


async def _account_with_key(database: Path) -> str:
    db = await Database.open(database)
    try:
        await create_account(db, Account(id="acme", name="Acme", time_zone="Europe/London"))
        _, key = await create_key(db, "acme", "schemathesis")
    finally:
        await db.close()
    return key


def _also_accepted(*statuses: str) -> dict[str, Any]:
    return {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, *statuses]}}


# The operations become tests when this module is collected, so the database, its key and the
# app (not yet started: schemathesis starts it on its first request) exist from then on; the
# folder goes at exit, after schemathesis has stopped the app (atexit runs last-in first-out).
FOLDER = Path(tempfile.mkdtemp(prefix="bookfeed-contract-"))
atexit.register(shutil.rmtree, FOLDER, ignore_errors=True)
with start_blocking_portal() as portal:  # a thread of its own: an event loop may be running
    API_KEY = portal.call(_account_with_key, FOLDER / "bookfeed.sqlite3")
# No rate limit: how many requests fit in a burst would depend on the machine's speed.
SETTINGS = Settings(database=FOLDER / "bookfeed.sqlite3", secret_key=b"contract", api_rate_limit=0)
APP = create_app(SETTINGS)
# The document as served (serving it needs no database, so the app need not start for it).
DOCUMENT = TestClient(APP).get("/schema/openapi.json").json()

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 8,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"enabled": True},
        "auth": {"openapi": {"BearerApiKey": {"bearer": API_KEY}}},
        # Valid by the document yet refused, by rules no schema can state: a body's references
        # must exist, an end come after its start, its id match the URL's, a time zone exist
        # (400); and If-Match depends on what is stored (412).
        "operations": [
            {"include-method": ["PUT", "POST", "PATCH"], "checks": _also_accepted("400", "412")},
            {"include-method": ["DELETE"], "checks": _also_accepted("412")},
        ],
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
schema.app = APP  # as schemathesis.openapi.from_asgi does: requests reach the app in-process


@schema.parametrize()
def test_every_operation_keeps_to_the_document(case: Any) -> None:
    case.call_and_validate()


def test_the_document_states_what_clients_generate_code_from() -> None:
    put = DOCUMENT["paths"]["/api/v1/staff/{object_id}"]["put"]
    assert put["responses"]["201"]["headers"]["ETag"]
    assert put["responses"]["200"]["headers"]["ETag"]
    assert {"400", "401", "412", "413", "429"} <= set(put["responses"])
    problem = put["responses"]["412"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    assert "Retry-After" in put["responses"]["429"]["headers"]
    parameters = {parameter["name"]: parameter for parameter in put["parameters"]}
    assert parameters["object_id"]["schema"]["pattern"].startswith("^[A-Za-z0-9]")
    assert parameters["If-Match"]["in"] == "header"
    delete = DOCUMENT["paths"]["/api/v1/bookings/{object_id}"]["delete"]
    assert {"204", "404", "409", "412"} <= set(delete["responses"])
    components = DOCUMENT["components"]["schemas"]
    assert components["Problem"]["required"] == ["type", "title", "status", "detail"]
    for name in ("StaffIn", "BookingIn", "Batch", "Deletions", "AccountPatch"):
        assert components[name]["additionalProperties"] is False
    assert all(path.startswith("/api/v1/") for path in DOCUMENT["paths"])
