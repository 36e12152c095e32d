"""The metrics listener of `bookfeed serve`: on its own address, never on the public port.

prometheus_client picks its storage when it is first imported, so this module imports it only
once multiprocess mode is on: the workers, forked afterwards, then write their counts to files
that the one listener in the serving process adds up, however many workers there are.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from backend.errors import InvalidInput


def parse_address(address: str) -> tuple[str, int]:
    """ "HOST:PORT" (an IPv6 host in brackets) as a pair; ValueError says what is wrong."""
    host, colon, port = address.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{address!r} is not HOST:PORT, e.g. 127.0.0.1:9100")
    return host.removeprefix("[").removesuffix("]"), int(port)


@contextmanager
def serving_metrics(address: str | None) -> Iterator[None]:
    """Serve the metrics of this process and of every worker it starts afterwards, on
    `address` (none: no metrics)."""
    if address is None:
        yield
        return
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before multiprocess mode was set")
    folder = tempfile.mkdtemp(prefix="bookfeed-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    host, port = parse_address(address)
    try:
        server, thread = start_http_server(port, host, registry=registry)
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        reason = f"cannot listen on {address}: {error.strerror or error}"
        raise InvalidInput(reason, "BOOKFEED_METRICS_ADDRESS") from error
    try:
        yield
    finally:
        server.shutdown()
        thread.join(timeout=5)
        shutil.rmtree(folder, ignore_errors=True)
