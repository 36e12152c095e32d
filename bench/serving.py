"""Helpers for benchmarks: a server process on 127.0.0.1 and wrk runs bounded in time."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

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
def granian(target: str, env: Mapping[str, str], factory: bool = True) -> Iterator[str]:
    """Run `target` under granian on a free loopback port; yields the base URL."""
    port = free_port()
    command = [
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
