"""Scale benchmark: one account's large calendar must not stall the others, on either store.

    .venv/bin/python -m bench.scale [--postgres URL] [--seconds 5] [--rounds 3] [--quick]

Every server is a real `bookfeed serve` on 127.0.0.1 with its own database, stopped within
DEADLINE seconds. It prints, in one run:

1. the 200-event feed warm and cold, on SQLite and on PostgreSQL, with 1 and 2 processes;
2. a 100,000-booking feed rebuild with the latency of /healthz, /static/embed.js, a small
   calendar's warm feed and another account's PUT measured while it runs, before (the baseline
   commit on SQLite, checked out into a temporary git worktree that seeds and serves its own
   database) and after, on each store;
3. single PUTs and a 10,000-booking batch per second, PostgreSQL against SQLite.

Rounds are interleaved across the variants; figures are medians over rounds with their spread.
Latencies come from probes: one keep-alive connection each, sending its next request PAUSE after
the last answer. With `wrk` installed, the warm feed also gets wrk's saturated rate (pinned to
one core with taskset). PostgreSQL variants need `--postgres` or BOOKFEED_BENCH_POSTGRES (a
database the bench may add accounts to); without it they are skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.api import booking_body
from bench.probes import PAUSE, Latencies, Probe, Server, connect, get, new_booking, timed
from bench.serving import ROOT, free_port, wait_until_up, wrk

DEADLINE = 1800.0  # seconds any one server may live
BASELINE = "4a86dc9"  # the commit before renders moved off the event loop
SECRET = "bench secret key, the same for every process"
BATCH = 10_000
# Every part still runs, the rebuild at full size, in a few minutes.
QUICK = ("--rounds", "2", "--seconds", "2", "--puts", "100", "--batch", "2000")


def checkout_env(checkout: Path, database: str) -> dict[str, str]:
    """The environment that runs `checkout`'s own code against `database`."""
    return {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "BOOKFEED_DATABASE": database,
        "BOOKFEED_SECRET_KEY": SECRET,
    }


def seeded(checkout: Path, database: str, seed: dict[str, int | str]) -> dict[str, dict[str, str]]:
    """Seed `database` with `checkout`'s own code (see bench/scale_seed.py for the specs);
    the accounts made, each with its feed token and API key."""
    specs = [f"{account}:{count}" for account, count in seed.items()]
    found = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scale_seed.py"), database, SECRET, *specs],
        cwd=checkout,
        env=checkout_env(checkout, database),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if found.returncode:
        raise RuntimeError(f"seeding failed:\n{found.stderr}")
    made = json.loads(found.stdout)
    assert Path(made["backend"]).is_relative_to(checkout), "seeded with another checkout's code"
    return made["accounts"]


@contextmanager
def serve(checkout: Path, database: str, workers: int, seed: dict[str, int]) -> Iterator[Server]:
    """Seed `database` with `checkout`'s own code, then run its `bookfeed serve`."""
    with running(checkout, database, workers, seeded(checkout, database, seed)) as server:
        yield server


@contextmanager
def running(
    checkout: Path, database: str, workers: int, accounts: dict[str, dict[str, str]]
) -> Iterator[Server]:
    """`checkout`'s `bookfeed serve` on a free loopback port, over an already seeded database;
    the server's process group is `Server.group`."""
    port = free_port()
    command = [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        cwd=checkout,
        env=checkout_env(checkout, database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    timer = threading.Timer(DEADLINE, os.killpg, (process.pid, signal.SIGKILL))
    timer.start()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/healthz", process)
        yield Server(base=base, accounts=accounts, group=process.pid)
    finally:
        timer.cancel()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@contextmanager
def baseline_checkout(ref: str) -> Iterator[Path]:
    """`ref` checked out into a temporary git worktree, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="bookfeed-baseline-"))
    git = ["git", "-C", str(ROOT), "worktree"]
    subprocess.run([*git, "add", "--detach", "--quiet", str(folder), ref], check=True)
    try:
        yield folder
    finally:
        subprocess.run([*git, "remove", "--force", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def new_account() -> str:
    """A fresh account id: a PostgreSQL database may be reused between runs."""
    return f"bench-{secrets.token_hex(4)}"


def spread(values: list[float], unit: str, digits: int = 1) -> str:
    return (
        f"{statistics.median(values):.{digits}f} {unit}"
        f" ({min(values):.{digits}f}–{max(values):.{digits}f})"
    )


Stores = dict[str, Callable[[str], str]]  # store name -> database for a label


def feed_figures(stores: Stores, small: int, seconds: float, rounds: int) -> None:
    """The small feed warm (probed and, with wrk, saturated) and cold (right after a write)."""
    print(f"\n1. A {small}-event feed; each figure: median over {rounds} rounds (min–max)")
    figures: dict[tuple[str, int], dict[str, list[float]]] = {}
    with ExitStack() as stack:
        servers = {}
        for store, database in stores.items():
            for workers in (1, 2):
                seed = {new_account(): small}
                found = serve(ROOT, database(f"feed-{workers}"), workers, seed)
                servers[store, workers] = stack.enter_context(found)
                figures[store, workers] = {"p50": [], "p99": [], "cold": [], "wrk": []}
        for _ in range(rounds):
            for variant, server in servers.items():
                (name,) = server.accounts
                found = figures[variant]
                warm = Probe(server, get(server.feed(name)))
                warm.start()
                time.sleep(seconds)
                latencies = warm.finish()
                found["p50"].append(latencies.percentile(0.5))
                found["p99"].append(latencies.percentile(0.99))
                found["cold"].append(statistics.median(cold_fetches(server, name, 10)))
                if shutil.which("wrk"):
                    url = server.base + server.feed(name)
                    found["wrk"].append(
                        wrk(url, max(1, round(seconds)), cpus="1").requests_per_second
                    )
    for (store, workers), found in figures.items():
        saturated = f"; wrk -c32 {spread(found['wrk'], 'req/s', 0)}" if found["wrk"] else ""
        print(
            f"   {store:<10} {workers} process{'es' if workers > 1 else '  '}:"
            f" warm p50 {spread(found['p50'], 'ms', 2)}, p99 {spread(found['p99'], 'ms', 2)};"
            f" cold {spread(found['cold'], 'ms')}{saturated}"
        )
    if not shutil.which("wrk"):
        print("   (wrk is not installed, so no saturated rates: apt-get install -y wrk)")


def cold_fetches(server: Server, name: str, count: int) -> list[float]:
    """Milliseconds of feed fetches, each right after a PUT changed the account's data."""
    connection, write = connect(server), new_booking(server, name)
    took = []
    for n in range(count):
        timed(connection, write(n))
        took.append(timed(connection, get(server.feed(name))(n)))
    connection.close()
    return took


def rebuild_figures(
    variants: dict[str, tuple[Path, str]], big: int, small: int, rounds: int
) -> None:
    """One process per variant (checkout, database): the big feed rebuilt while probes measure
    the rest."""
    print(
        f"\n2. A {big:,}-booking feed rebuilt (one process) while /healthz, /static/embed.js, a"
        f" {small}-event feed (warm) and another account's PUTs are probed, {PAUSE * 1000:.0f} ms"
        f" apart; latencies of the requests sent during the rebuilds of {rounds} rounds"
    )
    probes = ("/healthz", "/static/embed.js", "small feed, warm", "other account's PUT")
    rebuilds: dict[str, list[float]] = {variant: [] for variant in variants}
    probed = {variant: {probe: Latencies([]) for probe in probes} for variant in variants}
    p99s: dict[str, dict[str, list[float]]] = {
        variant: {probe: [] for probe in probes} for variant in variants
    }
    with ExitStack() as stack:
        servers = {}
        for variant, (checkout, database) in variants.items():
            names = {"big": new_account(), "small": new_account(), "other": new_account()}
            seed = {names["big"]: big, names["small"]: small, names["other"]: 0}
            servers[variant] = (names, stack.enter_context(serve(checkout, database, 1, seed)))
        for _ in range(rounds):
            for variant, (names, server) in servers.items():
                seconds, latencies = rebuild(server, names, probes)
                rebuilds[variant].append(seconds)
                for probe, found in latencies.items():
                    probed[variant][probe].ms.extend(found.ms)
                    if found.ms:
                        p99s[variant][probe].append(found.percentile(0.99))
    for variant, seconds in rebuilds.items():
        print(f"   {variant}: rebuild {spread(seconds, 's', 2)}")
        for probe, found in probed[variant].items():
            per_round = p99s[variant][probe]
            each = f"; p99 per round {spread(per_round, 'ms')}" if per_round else ""
            print(f"     {found.line(probe)}{each}")


def rebuild(
    server: Server, names: dict[str, str], labels: tuple[str, ...]
) -> tuple[float, dict[str, Latencies]]:
    """Seconds to rebuild the big feed after a change, and the probes' latencies meanwhile."""
    connection = connect(server)
    timed(connection, new_booking(server, names["big"])(0))  # the cached feed is now stale
    timed(connection, get(server.feed(names["small"]))(0))  # and the small one warm
    requests = (
        get("/healthz"),
        get("/static/embed.js"),
        get(server.feed(names["small"])),
        new_booking(server, names["other"]),
    )
    probes = {
        label: Probe(server, request) for label, request in zip(labels, requests, strict=True)
    }
    for probe in probes.values():
        probe.start()
    time.sleep(0.2)  # the probes are under way before the rebuild starts
    since = time.perf_counter()
    seconds = timed(connection, get(server.feed(names["big"]))(0)) / 1000
    until = time.perf_counter()
    connection.close()
    return seconds, {label: probe.finish(since, until) for label, probe in probes.items()}


def write_figures(stores: Stores, puts: int, batch: int, rounds: int) -> None:
    """Sequential single PUTs and one batch of new bookings per round, per store."""
    print(f"\n3. Writes (one process): {puts} single PUTs, then a batch of {batch:,} new bookings")
    rates: dict[str, dict[str, list[float]]] = {}
    with ExitStack() as stack:
        servers = {}
        for store, database in stores.items():
            servers[store] = stack.enter_context(
                serve(ROOT, database("writes"), 1, {new_account(): 0})
            )
            rates[store] = {"single": [], "batch": []}
        for round_ in range(rounds):
            for store, server in servers.items():
                (name,) = server.accounts
                connection, write = connect(server), new_booking(server, name)
                began = time.perf_counter()
                for n in range(puts):
                    timed(connection, write(n))
                rates[store]["single"].append(puts / (time.perf_counter() - began))
                items = [{"id": f"batch-{round_}-{n}", **booking_body(n)} for n in range(batch)]
                body = json.dumps({"bookings": items}).encode()
                headers = {**server.auth(name), "Content-Type": "application/json"}
                took = timed(connection, ("POST", "/api/v1/batch", body, headers))
                rates[store]["batch"].append(batch / took * 1000)
                connection.close()
    for store, found in rates.items():
        print(
            f"   {store:<10} single PUT {spread(found['single'], 'bookings/s', 0)};"
            f" batch {spread(found['batch'], 'bookings/s', 0)}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=os.environ.get("BOOKFEED_BENCH_POSTGRES"))
    parser.add_argument("--seconds", type=float, default=5, help="length of each warm run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big", type=int, default=100_000, help="bookings in the large feed")
    parser.add_argument("--small", type=int, default=200, help="events in the small feed")
    parser.add_argument("--puts", type=int, default=300, help="single PUTs per round")
    parser.add_argument("--batch", type=int, default=BATCH, help="bookings in the batch")
    parser.add_argument("--baseline", default=BASELINE, help="git ref to compare against")
    parser.add_argument("--no-baseline", action="store_true", help="only this checkout")
    parser.add_argument("--quick", action="store_true", help=f"shorter runs: {' '.join(QUICK)}")
    args = parser.parse_args(argv)
    if args.quick:  # what the command line gives explicitly still wins
        args = parser.parse_args([*QUICK, *(argv if argv is not None else sys.argv[1:])])
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        stores: Stores = {"SQLite": lambda label: str(folder / f"{label}.sqlite3")}
        if args.postgres:
            stores["PostgreSQL"] = lambda label: args.postgres
        else:
            print("PostgreSQL: skipped (pass --postgres URL or set BOOKFEED_BENCH_POSTGRES)")
        feed_figures(stores, args.small, args.seconds, args.rounds)
        with ExitStack() as stack:
            variants = {}
            if not args.no_baseline:
                baseline = stack.enter_context(baseline_checkout(args.baseline))
                variants[f"before ({args.baseline}), SQLite"] = (baseline, stores["SQLite"]("old"))
            for store, database in stores.items():
                variants[f"after (this checkout), {store}"] = (ROOT, database("rebuild"))
            rebuild_figures(variants, args.big, args.small, args.rounds)
        write_figures(stores, args.puts, args.batch, args.rounds)


if __name__ == "__main__":
    main()
