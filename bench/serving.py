"""Serving benchmark: the warm widget month, its 304, a static file and the warm feed against a
raw ASGI app answering with the same status, headers and bytes, under the asyncio event loop and
under uvloop, all in one run; plus the helpers the other benchmarks share (a granian process on
127.0.0.1, wrk runs bounded in time).

    .venv/bin/python -m bench.serving [--seconds 5] [--rounds 3] [--quick]

The servers run pinned to the first core and wrk to the second (where there are two); the runs
are interleaved in rounds; each figure is the median over the rounds with its min-max.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import importlib.util
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

ROOT = Path(__file__).resolve().parent.parent


class LoadResult(msgspec.Struct, frozen=True):
    requests_per_second: float
    p50_ms: float
    p99_ms: float

    def line(self, label: str, ceiling: LoadResult | None = None) -> str:
        share = ""
        if ceiling is not None:
            share = (
                f"  {100 * self.requests_per_second / ceiling.requests_per_second:5.1f}% of ceiling"
            )
        return (
            f"{label:<34} {self.requests_per_second:>9.0f} req/s"
            f"  p50 {self.p50_ms:6.2f} ms  p99 {self.p99_ms:6.2f} ms{share}"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def granian(
    target: str,
    env: Mapping[str, str],
    factory: bool = True,
    loop: str = "auto",
    cpus: str | None = None,
) -> Iterator[str]:
    """Run `target` under granian on a free loopback port, with event loop `loop`, pinned to
    `cpus` (taskset's list) if given; yields the base URL."""
    port = free_port()
    command = [
        *(["taskset", "-c", cpus] if cpus is not None else []),
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-ws",
        "--log-level",
        "warning",
        "--loop",
        loop,
    ]
    if factory:
        command.append("--factory")
    process = subprocess.Popen(
        [*command, target],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers, even if not with 200
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def wrk(
    url: str,
    seconds: int = 8,
    connections: int = 32,
    headers: Mapping[str, str] | None = None,
    cpus: str | None = None,
) -> LoadResult:
    """One bounded wrk run against a loopback URL, pinned to `cpus` (taskset's list) if given."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed for the load figures: apt-get install -y wrk")
    assert url.startswith("http://127.0.0.1:")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cpus is not None:
        command = ["taskset", "-c", cpus, *command]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"errors during the run:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return LoadResult(rate, _percentile(output, "50%"), _percentile(output, "99%"))


def _percentile(output: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


class Case(msgspec.Struct, frozen=True):
    label: str
    path: str  # on the app; the raw app answers `raw_path` with the same response
    raw_path: str
    headers: dict[str, str]


_NOT_REPEATED = frozenset({"date", "server"})  # the server adds its own


def captured(base: str, case: Case, folder: Path) -> dict[str, object]:
    """The app's response to `case` as the raw app's spec: status, headers, body file."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", case.path, headers=case.headers)
        response = connection.getresponse()
        body = response.read()
        headers = [[k, v] for k, v in response.getheaders() if k.lower() not in _NOT_REPEATED]
    finally:
        connection.close()
    assert response.status in (200, 304), (case.path, response.status)
    body_file = folder / f"{case.raw_path.strip('/')}.body"
    body_file.write_bytes(body)
    return {"status": response.status, "headers": headers, "body": str(body_file)}


def cases(base: str, token: str) -> list[Case]:
    month = f"/embed/{token}?view=month"
    with urllib.request.urlopen(base + month) as response:
        etag = response.headers["etag"]
        page = response.read().decode()
    static = re.search(r'src="(/static/vendor/htmx[^"]+)"', page)
    assert static is not None, "the page names no htmx file"
    return [
        Case("widget month, warm (200)", month, "/month", {}),
        Case("widget month, If-None-Match (304)", month, "/month-304", {"If-None-Match": etag}),
        Case("static htmx.min.js (200)", static.group(1), "/static", {}),
        Case("feed, warm (200)", f"/feeds/{token}.ics", "/feed", {}),
    ]


def loops() -> list[str]:
    return ["asyncio", *(["uvloop"] if importlib.util.find_spec("uvloop") else [])]


def spread(values: list[float], digits: int = 0) -> str:
    low, high = min(values), max(values)
    return f"{statistics.median(values):>7.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def main(argv: list[str] | None = None) -> None:
    from bench import widget  # it imports this module's helpers

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one round of 2-second runs")
    args = parser.parse_args(argv)
    seconds, rounds = (2, 1) if args.quick else (args.seconds, args.rounds)
    server_cpus, wrk_cpus = ("0", "1") if (os.cpu_count() or 1) > 1 else (None, None)
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        folder = Path(scratch)
        database = folder / "bench.sqlite3"
        token, _, _ = asyncio.run(widget.seed(database))
        env = {"BOOKFEED_DATABASE": str(database), "BOOKFEED_SECRET_KEY": widget.SECRET}
        apps, raws = {}, {}
        for loop in loops():
            app = "backend.app:app_from_environment"
            apps[loop] = stack.enter_context(granian(app, env, loop=loop, cpus=server_cpus))
        measured = cases(next(iter(apps.values())), token)
        spec = {case.raw_path: captured(apps["asyncio"], case, folder) for case in measured}
        (folder / "responses.json").write_text(json.dumps(spec))
        raw_env = {"BENCH_RESPONSES": str(folder / "responses.json")}
        for loop in apps:
            raws[loop] = stack.enter_context(
                granian("bench.raw_asgi:app_factory", raw_env, loop=loop, cpus=server_cpus)
            )
        rates: dict[tuple[str, str, str], list[float]] = {}
        for _ in range(rounds):
            for case in measured:
                for loop in apps:
                    for variant, base, path in (
                        ("app", apps[loop], case.path),
                        ("raw", raws[loop], case.raw_path),
                    ):
                        result = wrk(base + path, seconds, headers=case.headers, cpus=wrk_cpus)
                        key = (case.label, loop, variant)
                        rates.setdefault(key, []).append(result.requests_per_second)
    print(
        f"wrk -t1 -c32 -d{seconds}s, one granian worker, {rounds} round(s);"
        f" server on cpus {server_cpus}, wrk on {wrk_cpus}; median (min–max)"
    )
    print(f"{'case':<36} {'loop':<8} {'app req/s':>22} {'raw ASGI req/s':>22} {'ratio':>20}")
    for case in measured:
        for loop in apps:
            app_rates, raw_rates = rates[case.label, loop, "app"], rates[case.label, loop, "raw"]
            ratios = [a / r for a, r in zip(app_rates, raw_rates, strict=True)]
            print(
                f"{case.label:<36} {loop:<8} {spread(app_rates):>22} {spread(raw_rates):>22}"
                f" {spread(ratios, 2):>20}"
            )
        if "uvloop" in apps:
            gain = [
                u / a
                for u, a in zip(
                    rates[case.label, "uvloop", "app"],
                    rates[case.label, "asyncio", "app"],
                    strict=True,
                )
            ]
            print(f"{'':<36} uvloop / asyncio, app: {spread(gain, 2)}")


if __name__ == "__main__":
    main()
