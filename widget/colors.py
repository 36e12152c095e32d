"""Colours derived from an owner's accent so that text on and beside it stays readable."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

# The backgrounds text sits on in each theme (page and tinted cells), as in widget.css.
LIGHT_SURFACES = ("#ffffff", "#f3f5f8")
DARK_SURFACES = ("#17191f", "#21242c")
READABLE = 4.6  # WCAG AA asks 4.5:1 for body text; a little margin for rounding in browsers


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def on_accent(accent: str) -> str:
    """Black or white, whichever reads better on the accent."""
    return "#000000" if contrast(accent, "#000000") >= contrast(accent, "#ffffff") else "#ffffff"


def ink(accent: str, surfaces: tuple[str, ...]) -> str:
    """The accent, darkened or lightened just enough to be readable as text on every surface."""
    toward = "#000000" if _luminance(surfaces[0]) > 0.5 else "#ffffff"
    for step in range(21):
        candidate = _mix(accent, toward, step / 20)
        if all(contrast(candidate, surface) >= READABLE for surface in surfaces):
            return candidate
    return toward


@lru_cache(maxsize=1024)  # ?accent= reaches 16.7 M colours: visitors must not fill memory
def accent_style(accent: str) -> tuple[str, str]:
    """The page's one inline <style> (custom properties only) and its CSP source expression."""
    css = (
        f":root{{--bf-accent:{accent};--bf-on-accent:{on_accent(accent)};"
        f"--bf-ink-light:{ink(accent, LIGHT_SURFACES)};--bf-ink-dark:{ink(accent, DARK_SURFACES)}}}"
    )
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return css, f"'sha256-{digest}'"


def _channels(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _luminance(color: str) -> float:
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _channels(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _mix(color: str, toward: str, amount: float) -> str:
    mixed = (
        round(a + (b - a) * amount)
        for a, b in zip(_channels(color), _channels(toward), strict=True)
    )
    return "#" + "".join(f"{c:02x}" for c in mixed)
