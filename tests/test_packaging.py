"""The wheel carries everything the server needs: installed outside the checkout, it serves."""

from __future__ import annotations

import re
import site
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.servers import server_env, serving

CHECKOUT = Path(__file__).resolve().parent.parent


def _run(*command: str | Path, cwd: Path) -> None:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_wheel_installed_outside_the_checkout_serves_every_kind_of_page(tmp_path: Path) -> None:
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "-q",
        CHECKOUT,
        "-w",
        tmp_path,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("bookfeed-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in (
        "backend/templates/manage/login.html",
        "backend/static/embed.js",
        "backend/store/migrations/001_initial.sql",
        "widget/translations/de/LC_MESSAGES/widget.po",
    ):
        assert shipped in names

    # A fresh environment that sees the dependencies already installed here (a bare path in a
    # .pth file: the editable install's own finder there is not loaded) but not the checkout.
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    (target,) = venv.glob("lib/python*/site-packages")
    (target / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        venv / "bin/python",
        "install",
        "-q",
        "--no-deps",
        wheel,
        cwd=tmp_path,
    )
    probe = subprocess.run(
        [venv / "bin/python", "-c", "import backend; print(backend.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(probe.stdout.strip()).is_relative_to(target)

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    env = server_env(run_dir / "bookfeed.sqlite3")
    with serving(run_dir, "--demo", env=env, command=venv / "bin/bookfeed") as server:
        server.wait_for_line("/embed/")
        output = "\n".join(server.lines)
        feed = re.search(r"/feeds/\S+\.ics", output)
        embed = re.search(r"/embed/\S+", output)
        assert feed and embed
        status, page = server.get("/manage/login")
        assert status == 200 and b"<form" in page
        status, widget = server.get(embed.group())
        assert status == 200 and b"/static/" in widget
        status, script = server.get("/static/embed.js")
        assert status == 200 and b"iframe" in script
        status, calendar = server.get(feed.group())
        assert status == 200 and calendar.startswith(b"BEGIN:VCALENDAR")
