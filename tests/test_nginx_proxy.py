"""The README's nginx site block, run for real in front of a real `bookfeed serve`."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.servers import fetch, free_port, server_env, serving

README = Path(__file__).resolve().parent.parent / "README.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

if not Path(NGINX).exists():
    if os.environ.get("CI") == "true":
        pytest.fail("nginx is missing: scripts/test installs Debian's nginx as root")
    pytest.skip("needs Debian's nginx (apt-get install nginx)", allow_module_level=True)


def site_block(nginx_port: int, bookfeed_port: int) -> str:
    """The README's block, listening on a free port of 127.0.0.1 in front of this Bookfeed."""
    (block,) = re.findall(r"```nginx\n(.*?)```", README.read_text(), re.DOTALL)
    block = block.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{bookfeed_port};")
    block = block.replace("listen [::]:80;\n", "")
    assert "listen 80;" in block
    return block.replace("listen 80;", f"listen 127.0.0.1:{nginx_port};")


@contextmanager
def nginx(tmp_path: Path, block: str, port: int) -> Iterator[None]:
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    temp = "".join(
        f"    {kind}_temp_path {prefix / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(
        "daemon off;\nmaster_process off;\n"  # one process, which keeps the test's user
        f"pid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n"
        f"events {{}}\nhttp {{\n    access_log off;\n{temp}{block}}}\n"
    )
    process = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(prefix),
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(prefix / "error.log"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                fetch(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.1)
        yield
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_readme_nginx_block_serves_feeds_their_304_and_the_owner_sign_in(
    tmp_path: Path,
) -> None:
    proxy_port = free_port()
    public = f"http://127.0.0.1:{proxy_port}"
    env = server_env(tmp_path / "proxied.sqlite3", BOOKFEED_PUBLIC_URL=public)
    with serving(tmp_path, "--demo", env=env) as bookfeed:
        sign_in = bookfeed.wait_for_line("/manage/login")
        feed_line = bookfeed.wait_for_line("/feeds/")
        # Every URL it prints starts with the public origin, the proxy's.
        assert sign_in.startswith(f"{public}/manage/login")
        assert feed_line.startswith(f"{public}/feeds/")
        email, password = re.search(r"sign in as (\S+), password (\S+)", sign_in).groups()
        feed_url = feed_line.split()[0]

        with (
            nginx(tmp_path, site_block(proxy_port, bookfeed.port), proxy_port),
            httpx.Client(base_url=public, timeout=10) as client,
        ):
            feed = client.get(feed_url)
            assert feed.status_code == 200
            assert feed.content.startswith(b"BEGIN:VCALENDAR")
            assert "nginx" in feed.headers["server"]
            unchanged = client.get(feed_url, headers={"If-None-Match": feed.headers["etag"]})
            assert unchanged.status_code == 304
            assert unchanged.content == b""

            page = client.get("/manage/login")
            assert page.status_code == 200
            csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
            fields = {"email": email, "password": password}
            if csrf:
                fields["_csrf"] = csrf.group(1)
            signed_in = client.post("/manage/login", data=fields)
            assert signed_in.status_code == 303
            assert "bookfeed_session" in client.cookies
            calendars = client.get(signed_in.headers["location"])
            assert calendars.status_code == 200
            assert 'action="/manage/logout"' in calendars.text
            # Links the owner copies from the pages start with the public origin too.
            assert f"{public}/feeds/" in client.get(_first_calendar(calendars.text)).text


def _first_calendar(page: str) -> str:
    return re.search(r'href="(/manage/calendars/\d+)"', page).group(1)
