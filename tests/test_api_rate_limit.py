"""The per-key API rate limit: past its burst a key gets 429 with Retry-After and changes
nothing, while other keys go on; a batch is one request."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from backend.api.rate_limit import TokenBuckets
from backend.api_keys import create_key
from backend.settings import Settings, load_settings
from backend.store import accounts
from backend.store.db import Database
from tests.conftest import ApiClient, api_client
from tests.test_api_errors import assert_error

BURST = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, api_rate_limit=0.01, api_burst=BURST)


def test_past_the_burst_a_key_gets_429_with_retry_after_and_changes_nothing(
    api: ApiClient,
) -> None:
    assert api.put("/staff/s1", {"name": "Sam"}).status_code == 201
    assert api.get("/staff/s1").status_code == 200
    assert api.post("/batch", {"staff": [{"id": f"b{i}", "name": "B"} for i in range(50)]}).json()
    version = api.harness.call(_data_version, api.harness.runtime.db, "acme")
    refused = api.put("/staff/s1", {"name": "Eve"})
    assert_error(refused, 429, None)
    assert 1 <= int(refused.headers["retry-after"]) <= 100
    assert_error(api.request("DELETE", "/staff/s1"), 429, None)

    other = api_client(api.harness, "other")
    assert other.put("/staff/s1", {"name": "Theirs"}).status_code == 201
    _, second_key = api.harness.call(create_key, api.harness.runtime.db, "acme", "second")
    same_account = ApiClient(api.harness, "acme", second_key)
    assert same_account.get("/staff/s1").json()["name"] == "Sam"
    assert same_account.get("/staff/b49").status_code == 200
    assert api.harness.call(_data_version, api.harness.runtime.db, "acme") == version


async def _data_version(db: Database, account_id: str) -> int:
    async with db.reading() as conn:
        return (await accounts.get_record(conn, account_id)).data_version


def test_a_bad_key_is_refused_before_it_is_counted(api: ApiClient) -> None:
    forged = {"Authorization": f"Bearer {api.key[:-2]}xx"}
    for _ in range(BURST + 2):
        assert api.harness.client.get("/api/v1/account", headers=forged).status_code == 401
    assert api.get("/account").status_code == 200


def test_the_bucket_refills_at_the_configured_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2, burst=2, clock=lambda: now[0])
    assert buckets.take("k") == buckets.take("k") == 0
    assert buckets.take("k") == pytest.approx(0.5)
    assert buckets.take("other") == 0
    now[0] = 0.5
    assert buckets.take("k") == 0
    assert buckets.take("k") > 0
    now[0] = 100
    assert [buckets.take("k") for _ in range(3)] == [0, 0, pytest.approx(0.5)]
    assert TokenBuckets(rate=0, burst=1).take("k") == TokenBuckets(rate=0, burst=1).take("k") == 0


def test_the_limit_is_configured_by_environment(tmp_path: Path) -> None:
    env = {"BOOKFEED_DATABASE": str(tmp_path / "db.sqlite3"), "BOOKFEED_SECRET_KEY": "k"}
    default = load_settings(env)
    assert default.api_rate_limit >= 1000 and default.api_burst >= 10_000
    configured = load_settings({**env, "BOOKFEED_API_RATE_LIMIT": "5", "BOOKFEED_API_BURST": "7"})
    assert (configured.api_rate_limit, configured.api_burst) == (5, 7)
