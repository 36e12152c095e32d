"""Cold feed rebuild benchmark: µs per event from start to finish and the server's peak memory,
this checkout against a baseline commit, in one run.

    .venv/bin/python -m bench.rebuild [--quick] [--rounds 3] [--baseline 6d1182e]

For each case (2,000, 20,000 and 100,000 events in the window, and 2,000 with 100,000 older
bookings outside it) and each variant (the baseline, checked out into a temporary git worktree
that seeds its own SQLite database, and this checkout), every round:

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
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.probes import GZIP, connect, timed
from bench.scale import baseline_checkout, checkout_env, running, seeded, spread
from bench.serving import ROOT

BASELINE = "6d1182e"  # main before this work
ACCOUNT = "bench"
STAGES = ("read", "redact", "render", "gzip")
CASES = {  # label: (events in the window, older bookings outside it)
    "2,000": (2_000, 0),
    "20,000": (20_000, 0),
    "100,000": (100_000, 0),
    "2,000 + 100,000 older": (2_000, 100_000),
}
Key = tuple[str, str]  # case, variant
QUICK_CASES = {"2,000": (2_000, 0), "20,000": (20_000, 0), "2,000 + 20,000 older": (2_000, 20_000)}


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


def end_to_end(
    checkout: Path, database: str, accounts: dict[str, dict[str, str]]
) -> tuple[float, float]:
    """Seconds for a fresh server's first (cold) feed, and the server's peak MB after it."""
    with running(checkout, database, 1, accounts) as server:
        connection: http.client.HTTPConnection = connect(server)
        took = timed(connection, ("GET", server.feed(ACCOUNT), None, GZIP)) / 1000
        connection.close()
        return took, peak_mb(server.group)


def in_process(checkout: Path, database: str, repeats: int) -> dict[str, list[float]]:
    script = str(ROOT / "bench" / "rebuild_stages.py")
    found = subprocess.run(
        [sys.executable, script, database, ACCOUNT, str(repeats)],
        cwd=checkout,
        env=checkout_env(checkout, database),
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    return json.loads(found.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller cases, two rounds")
    parser.add_argument("--rounds", type=int, help="rounds (default 3, or 2 with --quick)")
    parser.add_argument("--baseline", default=BASELINE, help="git ref to compare against")
    parser.add_argument("--no-baseline", action="store_true", help="only this checkout")
    args = parser.parse_args(argv)
    cases = QUICK_CASES if args.quick else CASES
    rounds = args.rounds or (2 if args.quick else 3)
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        variants = {"after": ROOT}
        if not args.no_baseline:
            variants = {"before": stack.enter_context(baseline_checkout(args.baseline)), **variants}
        databases: dict[Key, tuple[str, dict[str, dict[str, str]]]] = {}
        for label, (count, older) in cases.items():
            for variant, checkout in variants.items():
                database = str(Path(scratch) / f"{variant}-{len(databases)}.sqlite3")
                accounts = seeded(checkout, database, {ACCOUNT: f"{count}:{older}"})
                databases[label, variant] = (database, accounts)
        seconds: dict[Key, list[float]] = {key: [] for key in databases}
        peaks: dict[Key, list[float]] = {key: [] for key in databases}
        stages: dict[Key, dict[str, list[float]]] = {
            key: {stage: [] for stage in STAGES} for key in databases
        }
        for round_ in range(rounds):
            order = list(variants.items())[:: -1 if round_ % 2 else 1]
            for label in cases:
                for variant, checkout in order:
                    database, accounts = databases[label, variant]
                    took, peak = end_to_end(checkout, database, accounts)
                    seconds[label, variant].append(took)
                    peaks[label, variant].append(peak)
                    found = in_process(checkout, database, 2)
                    for stage in STAGES:  # the second: code and database pages warmed once
                        stages[label, variant][stage].append(found[stage][-1])
        report(cases, variants, rounds, seconds, peaks, stages)


def report(
    cases: dict[str, tuple[int, int]],
    variants: dict[str, Path],
    rounds: int,
    seconds: dict[Key, list[float]],
    peaks: dict[Key, list[float]],
    stages: dict[Key, dict[str, list[float]]],
) -> None:
    print(f"Cold feed rebuild, SQLite, one worker; medians of {rounds} rounds (min–max)")
    for label, (count, older) in cases.items():
        print(
            f"\n{label} events in the window" + (f" ({older:,} older outside it)" if older else "")
        )
        per_event = {}
        for variant in variants:
            key = label, variant
            micro = [1e6 * s / count for s in seconds[key]]
            per_event[variant] = statistics.median(micro)
            parts = ", ".join(
                f"{stage} {spread([1e6 * s / count for s in stages[key][stage]], 'µs')}"
                for stage in STAGES
            )
            print(
                f"  {variant:<6} end to end {spread(micro, 'µs/event')};"
                f" peak {spread(peaks[key], 'MB', 0)}\n"
                f"         in process: {parts}"
            )
        if len(per_event) == 2:
            ratio = per_event["after"] / per_event["before"]
            before = statistics.median(peaks[label, "before"])
            after = statistics.median(peaks[label, "after"])
            print(f"  after/before: end to end {ratio:.2f}, peak memory {after / before:.2f}")


if __name__ == "__main__":
    main()
