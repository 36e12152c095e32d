"""Real `bookfeed serve` processes on 127.0.0.1, for the tests about the server itself."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BOOKFEED = Path(sys.executable).parent / "bookfeed"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "BOOKFEED_DATABASE": str(database),
        "BOOKFEED_SECRET_KEY": "test secret key",
        **extra,
    }


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    lines: list[str] = field(default_factory=list)  # what it printed so far, growing
    ended: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for_line(self, text: str, timeout: float = 30, occurrence: int = 1) -> str:
        """The nth printed line containing `text`, waiting for it as the server prints."""
        deadline = time.monotonic() + timeout
        while True:
            ended = self.ended.is_set()
            found = [line for line in self.lines if text in line]
            if len(found) >= occurrence:
                return found[occurrence - 1]
            if ended:
                raise AssertionError(f"the server ended before {text!r}: {self.lines}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} within {timeout}s: {self.lines}")
            time.sleep(0.02)

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        return fetch(self.base + path, timeout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)


def fetch(
    url: str, timeout: float = 10, headers: Mapping[str, str] | None = None
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def start(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, command: Path = BOOKFEED
) -> Server:
    """`bookfeed ARGS` with stderr folded into the lines it prints."""
    process = subprocess.Popen(
        [str(command), *args],
        env=dict(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a signal for the test run does not reach it, nor its workers
    )
    port = int(args[args.index("--port") + 1]) if "--port" in args else 0
    server = Server(process, port)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.lines.append(line.rstrip("\n"))
        server.ended.set()

    threading.Thread(target=pump, daemon=True).start()
    return server


def _wait_until_answering(server: Server, timeout: float = 20) -> None:
    """Keeps each test about its own subject; test_serve_process checks the announcement."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if server.get("/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        assert server.process.poll() is None, server.lines
        assert time.monotonic() < deadline, f"no answer within {timeout}s: {server.lines}"
        time.sleep(0.05)


@contextmanager
def serving(
    tmp_path: Path, *args: str, env: Mapping[str, str] | None = None, command: Path = BOOKFEED
) -> Iterator[Server]:
    """A server on a free port that answers, stopped (and its workers with it) afterwards."""
    port = free_port()
    environment = env or server_env(tmp_path / "served.sqlite3")
    server = start(["serve", "--port", str(port), *args], environment, tmp_path, command)
    try:
        server.wait_for_line("listening on")
        _wait_until_answering(server)
        yield server
    finally:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.process.pid, signal.SIGKILL)
                server.process.wait()
