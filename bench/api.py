"""Throughput of the booking-system API against a real server process.

Starts `python -m backend.cli serve` on 127.0.0.1 with a temporary database, then measures
single PUTs (bookings/s: one keep-alive connection, sequential; and, with wrk installed, wrk
-t1 -c8 sending single-booking PUTs, pinned to another core than the server), a 10,000-booking
batch (bookings/s) and the server's peak resident memory during that batch, for this checkout
and the baseline commit (checked out into a temporary git worktree). Stops the server and
itself within DEADLINE seconds.

    .venv/bin/python -m bench.api [--quick] [--baseline 6d1182e | --no-baseline]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent

DEADLINE = 300.0
SINGLE_PUTS = 1000
BATCH = 10_000
BASELINE = "6d1182e"  # main before single PUTs lost their extra round trips
WRK_PUT = """
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"kind": "appointment", "service_id": "x1",'
    .. ' "start": "2030-01-01T08:00:00+00:00", "end": "2030-01-01T08:45:00+00:00",'
    .. ' "staff_ids": ["x1"], "customer_ids": ["x1"], "notes": "wrk %d"}', n)
  return wrk.format("PUT", "/api/v1/bookings/wrk-" .. n, HEADERS, body)
end
"""
REFERENCES = {
    "staff": {"name": "Sam", "email": "sam@example.com"},
    "resources": {"name": "Room One"},
    "locations": {"name": "Downtown", "address": "1 High Street"},
    "services": {"name": "Haircut", "description": "A fine haircut"},
    "customers": {"name": "Jane Doe", "email": "jane@example.com"},
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer PUTs, a smaller batch")
    parser.add_argument("--baseline", default=BASELINE, help="git ref to compare against")
    parser.add_argument("--no-baseline", action="store_true", help="only this checkout")
    args = parser.parse_args(argv)
    puts, batch, seconds = (200, 2000, 2) if args.quick else (SINGLE_PUTS, BATCH, 5)
    if args.no_baseline:
        measure(ROOT, "this checkout", puts, batch, seconds)
        return
    from bench.scale import baseline_checkout  # here: bench.scale imports this module

    with baseline_checkout(args.baseline) as baseline:
        measure(baseline, f"baseline {args.baseline}", puts, batch, seconds)
    measure(ROOT, "this checkout", puts, batch, seconds)


def measure(checkout: Path, label: str, puts: int, batch: int, seconds: int) -> None:
    print(f"\n{label}:")
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "PYTHONPATH": str(checkout),
            "BOOKFEED_DATABASE": str(Path(folder) / "bench.sqlite3"),
            "BOOKFEED_API_RATE_LIMIT": "0",  # no limit: the server's own rate is measured
        }
        key = _account_with_key(env, checkout)
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "backend.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=checkout,
            env=env,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=lambda: os.sched_setaffinity(0, {0}),
        )
        timer = threading.Timer(DEADLINE, os.killpg, (server.pid, signal.SIGKILL))
        timer.start()
        try:
            _run(f"http://127.0.0.1:{port}", key, server.pid, puts, batch, seconds)
        finally:
            timer.cancel()
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)


def _run(base: str, key: str, server_pid: int, puts: int, size: int, seconds: int) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=f"{base}/api/v1", headers=headers, timeout=120) as client:
        _wait_until_up(client)
        for kind, body in REFERENCES.items():
            client.put(f"/{kind}/x1", json=body).raise_for_status()

        started = time.perf_counter()
        for n in range(puts):
            client.put(f"/bookings/single-{n}", json=booking_body(n)).raise_for_status()
        single = puts / (time.perf_counter() - started)
        concurrent = _wrk_puts(base, key, seconds)

        batch = {"bookings": [{"id": f"batch-{n}", **booking_body(n)} for n in range(size)]}
        body = httpx.Request("POST", "/", json=batch).read()
        sampler = RssSampler(server_pid)
        sampler.start()
        started = time.perf_counter()
        response = client.post("/batch", content=body, headers={"Content-Type": "application/json"})
        created_seconds = time.perf_counter() - started
        sampler.stop()
        response.raise_for_status()
        assert response.json()["bookings"]["created"] == size
        started = time.perf_counter()
        client.post("/batch", content=body, headers={"Content-Type": "application/json"})
        unchanged_seconds = time.perf_counter() - started

    print(f"single PUT /bookings/{{id}}: {single:8.0f} bookings/s  ({puts} sequential)")
    if concurrent is not None:
        print(f"single PUTs, wrk -c8:       {concurrent:8.0f} bookings/s  ({seconds} s)")
    print(
        f"batch of {size} new:        {size / created_seconds:8.0f} bookings/s"
        f"  ({created_seconds:.2f} s, body {len(body) / 1e6:.1f} MB)"
    )
    print(
        f"same batch again (no-op):   {size / unchanged_seconds:8.0f} bookings/s"
        f"  ({unchanged_seconds:.2f} s)"
    )
    print(
        f"server peak RSS during the batch: {sampler.peak_total / 2**20:.0f} MiB for the process"
        f" tree (largest process {sampler.peak_single / 2**20:.0f} MiB; before"
        f" {sampler.baseline / 2**20:.0f} MiB)"
    )


def _wrk_puts(base: str, key: str, seconds: int) -> float | None:
    """Single-booking PUTs a second from wrk on 8 connections, on core 1; None without wrk."""
    if not shutil.which("wrk"):
        return None
    headers = '{["Authorization"] = "Bearer %s", ["Content-Type"] = "application/json"}' % key  # noqa: UP031
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(f"HEADERS = {headers}\n{WRK_PUT}")
        script.flush()
        command = ["taskset", "-c", "1", "wrk", "-t1", "-c8", f"-d{seconds}s", "-s", script.name]
        output = subprocess.run(
            [*command, base], capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"errors during the run:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def booking_body(n: int) -> dict[str, Any]:
    start = datetime(2030, 1, 1, 8, tzinfo=UTC) + timedelta(hours=n)
    return {
        "kind": "appointment",
        "service_id": "x1",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=45)).isoformat(),
        "staff_ids": ["x1"],
        "resource_ids": ["x1"],
        "customer_ids": ["x1"],
        "location_id": "x1",
        "notes": f"Booking number {n}",
    }


class RssSampler:
    """Samples the resident memory of a process and its descendants every few milliseconds."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.baseline = _tree_rss(pid)[0]
        self.peak_total = self.peak_single = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            total, largest = _tree_rss(self.pid)
            self.peak_total = max(self.peak_total, total)
            self.peak_single = max(self.peak_single, largest)


def _tree_rss(pid: int) -> tuple[int, int]:
    sizes = [_rss(p) for p in _descendants(pid)]
    return sum(sizes), max(sizes, default=0)


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending += [int(child) for child in children.read_text().split()]
            except OSError:
                continue
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def _account_with_key(env: dict[str, str], checkout: Path = ROOT) -> str:
    cli = [sys.executable, "-m", "backend.cli"]
    create = ["account", "create", "--id", "bench", "--name", "Bench", "--time-zone", "UTC"]
    subprocess.run([*cli, *create], cwd=checkout, env=env, check=True, capture_output=True)
    made = subprocess.run(
        [*cli, "api-key", "create", "--account", "bench"],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return made.stdout.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(client: httpx.Client) -> None:
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up:
        try:
            if (
                client.get(
                    f"{client.base_url.scheme}://{client.base_url.host}:{client.base_url.port}/healthz"
                ).status_code
                == 200
            ):
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the server did not start within 30 s")


if __name__ == "__main__":
    main()
