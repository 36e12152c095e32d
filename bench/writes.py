"""Writes under load: how much warm-feed throughput a steady trickle of PUTs costs, and what the
next fetch after one changed booking costs against a full render, before and after.

    .venv/bin/python -m bench.writes [--quick] [--rounds 3] [--seconds 5] [--baseline 6d1182e]

Each variant (the baseline commit, checked out into a temporary git worktree, and this
checkout) serves a 20,000-event and a 200-event calendar, each from its own SQLite database
and `bookfeed serve` process, pinned to core 0; wrk (-t1 -c32, gzip) and the PUTs run on
core 1. In every round, interleaved, each server's warm feed is loaded by wrk without writes
and with PUTs at a fixed rate (1/s on the big calendar, 20/s on the small one), each PUT
changing a booking inside the calendar's window. Reported: the with-writes rate as a share of
the no-writes rate, median over rounds (min-max), with p99 and the PUTs' own latency; then,
on the big calendar, the next fetch after one changed booking against a full render (after an
object change, which every version renders in full), end to end over HTTP.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.probes import GZIP, Server, connect, get, timed
from bench.scale import baseline_checkout, new_account, serve, spread
from bench.serving import ROOT, wrk

BASELINE = "6d1182e"  # main before per-calendar versions and incremental feeds
SERVER_CPU, LOAD_CPU = 0, 1


class Writer(threading.Thread):
    """PUTs at `rate` a second on one keep-alive connection, each moving one of a few bookings
    to a new time inside the window, until stopped."""

    def __init__(self, server: Server, account: str, rate: float) -> None:
        super().__init__(daemon=True)
        self.connection, self.rate = connect(server), rate
        self.headers = {**server.auth(account), "Content-Type": "application/json"}
        self.took: list[float] = []
        self.stop = threading.Event()
        self.failure: Exception | None = None

    def run(self) -> None:
        began, n = time.perf_counter(), 0
        try:
            while not self.stop.is_set():
                self.took.append(timed(self.connection, self.put(n)))
                n += 1
                self.stop.wait(max(0.0, began + n / self.rate - time.perf_counter()))
        except Exception as failure:  # reported by finish(), in the main thread
            self.failure = failure
        finally:
            self.connection.close()

    def put(self, n: int) -> tuple[str, str, bytes, dict[str, str]]:
        start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=2, minutes=n)
        body = {
            "kind": "appointment",
            "service_id": "x1",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=45)).isoformat(),
            "staff_ids": ["x1"],
            "customer_ids": ["x1"],
            "notes": f"Change {n} at {time.monotonic_ns()}",  # never the same twice
        }
        return "PUT", f"/api/v1/bookings/moving-{n % 20}", json.dumps(body).encode(), self.headers

    def finish(self) -> list[float]:
        self.stop.set()
        self.join()
        if self.failure is not None:
            raise self.failure
        return self.took


@contextmanager
def pinned(cpu: int) -> Iterator[None]:
    """This process (and whatever it starts meanwhile) on `cpu` only, then back."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu % os.cpu_count()})  # type: ignore[operator]
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def load_figures(
    servers: dict[tuple[str, int], Server], rates: dict[int, float], seconds: int, rounds: int
) -> None:
    figures = {key: {"ratio": [], "p99": [], "p99w": [], "put": []} for key in servers}
    for server in servers.values():  # the first render of a big feed takes seconds
        (account,) = server.accounts
        connection = connect(server)
        timed(connection, get(server.feed(account))(0))
        connection.close()
    for _ in range(rounds):
        for (variant, size), server in servers.items():
            (account,) = server.accounts
            url = server.base + server.feed(account)
            quiet = wrk(url, seconds, headers=GZIP, cpus=str(LOAD_CPU))
            writer = Writer(server, account, rates[size])
            writer.start()
            busy = wrk(url, seconds, headers=GZIP, cpus=str(LOAD_CPU))
            puts = writer.finish()
            found = figures[variant, size]
            found["ratio"].append(busy.requests_per_second / quiet.requests_per_second)
            found["p99"].append(quiet.p99_ms)
            found["p99w"].append(busy.p99_ms)
            found["put"].append(statistics.median(puts))
    print(f"\n1. Warm feed under writes (wrk -c32, {seconds} s runs; median of {rounds} rounds)")
    for (variant, size), found in figures.items():
        print(
            f"   {variant:<24} {size:>6} events, {rates[size]:>4g} PUT/s:"
            f" {spread(found['ratio'], 'of no writes', 2)};"
            f" p99 {spread(found['p99'], 'ms')} → {spread(found['p99w'], 'ms')};"
            f" PUT {spread(found['put'], 'ms')}"
        )


def next_fetch_figures(servers: dict[str, Server], fetches: int) -> None:
    """The next fetch after one changed booking, and after an object change (a full render)."""
    print(f"\n2. The {BIG}-event feed over HTTP: next fetch after a change (median of {fetches})")
    for variant, server in servers.items():
        (account,) = server.accounts
        connection, writer = connect(server), Writer(server, account, 1)
        feed = get(server.feed(account))
        timed(connection, feed(0))
        after_booking, after_object = [], []
        for n in range(fetches):
            timed(connection, writer.put(n))
            after_booking.append(timed(connection, feed(n)))
            body = json.dumps({"name": f"Maya Okafor {n}", "email": "maya@example.com"})
            rename = ("PUT", "/api/v1/staff/x1", body.encode(), writer.headers)
            timed(connection, rename)
            after_object.append(timed(connection, feed(n)))
        connection.close()
        share = [b / o for b, o in zip(after_booking, after_object, strict=True)]
        print(
            f"   {variant:<24} one booking {spread(after_booking, 'ms')};"
            f" full render {spread(after_object, 'ms')}; share {spread(share, '', 3)}"
        )


BIG, SMALL = 20_000, 200


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one round of 2 s runs")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--fetches", type=int, default=5, help="next fetches to time")
    parser.add_argument("--baseline", default=BASELINE, help="git ref to compare against")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds, args.fetches = 1, 2, 3
    rates = {BIG: 1.0, SMALL: 20.0}
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        checkouts = {
            f"before ({args.baseline})": stack.enter_context(baseline_checkout(args.baseline)),
            "after (this checkout)": ROOT,
        }
        servers: dict[tuple[str, int], Server] = {}
        with pinned(SERVER_CPU):
            for variant, checkout in checkouts.items():
                for size in rates:
                    database = str(Path(scratch) / f"{len(servers)}.sqlite3")
                    found = serve(checkout, database, 1, {new_account(): size})
                    servers[variant, size] = stack.enter_context(found)
        with pinned(LOAD_CPU):
            load_figures(servers, rates, args.seconds, args.rounds)
            big = {variant: server for (variant, size), server in servers.items() if size == BIG}
            next_fetch_figures(big, args.fetches)


if __name__ == "__main__":
    main()
