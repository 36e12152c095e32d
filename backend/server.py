"""The web server: granian set up to outlive crashed workers and idle or slow clients."""

from __future__ import annotations

import contextlib
import errno
import http.client
import importlib.util
import os
import resource
import socket
import sys
import threading
import time
from typing import Any, Literal

from backend.metrics_server import serving_metrics
from backend.settings import Settings

BACKLOG = 4096
MAX_CONNECTIONS_PER_WORKER = 16_384
HEADER_TIMEOUT_MS = 10_000


def listen_problem(host: str, port: int) -> tuple[Literal["host", "port"], str] | None:
    """Why the address cannot be listened on, and which setting that is about. Granian lets
    a second server share a port whose first allowed it: try a bind that shares with none."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return "port", f"{host}:{port} is already in use"
            if error.errno == errno.EACCES:
                return "port", f"cannot listen on {host}:{port}: {error.strerror}"
            return "host", f"cannot listen on {host}:{port}: {error.strerror}"
    return None


def run(settings: Settings, workers: int, lines: list[str]) -> None:
    """Serve until SIGTERM or SIGINT; print "listening" and `lines` once it answers."""
    _allow_many_connections()
    # The worker process builds its own settings from the environment: hand it the same ones.
    os.environ.update(
        BOOKFEED_DATABASE=str(settings.database),
        BOOKFEED_HOST=settings.host,
        BOOKFEED_PORT=str(settings.port),
    )
    threading.Thread(target=_announce_when_answering, args=(settings, lines), daemon=True).start()
    with serving_metrics(settings.metrics_address):
        _granian(settings, workers).serve()


def event_loop() -> str:
    """uvloop where it is installed (pyproject.toml installs it where the platform has it),
    asyncio's own loop elsewhere: bench/serving.py shows what uvloop gains."""
    return "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"


def _granian(settings: Settings, workers: int) -> Any:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings

    return Granian(
        "backend.app:app_from_environment",
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        loop=Loops(event_loop()),
        workers=workers,
        # A worker that dies is replaced; the others keep serving meanwhile.
        respawn_failed_workers=True,
        workers_kill_timeout=10,  # a worker stuck at shutdown does not hold up the others
        # Connections, idle ones included, count against backpressure: allow many, and close
        # one that sends no complete request head within the timeout. Only HTTP/1 starts that
        # clock at once: the auto mode waits, without a timer, for bytes to choose a protocol.
        # Browsers speak HTTP/2 only over TLS, which a proxy in front of Bookfeed ends.
        http=HTTPModes.http1,
        backlog=BACKLOG,
        backpressure=MAX_CONNECTIONS_PER_WORKER,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS),
        log_access=False,  # it would carry secret feed tokens: backend/observe.py logs
    )


def _allow_many_connections() -> None:
    """Each connection is a file descriptor: take the hard limit, not the common soft 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard or hard == resource.RLIM_INFINITY:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _announce_when_answering(settings: Settings, lines: list[str]) -> None:
    """Print the URLs once the server answers, not merely once it was asked to start."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(settings.host, settings.host)  # noqa: S104
    while True:
        connection = http.client.HTTPConnection(host, settings.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.05)
        finally:
            connection.close()
    print(f"Bookfeed is listening on {settings.base_url()}/")
    for line in lines:
        print(line)
    sys.stdout.flush()
