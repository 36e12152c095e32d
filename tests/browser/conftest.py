"""Browser tests: a real Bookfeed server process on 127.0.0.1 with the demo data, and
Debian's headless Chromium driven by Playwright. In CI they must run, never skip."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.host_site import HostSite
from tests.servers import free_port, start

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    """`bookfeed serve --demo` in a subprocess; `lines` holds what it printed at start."""

    def __init__(self, base_url: str, lines: list[str]) -> None:
        self.base_url = base_url
        self.lines = lines

    def feed_urls(self) -> dict[str, str]:
        """Printed feed URLs by '<calendar name> (<link label>)'."""
        found = {}
        for line in self.lines:
            match = re.match(r"(http://\S+\.ics)\s+(.*)$", line)
            if match:
                found[match.group(2)] = match.group(1)
        return found


def start_server(database: Path) -> tuple[subprocess.Popen[str], LiveServer]:
    env = {**os.environ, "BOOKFEED_DATABASE": str(database), "BOOKFEED_SECRET_KEY": "browser tests"}
    server = start(["serve", "--demo", "--port", str(free_port())], env, ROOT)
    try:
        # The widget lines come last, once the server answers.
        server.wait_for_line("/embed/", timeout=60)
    except AssertionError as error:
        server.process.kill()
        raise RuntimeError("the server did not start") from error
    return server.process, LiveServer(server.base, server.lines)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    process, server = start_server(tmp_path_factory.mktemp("live") / "bookfeed.sqlite3")
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (./scripts/test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """An owner's desktop tab that may use the clipboard; any console error fails the test."""
    context = browser.new_context(
        viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"


@pytest.fixture(scope="module")
def host() -> Iterator[HostSite]:
    """Another website, on its own origin, that embeds the widget."""
    site = HostSite()
    yield site
    site.close()


@pytest.fixture
def artifacts() -> Path:
    """The git-ignored folder for screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
