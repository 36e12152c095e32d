"""The store under concurrency, on whichever store the run chooses: transactions racing in
one process stand in for processes sharing PostgreSQL (the pool runs them truly at once)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.accounts import create_account
from backend.api_keys import create_key
from backend.domain import Account
from backend.errors import Conflict
from backend.fetchlog import Client, FetchRecorder
from backend.links import token_hash
from backend.store import accounts, api_keys, bookings, calendars, link_lookup, owners
from backend.store.db import migrations, now_utc
from backend.store.fetches import counts_since
from backend.store.link_lookup import LiveLink, RetiredLink
from tests.conftest import REFERENCES, Harness, appointment

RACERS = 8


def link_state(harness: Harness, link_id: int) -> calendars.LinkRecord:
    async def read() -> calendars.LinkRecord:
        async with harness.runtime.db.reading() as conn:
            return await calendars.get_link(conn, "acme", link_id)

    return harness.call(read)


def test_the_last_fetch_never_goes_back_in_time(acme: Harness) -> None:
    _, link = acme.create_calendar()
    newer = datetime(2026, 3, 2, 12, 0, 1, tzinfo=UTC)
    older = newer - timedelta(seconds=1)
    # Two processes each counted a fetch; the one holding the older fetch flushes last.
    outlook_process, google_process = FetchRecorder(), FetchRecorder()
    outlook_process.record(link.record.id, Client.OUTLOOK, newer)
    google_process.record(link.record.id, Client.GOOGLE, older)
    acme.call(outlook_process.flush, acme.runtime.db)
    acme.call(google_process.flush, acme.runtime.db)
    state = link_state(acme, link.record.id)
    assert (state.last_client, state.last_fetched_at) == ("outlook", newer)


def test_fetch_counts_flushed_at_once_add_up(acme: Harness) -> None:
    _, link = acme.create_calendar()
    _, other = acme.create_calendar(name="Other")
    at = now_utc()
    recorders = [FetchRecorder() for _ in range(RACERS)]
    for recorder in recorders:
        for link_id in (link.record.id, other.record.id):  # both orders: no deadlock either
            recorder.record(link_id, Client.APPLE, at)
        recorder.record(link.record.id, Client.GOOGLE, at)

    async def flush_all() -> dict[int, dict[str, int]]:
        await asyncio.gather(*(r.flush(acme.runtime.db) for r in recorders))
        async with acme.runtime.db.reading() as conn:
            ids = [link.record.id, other.record.id]
            return await counts_since(conn, ids, at.date().isoformat())

    assert acme.call(flush_all) == {
        link.record.id: {"apple": RACERS, "google": RACERS},
        other.record.id: {"apple": RACERS},
    }


def test_upserts_racing_on_one_booking_lose_no_sequence_step(acme: Harness) -> None:
    acme.put("acme", *REFERENCES, appointment("bk-1", hours=24))

    async def move(hours: int) -> None:
        async with acme.runtime.db.transaction() as conn:
            await bookings.upsert(conn, "acme", appointment("bk-1", hours=hours), now_utc())

    async def race() -> int:
        await asyncio.gather(*(move(48 + n) for n in range(RACERS)))
        async with acme.runtime.db.reading() as conn:
            found = await bookings.find(conn, "acme", "bk-1")
        assert found is not None
        return found.sequence

    # Each move changes the time, so each must raise the sequence by one.
    assert acme.call(race) == RACERS


def test_accounts_created_at_once_under_one_id_make_one_account(harness: Harness) -> None:
    account = Account(id="twin", name="Twin", time_zone="UTC", locale="en")

    async def race() -> list[BaseException | None]:
        return list(
            await asyncio.gather(
                *(create_account(harness.runtime.db, account) for _ in range(RACERS)),
                return_exceptions=True,
            )
        )

    outcomes = harness.call(race)
    assert outcomes.count(None) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if o is not None)


def test_links_regenerated_at_once_leave_every_shown_url_answering(acme: Harness) -> None:
    _, link = acme.create_calendar()
    service = acme.runtime.calendars

    async def race() -> list[Any]:
        shown = await asyncio.gather(
            *(service.regenerate_link("acme", link.record.id) for _ in range(RACERS))
        )
        return [
            await link_lookup.find(acme.runtime.db, token_hash(t))
            for t in [link.token, *(s.token for s in shown)]
        ]

    found = acme.call(race)
    # Every URL ever shown is the live one or retired (an empty calendar), never unknown.
    assert all(isinstance(f, LiveLink | RetiredLink) for f in found)
    assert sum(isinstance(f, LiveLink) for f in found) == 1


def test_renders_racing_agree_on_when_a_change_was_first_published(acme: Harness) -> None:
    calendar, _ = acme.create_calendar()

    async def race() -> set[datetime]:
        async def mark(seconds: int) -> datetime:
            at = now_utc() + timedelta(seconds=seconds)  # each render finishes at its own time
            async with acme.runtime.db.transaction() as conn:
                published = await calendars.mark_published(conn, calendar.id, "tag-2", at)
                await asyncio.sleep(0.05)  # still rendering's transaction: the others overlap
                return published

        return set(await asyncio.gather(*(mark(n) for n in range(RACERS))))

    assert len(acme.call(race)) == 1


def test_clean_up_run_by_several_processes_at_once_succeeds(acme: Harness) -> None:
    _, link = acme.create_calendar()
    acme.call(acme.runtime.calendars.regenerate_link, "acme", link.record.id)
    later = now_utc() + timedelta(days=1)

    async def purge() -> None:
        async with acme.runtime.db.transaction() as conn:
            await calendars.purge_retired(conn, later)
            await owners.purge_sessions(conn, later)
            await owners.purge_failures(conn, later)

    async def race() -> Any:
        await asyncio.gather(*(purge() for _ in range(RACERS)))
        return await link_lookup.find(acme.runtime.db, token_hash(link.token))

    assert acme.call(race) is None


def test_an_account_change_moves_its_data_version_once(acme: Harness) -> None:
    async def rename(name: str) -> bool:
        async with acme.runtime.db.transaction() as conn:
            account = await accounts.get(conn, "acme")
            account = Account(
                id=account.id, name=name, time_zone=account.time_zone, locale=account.locale
            )
            return await accounts.update(conn, account)

    async def race() -> tuple[list[bool], int]:
        async with acme.runtime.db.reading() as conn:
            before = (await accounts.get_record(conn, "acme")).data_version
        changed = await asyncio.gather(*(rename("Renamed") for _ in range(RACERS)))
        async with acme.runtime.db.reading() as conn:
            after = (await accounts.get_record(conn, "acme")).data_version
        return list(changed), after - before

    changed, moved = acme.call(race)
    assert changed.count(True) == 1
    assert moved == 1


def test_every_migration_exists_for_both_stores() -> None:
    numbers = [number for number, _ in migrations("sqlite")]
    assert numbers == list(range(1, len(numbers) + 1))
    assert [number for number, _ in migrations("postgresql")] == numbers


def test_reads_do_not_wait_behind_an_open_write(acme: Harness) -> None:
    db = acme.runtime.db

    async def read_during_write() -> tuple[str, str]:
        writing, done = asyncio.Event(), asyncio.Event()

        async def write() -> None:
            async with db.transaction() as conn:
                account = await accounts.get(conn, "acme")
                renamed = Account(
                    id="acme", name="Renamed", time_zone=account.time_zone, locale=account.locale
                )
                await accounts.update(conn, renamed)
                writing.set()
                await done.wait()

        writer = asyncio.create_task(write())
        await writing.wait()
        try:
            async with db.reading() as conn:  # before: waited for the write's lock
                during = (await accounts.get(conn, "acme")).name
        finally:
            done.set()
            await writer
        async with db.reading() as conn:
            after = (await accounts.get(conn, "acme")).name
        return during, after

    # The read sees the last committed state at once, the change once it is committed.
    during, after = acme.call(lambda: asyncio.wait_for(read_during_write(), timeout=10))
    assert (during, after) == ("acme ltd", "Renamed")


def test_an_api_keys_last_use_never_goes_back_in_time(acme: Harness) -> None:
    record, _ = acme.call(create_key, acme.runtime.db, "acme", "booking system")
    newer = datetime(2026, 3, 2, 12, 0, 1, tzinfo=UTC)

    async def touch_out_of_order() -> datetime | None:
        for at in (newer, newer - timedelta(minutes=5)):  # two processes, the older one last
            async with acme.runtime.db.transaction() as conn:
                await api_keys.touch(conn, record.id, at)
        async with acme.runtime.db.reading() as conn:
            (found,) = await api_keys.list_for_account(conn, "acme")
        return found.last_used_at

    assert acme.call(touch_out_of_order) == newer
