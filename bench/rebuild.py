"""Cold feed rebuild benchmark: µs per event from start to finish and the server's peak memory,
this checkout against a baseline commit, in one run.

    .venv/bin/python -m bench.rebuild [--quick] [--rounds 3] [--baseline 6d1182e] [--postgres URL]

For each case (2,000, 20,000 and 100,000 events in the window, and 2,000 with 100,000 older
bookings outside it) and each variant (the baseline, checked out into a temporary git worktree
that seeds its own database, and this checkout; on SQLite and, with --postgres or
BOOKFEED_BENCH_POSTGRES, on PostgreSQL), every round:

- end to end: a fresh `bookfeed serve` (one worker) on 127.0.0.1 answers its first request for
  the feed, gzip accepted: link lookup, database read, redaction, render, gzip and HTTP, timed
  to the last byte; then the server's peak memory (the largest VmHWM in its process group);
- in process: the stages one by one, timed by bench/rebuild_stages.py run with the variant's
  own code: database read and decoding, redaction (with resolving), ICS render, gzip.

Variants alternate within each round (their order swapped every round); figures are medians
over rounds with the spread (min to max), and "after/before" is the ratio of the medians.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import msgspec

from bench.probes import GZIP, connect, timed
from bench.scale import baseline_checkout, checkout_env, new_account, running, seeded, spread
from bench.serving import ROOT

BASELINE = "6d1182e"  # main before this work
STAGES = ("read", "redact", "render", "gzip")
SIZES, QUICK_SIZES = "2000,20000,100000", "2000,20000"  # events in the window
OLDER, QUICK_OLDER = 100_000, 20_000  # older bookings beside the smallest size


def cases_of(sizes: str, older: int) -> dict[str, tuple[int, int]]:
    """label: (events in the window, older bookings outside it)."""
    counts = [int(size) for size in sizes.split(",")]
    cases = {f"{count:,}": (count, 0) for count in counts}
    if older:
        cases[f"{min(counts):,} + {older:,} older"] = (min(counts), older)
    return cases


Key = tuple[str, str, str]  # case, store, version


def peak_mb(group: int) -> float:
    """The largest peak resident set (VmHWM) of the processes in a process group, in MB."""
    peak = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != group:  # the fields after ")" start at state; pgrp is third
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def end_to_end(checkout: Path, case: Seeded) -> tuple[float, float]:
    """Seconds for a fresh server's first (cold) feed, and the server's peak MB after it."""
    with running(checkout, case.database, 1, case.accounts) as server:
        connection: http.client.HTTPConnection = connect(server)
        took = timed(connection, ("GET", server.feed(case.account), None, GZIP)) / 1000
        connection.close()
        return took, peak_mb(server.group)


def in_process(checkout: Path, case: Seeded, repeats: int) -> dict[str, list[float]]:
    script = str(ROOT / "bench" / "rebuild_stages.py")
    found = subprocess.run(
        [sys.executable, script, case.database, case.account, str(repeats)],
        cwd=checkout,
        env=checkout_env(checkout, case.database),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if found.returncode:
        raise RuntimeError(f"timing the stages failed:\n{found.stderr}")
    return json.loads(found.stdout)


class Seeded(msgspec.Struct, frozen=True):
    database: str
    account: str
    accounts: dict[str, dict[str, str]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller cases, two rounds")
    parser.add_argument("--rounds", type=int, help="rounds (default 3, or 2 with --quick)")
    parser.add_argument("--baseline", default=BASELINE, help="git ref to compare against")
    parser.add_argument("--no-baseline", action="store_true", help="only this checkout")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BOOKFEED_BENCH_POSTGRES"),
        help="also on this PostgreSQL database (the bench adds accounts to it)",
    )
    parser.add_argument("--sizes", help=f"events in the window (default {SIZES})")
    parser.add_argument("--older", type=int, help=f"older bookings (default {OLDER:,})")
    args = parser.parse_args(argv)
    older = args.older if args.older is not None else QUICK_OLDER if args.quick else OLDER
    cases = cases_of(args.sizes or (QUICK_SIZES if args.quick else SIZES), older)
    rounds = args.rounds or (2 if args.quick else 3)
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        checkouts = {"after": ROOT}
        if not args.no_baseline:
            checkouts = {
                "before": stack.enter_context(baseline_checkout(args.baseline)),
                **checkouts,
            }
        stores = {"SQLite": lambda: str(Path(scratch) / f"{new_account()}.sqlite3")}
        if args.postgres:
            stores["PostgreSQL"] = lambda: args.postgres
        variants = {
            (store, version): checkout
            for store in stores
            for version, checkout in checkouts.items()
        }
        seeds: dict[Key, Seeded] = {}
        for label, (count, older) in cases.items():
            for (store, version), checkout in variants.items():
                database, account = stores[store](), new_account()
                made = seeded(checkout, database, {account: f"{count}:{older}"})
                seeds[label, store, version] = Seeded(database, account, made)
        seconds: dict[Key, list[float]] = {key: [] for key in seeds}
        peaks: dict[Key, list[float]] = {key: [] for key in seeds}
        stages: dict[Key, dict[str, list[float]]] = {
            key: {stage: [] for stage in STAGES} for key in seeds
        }
        for round_ in range(rounds):
            order = list(variants.items())[:: -1 if round_ % 2 else 1]
            for label in cases:
                for (store, version), checkout in order:
                    key = label, store, version
                    took, peak = end_to_end(checkout, seeds[key])
                    seconds[key].append(took)
                    peaks[key].append(peak)
                    found = in_process(checkout, seeds[key], 2)
                    for stage in STAGES:  # the second: code and database pages warmed once
                        stages[key][stage].append(found[stage][-1])
        report(cases, list(variants), rounds, seconds, peaks, stages)


def report(
    cases: dict[str, tuple[int, int]],
    variants: list[tuple[str, str]],
    rounds: int,
    seconds: dict[Key, list[float]],
    peaks: dict[Key, list[float]],
    stages: dict[Key, dict[str, list[float]]],
) -> None:
    print(f"Cold feed rebuild, one worker; medians of {rounds} rounds (min–max)")
    for label, (count, older) in cases.items():
        outside = f" ({older:,} older bookings outside it)" if older else ""
        print(f"\n{label} events in the window{outside}")
        for store, version in variants:
            key = label, store, version
            micro = [1e6 * s / count for s in seconds[key]]
            parts = ", ".join(
                f"{stage} {spread([1e6 * s / count for s in stages[key][stage]], 'µs')}"
                for stage in STAGES
            )
            print(
                f"  {store:<10} {version:<6} end to end {spread(micro, 'µs/event')};"
                f" peak {spread(peaks[key], 'MB', 0)}\n"
                f"{'':<20} in process: {parts}"
            )
        for store in dict.fromkeys(store for store, _ in variants):
            before, after = (label, store, "before"), (label, store, "after")
            if before in seconds:
                time_ratio = statistics.median(seconds[after]) / statistics.median(seconds[before])
                memory_ratio = statistics.median(peaks[after]) / statistics.median(peaks[before])
                print(
                    f"  {store} after/before: end to end {time_ratio:.2f},"
                    f" peak memory {memory_ratio:.2f}"
                )


if __name__ == "__main__":
    main()
