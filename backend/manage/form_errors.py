"""How the owner pages show refused input: every problem at once, each as a sentence."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from backend.errors import InvalidInput


def sentence(message: str) -> str:
    """The core's messages are phrases ("the name must not be empty"); a page shows them as
    sentences."""
    text = message.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def form_errors(
    problems: Iterable[InvalidInput], field_of: Callable[[str | None], str] = lambda f: f or ""
) -> dict[str, str]:
    """Each problem as a sentence by the form field it concerns; one field's several
    problems read one after another."""
    shown: dict[str, str] = {}
    for problem in problems:
        field, text = field_of(problem.field), sentence(problem.message)
        shown[field] = f"{shown[field]} {text}" if field in shown else text
    return shown
