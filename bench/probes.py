"""Measuring a running server from the bench process: keep-alive connections, requests timed
to the last byte, and probes that keep asking at a steady pace while something else runs."""

from __future__ import annotations

import http.client
import json
import secrets
import threading
import time
from collections.abc import Callable

import msgspec

from bench.api import booking_body

PAUSE = 0.01  # seconds between a probe's answer and its next request
GZIP = {"Accept-Encoding": "gzip"}
Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


class Server(msgspec.Struct, frozen=True):
    base: str
    accounts: dict[str, dict[str, str]]  # account id -> {"token", "key"}
    group: int = 0  # the server's process group

    def feed(self, account: str) -> str:
        return f"/feeds/{self.accounts[account]['token']}.ics"

    def auth(self, account: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.accounts[account]['key']}"}


class Latencies(msgspec.Struct):
    ms: list[float]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.ms)
        return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]

    def line(self, label: str) -> str:
        if not self.ms:
            return f"{label:<22} no answers"
        return (
            f"{label:<22} n={len(self.ms):<5} p50 {self.percentile(0.5):8.1f} ms"
            f"  p99 {self.percentile(0.99):8.1f} ms  max {max(self.ms):8.1f} ms"
        )


def timed(connection: http.client.HTTPConnection, request: Request) -> float:
    """Milliseconds for one request, its whole answer read; an error status stops the bench."""
    method, path, body, headers = request
    began = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    took = 1000 * (time.perf_counter() - began)
    if response.status >= 400:
        raise RuntimeError(f"{method} {path.split('/')[1]}: {response.status}")  # no token shown
    return took


def connect(server: Server, timeout: float = 300) -> http.client.HTTPConnection:
    host, port = server.base.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=timeout)


def get(path: str) -> Callable[[int], Request]:
    return lambda n: ("GET", path, None, GZIP)


def new_booking(server: Server, account: str) -> Callable[[int], Request]:
    """A PUT of a booking never seen before, so that every one writes."""
    prefix = secrets.token_hex(4)
    headers = {**server.auth(account), "Content-Type": "application/json"}
    return lambda n: (
        "PUT",
        f"/api/v1/bookings/{prefix}-{n}",
        json.dumps(booking_body(n)).encode(),
        headers,
    )


class Probe(threading.Thread):
    """Requests on one keep-alive connection until stopped, each PAUSE after the last answer."""

    def __init__(self, server: Server, request: Callable[[int], Request]) -> None:
        super().__init__(daemon=True)
        self.connection = connect(server)
        self.request = request
        self.sent: list[tuple[float, float]] = []  # (when sent, milliseconds)
        self.stop = threading.Event()
        self.failure: Exception | None = None

    def run(self) -> None:
        n = 0
        try:
            while not self.stop.is_set():
                began = time.perf_counter()
                self.sent.append((began, timed(self.connection, self.request(n))))
                n += 1
                self.stop.wait(PAUSE)
        except Exception as failure:  # reported by finish(), in the main thread
            self.failure = failure
        finally:
            self.connection.close()

    def finish(self, since: float = 0, until: float = float("inf")) -> Latencies:
        """The latencies of the requests sent between `since` and `until` (perf_counter)."""
        self.stop.set()
        self.join()
        if self.failure is not None:
            raise self.failure
        return Latencies([ms for began, ms in self.sent if since <= began <= until])
