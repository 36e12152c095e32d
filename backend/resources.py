"""Where the templates and static files are: beside the package in a wheel, else the checkout's."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _resource(name: str) -> Path:
    # A wheel carries them as backend/templates and backend/static (pyproject.toml maps them);
    # a checkout, and an editable install of it, keeps them at the top of the repository.
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


TEMPLATES = _resource("templates")
STATIC = _resource("static")
