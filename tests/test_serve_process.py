"""`bookfeed serve` as an operator runs it: real processes on 127.0.0.1, faults and abuse."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from granian.constants import Loops

from backend.server import HEADER_TIMEOUT_MS, _granian
from backend.settings import Settings
from tests.servers import BOOKFEED, free_port, server_env, serving, start


def _children(pid: int) -> set[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children}


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (FileNotFoundError, ProcessLookupError):  # reaped before, or while, it was read
        return True


def _answers(server: Any) -> bool:
    try:
        return server.get("/healthz", timeout=5)[0] == 200
    except OSError:  # reset by the dead worker's socket
        return False


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout}s"
        time.sleep(0.1)


def test_a_killed_worker_is_replaced_while_the_other_keeps_answering(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2") as server:
        server.wait_for_line("Started worker-", occurrence=2)
        before = _children(server.process.pid)
        victim = min(before)
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        _wait_for(lambda: _gone(victim), 10, "end of the killed worker")
        # Until the replacement runs, the other worker answers. Granian gives each worker a
        # listening socket of its own, so a connection the kernel had already queued for the
        # dead one is reset with it: a few may fail in that moment, most may not.
        meanwhile = [_answers(server) for _ in range(20)]
        assert meanwhile.count(True) >= 15, meanwhile
        _wait_for(lambda: len(_children(server.process.pid) - before) == 1, 30, "new worker")
        assert _children(server.process.pid) >= before - {victim}
        server.wait_for_line("Started worker-", occurrence=3)
        assert all(_answers(server) for _ in range(20))
        print(f"worker replaced within {time.monotonic() - killed:.1f}s")
        assert server.process.poll() is None


def test_2000_idle_connections_do_not_lock_out_other_clients(tmp_path: Path) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    idle: list[socket.socket] = []
    with serving(tmp_path) as server:
        assert server.get("/healthz")[0] == 200
        try:
            for _ in range(2000):
                idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
            started = time.monotonic()
            status, body = server.get("/healthz", timeout=5)
            took = time.monotonic() - started
            assert (status, body) == (200, b"ok")
            assert took < 2, f"/healthz took {took:.2f}s behind 2,000 idle connections"
            print(f"/healthz behind 2,000 idle connections: {took * 1000:.0f} ms")
        finally:
            for connection in idle:
                connection.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_idle_slow_and_kept_alive_connections_are_closed(tmp_path: Path) -> None:
    limit = HEADER_TIMEOUT_MS / 1000
    sent = {
        "idle": b"",
        "slow": b"GET /healthz HTTP/1.1\r\nHost: x",
        "kept alive": b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    }
    with serving(tmp_path) as server:
        connections = {kind: socket.create_connection(("127.0.0.1", server.port)) for kind in sent}
        started = time.monotonic()
        for kind, connection in connections.items():
            connection.sendall(sent[kind])
            connection.settimeout(limit + 10)
        received = {}
        for kind, connection in connections.items():
            with connection:
                received[kind] = b""
                with contextlib.suppress(ConnectionResetError):
                    while chunk := connection.recv(4096):
                        received[kind] += chunk
        waited = time.monotonic() - started
        assert waited < limit + 5, f"closed after {waited:.1f}s"
        assert received["kept alive"].startswith(b"HTTP/1.1 200")
        assert server.get("/healthz")[0] == 200


def test_a_busy_port_is_one_line_and_exit_status_1(tmp_path: Path) -> None:
    with serving(tmp_path) as first:
        second = subprocess.run(
            [BOOKFEED, "serve", "--port", str(first.port)],
            env=server_env(tmp_path / "other.sqlite3"),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert second.returncode == 1
        assert second.stdout == ""
        assert second.stderr == f"error: --port: 127.0.0.1:{first.port} is already in use\n"
        # Every request still reaches the first server.
        assert all(first.get("/healthz")[0] == 200 for _ in range(10))

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        env = server_env(tmp_path / "served.sqlite3", BOOKFEED_PORT=str(port))
        refused = subprocess.run(
            [BOOKFEED, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=20
        )
        assert refused.returncode == 1
        assert refused.stderr == f"error: BOOKFEED_PORT: 127.0.0.1:{port} is already in use\n"


def _not_sqlite(tmp_path: Path) -> dict[str, str]:
    junk = tmp_path / "notes.txt"
    junk.write_text("these are not the tables you are looking for\n" * 100)
    return {"BOOKFEED_DATABASE": str(junk)}


def _under_a_file(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "plain").write_text("a file, not a folder")
    return {"BOOKFEED_DATABASE": str(tmp_path / "plain" / "bookfeed.sqlite3")}


def _a_folder(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "folder.sqlite3").mkdir()
    return {"BOOKFEED_DATABASE": str(tmp_path / "folder.sqlite3")}


def _empty_key_file(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "keyless.sqlite3.key").write_text("\n")
    return {"BOOKFEED_DATABASE": str(tmp_path / "keyless.sqlite3"), "BOOKFEED_SECRET_KEY": ""}


BAD_SETTINGS = [
    (["--host", "localhost"], {}, "--host"),
    (["--host", "256.1.1.1"], {}, "--host"),
    (["--port", "70000"], {}, "--port"),
    (["--port", "abc"], {}, "--port"),
    (["--workers", "0"], {}, "--workers"),
    ([], {"BOOKFEED_PORT": "abc"}, "BOOKFEED_PORT"),
    ([], {"BOOKFEED_PORT": "0"}, "BOOKFEED_PORT"),
    ([], {"BOOKFEED_HOST": "example.com"}, "BOOKFEED_HOST"),
    ([], {"BOOKFEED_PUBLIC_URL": "cal.example.com"}, "BOOKFEED_PUBLIC_URL"),
    ([], {"BOOKFEED_LINK_RETENTION_DAYS": "0"}, "BOOKFEED_LINK_RETENTION_DAYS"),
    ([], {"BOOKFEED_MAX_BODY_BYTES": "16MB"}, "BOOKFEED_MAX_BODY_BYTES"),
    ([], {"BOOKFEED_API_RATE_LIMIT": "-1"}, "BOOKFEED_API_RATE_LIMIT"),
    ([], {"BOOKFEED_API_RATE_LIMIT": "nan"}, "BOOKFEED_API_RATE_LIMIT"),
    ([], {"BOOKFEED_API_BURST": "1.5"}, "BOOKFEED_API_BURST"),
    ([], {"BOOKFEED_DATABASE": ""}, "BOOKFEED_DATABASE"),
    ([], _not_sqlite, "BOOKFEED_DATABASE"),
    ([], _under_a_file, "BOOKFEED_DATABASE"),
    ([], _a_folder, "BOOKFEED_DATABASE"),
    ([], _empty_key_file, "BOOKFEED_SECRET_KEY"),
]


@pytest.mark.parametrize(("args", "variables", "named"), BAD_SETTINGS)
def test_a_bad_setting_is_one_line_naming_it_and_no_server(
    tmp_path: Path, args: list[str], variables, named: str
) -> None:
    extra = variables(tmp_path) if callable(variables) else variables
    env = {**server_env(tmp_path / "served.sqlite3"), **extra}
    port = free_port()
    started = time.monotonic()
    done = subprocess.run(
        [BOOKFEED, "serve", *(args if "--port" in args else ["--port", str(port), *args])],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=20,
    )
    took = time.monotonic() - started
    assert done.returncode == 2
    assert done.stdout == ""
    assert re.fullmatch(f"error: (argument )?{re.escape(named)}: [^\n]+\n", done.stderr)
    assert "Traceback" not in done.stderr
    assert took < 1, f"took {took:.2f}s to refuse"  # about 0.3s here
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
        pass


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_server_keeps_the_fetches_it_counted(tmp_path: Path, stop: int) -> None:
    with serving(tmp_path, "--demo", "--workers", "2") as server:
        server.wait_for_line("Started worker-", occurrence=2)
        feed = re.search(r"/feeds/\S+\.ics", server.wait_for_line("/feeds/")).group()
        for _ in range(3):
            assert server.get(feed)[0] == 200
        assert server.stop(stop) == 0
    with sqlite3.connect(tmp_path / "served.sqlite3") as db:
        (counted,) = db.execute("SELECT coalesce(sum(count), 0) FROM link_fetches").fetchone()
    assert counted == 3


def test_listening_is_announced_once_the_server_answers(tmp_path: Path) -> None:
    port = free_port()
    server = start(["serve", "--port", str(port)], server_env(tmp_path / "s.sqlite3"), tmp_path)
    try:
        server.wait_for_line("listening on")
        # Printed by the time the port answers, not before: it answers at once.
        assert server.get("/healthz", timeout=1)[0] == 200
    finally:
        server.stop()


def test_an_address_not_on_this_machine_is_one_line_about_the_host(tmp_path: Path) -> None:
    done = subprocess.run(
        [BOOKFEED, "serve", "--host", "192.0.2.1", "--port", str(free_port())],  # TEST-NET-1
        env=server_env(tmp_path / "served.sqlite3"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 1
    assert re.fullmatch(r"error: --host: cannot listen on 192\.0\.2\.1:\d+: [^\n]+\n", done.stderr)


def test_the_server_runs_on_uvloop_where_it_is_installed(tmp_path: Path) -> None:
    # pyproject.toml installs uvloop on every platform it supports; Linux is one. (Granian
    # imports uvloop whichever loop it runs, so the worker's memory cannot tell.)
    assert importlib.util.find_spec("uvloop") is not None
    settings = Settings(database=tmp_path / "db.sqlite3", secret_key=b"k")
    assert _granian(settings, 1).loop == Loops.uvloop
