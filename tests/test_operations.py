"""What an operator watches: readiness, the access log and the request metrics."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from backend.app import create_app
from backend.errors import InvalidInput
from backend.settings import Settings, load_settings
from bench.serving import free_port, wait_until_up
from tests.conftest import Harness


def test_readiness_answers_ok_while_the_database_answers(harness: Harness) -> None:
    response = harness.client.get("/readyz")
    assert (response.status_code, response.text) == (200, "ok\n")
    assert response.headers["cache-control"] == "no-store"
    assert harness.client.get("/healthz").status_code == 200


def test_readiness_is_503_when_the_database_cannot_answer(harness: Harness) -> None:
    harness.call(harness.runtime.db.close)
    response = harness.client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "database unavailable\n"
    assert harness.client.get("/healthz").status_code == 200  # alive, just not ready


def access_log(client: TestClient) -> io.StringIO:
    """Where the app's access lines go from now on, instead of standard output."""
    lines = io.StringIO()
    client.app.asgi_handler.observed.log.stream = lines
    return lines


def test_a_feed_fetch_logs_one_line_without_its_token(acme: Harness) -> None:
    _, link = acme.create_calendar()
    logged = access_log(acme.client)
    response = acme.feed(link.token, **{"User-Agent": "iOS/17.0 dataaccessd/1.0"})
    assert response.status_code == 200
    [line] = logged.getvalue().splitlines()
    assert link.token not in line
    assert re.fullmatch(
        rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ GET /feeds/{link.token[:4]}….ics 200"
        rf" {response.num_bytes_downloaded}B [\d.]+ms apple",
        line,
    )


def test_an_odd_path_stays_one_field_on_one_line(harness: Harness) -> None:
    logged = access_log(harness.client)
    harness.client.get("/embed/a%0Afake 200 line%20x")
    [line] = logged.getvalue().splitlines()
    assert " GET /embed/a%0Afake%20200%20line%20x 404 " in line


def test_the_json_access_log_parses_and_leaves_out_query_and_token(settings: Settings) -> None:
    with TestClient(create_app(msgspec.structs.replace(settings, log_format="json"))) as client:
        logged = access_log(client)
        harness = Harness(client)
        harness.create_account("acme")
        _, link = harness.create_calendar()
        assert client.get(f"/embed/{link.token}?view=list&lang=de").status_code == 200
        assert client.get("/no/such/page?email=jane@customer.example").status_code == 404
    lines = logged.getvalue().splitlines()
    widget, missing = (json.loads(line) for line in lines)
    assert widget["method"] == "GET" and widget["status"] == 200 and widget["bytes"] > 0
    assert widget["path"] == f"/embed/{link.token[:4]}…"
    assert widget["client"] == "other" and widget["ms"] >= 0 and widget["time"]
    assert missing["path"] == "/no/such/page" and missing["status"] == 404
    assert "jane" not in logged.getvalue() and link.token not in logged.getvalue()


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_are_counted_by_route_template_and_status(acme: Harness) -> None:
    _, link = acme.create_calendar()
    feeds, widget_pages = (
        sample("bookfeed_http_requests_total", route="/feeds", status="200"),
        (sample("bookfeed_http_requests_total", route="/embed/{token}", status="200")),
    )
    latency = sample("bookfeed_http_request_seconds_count", route="/feeds")
    unmatched = sample("bookfeed_http_requests_total", route="unmatched", status="404")
    acme.client.get("/no/such/page/x1")
    acme.feed(link.token)
    acme.feed(link.token)
    acme.client.get(f"/embed/{link.token}")
    assert sample("bookfeed_http_requests_total", route="/feeds", status="200") == feeds + 2
    assert (
        sample("bookfeed_http_requests_total", route="/embed/{token}", status="200")
        == widget_pages + 1
    )
    assert sample("bookfeed_http_request_seconds_count", route="/feeds") == latency + 2
    assert sample("bookfeed_http_requests_total", route="unmatched", status="404") == unmatched + 1


def test_render_caches_count_hits_misses_and_render_time(acme: Harness) -> None:
    _, link = acme.create_calendar()
    before = {
        (cache, result): sample("bookfeed_render_cache_total", cache=cache, result=result)
        for cache in ("feed", "widget_data", "widget_page")
        for result in ("hit", "miss")
    }
    renders = sample("bookfeed_render_seconds_count", cache="feed")
    waits = sample("bookfeed_database_wait_seconds_count")
    for _ in range(3):
        acme.feed(link.token)
        acme.client.get(f"/embed/{link.token}")
    # A page asked again needs only its link; another page of the calendar needs its data.
    acme.client.get(f"/embed/{link.token}?view=list")
    expected = {"feed": (1, 2), "widget_page": (2, 2), "widget_data": (1, 1)}
    for cache, (missed, hit) in expected.items():
        misses = sample("bookfeed_render_cache_total", cache=cache, result="miss")
        hits = sample("bookfeed_render_cache_total", cache=cache, result="hit")
        assert (misses - before[cache, "miss"], hits - before[cache, "hit"]) == (missed, hit), cache
    assert sample("bookfeed_render_seconds_count", cache="feed") == renders + 1
    assert sample("bookfeed_database_wait_seconds_count") > waits


def test_a_served_app_logs_and_counts_across_workers_on_its_own_address(
    tmp_path: Path,
) -> None:
    port, metrics_port = free_port(), free_port()
    out = tmp_path / "stdout"
    env = {
        **os.environ,
        "BOOKFEED_DATABASE": str(tmp_path / "serve.sqlite3"),
        "BOOKFEED_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}",
        "BOOKFEED_LOG_FORMAT": "json",
    }
    command = [sys.executable, "-m", "backend.cli", "serve", "--demo", "--workers", "2"]
    with out.open("w") as sink:
        server = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/healthz", server)
            feed = _printed_feed_path(out)
            for _ in range(6):
                assert urllib.request.urlopen(base + feed, timeout=10).status == 200
            with pytest.raises(urllib.error.HTTPError) as public:
                urllib.request.urlopen(base + "/metrics", timeout=10)
            assert public.value.code == 404
            scraped = urllib.request.urlopen(
                f"http://127.0.0.1:{metrics_port}/metrics", timeout=10
            ).read()
        finally:
            server.terminate()
            server.wait(timeout=30)
    counted = re.search(
        rb'^bookfeed_http_requests_total\{route="/feeds",status="200"\} ([\d.]+)$',
        scraped,
        re.MULTILINE,
    )
    assert counted and float(counted.group(1)) == 6
    assert b"bookfeed_render_cache_total" in scraped
    token = feed.removeprefix("/feeds/").removesuffix(".ics")
    logged = [json.loads(line) for line in out.read_text().splitlines() if line.startswith("{")]
    feed_lines = [line for line in logged if line["path"].startswith("/feeds/")]
    assert len(feed_lines) == 6
    assert {line["path"] for line in feed_lines} == {f"/feeds/{token[:4]}….ics"}
    assert all(token not in json.dumps(line, ensure_ascii=False) for line in logged)


def _printed_feed_path(out: Path) -> str:
    """The first feed path `serve --demo` printed; it prints once the server answers."""
    deadline = time.monotonic() + 30
    while not (found := re.search(r"/feeds/([\w-]+)\.ics", out.read_text())):
        assert time.monotonic() < deadline, out.read_text()
        time.sleep(0.05)
    return found.group(0)


def test_bad_operations_settings_are_refused_naming_the_variable() -> None:
    env = {"BOOKFEED_SECRET_KEY": "k", "BOOKFEED_DATABASE": "x.sqlite3"}
    with pytest.raises(InvalidInput) as log_format:
        load_settings({**env, "BOOKFEED_LOG_FORMAT": "xml"})
    assert log_format.value.field == "BOOKFEED_LOG_FORMAT"
    for address in ("9100", "127.0.0.1:", "127.0.0.1:70000", ":9100", "host:port"):
        with pytest.raises(InvalidInput) as metrics_address:
            load_settings({**env, "BOOKFEED_METRICS_ADDRESS": address})
        assert metrics_address.value.field == "BOOKFEED_METRICS_ADDRESS"
    ok = load_settings(
        {**env, "BOOKFEED_LOG_FORMAT": "json", "BOOKFEED_METRICS_ADDRESS": "[::1]:9"}
    )
    assert (ok.log_format, ok.metrics_address) == ("json", "[::1]:9")


def test_a_metrics_address_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {
            **os.environ,
            "BOOKFEED_DATABASE": str(tmp_path / "serve.sqlite3"),
            "BOOKFEED_METRICS_ADDRESS": f"127.0.0.1:{taken.getsockname()[1]}",
        }
        done = subprocess.run(
            [sys.executable, "-m", "backend.cli", "serve", "--port", str(free_port())],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: BOOKFEED_METRICS_ADDRESS: cannot listen on 127.0.0.1:")
