"""What the embed code may ask for (view, day, look, language), validated: bad values are
ignored rather than refused, so a typo in a website's snippet never breaks the widget."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import TypeVar

import msgspec
import webcolors
from babel import Locale, UnknownLocaleError

from backend.errors import InvalidInput, Problems
from backend.store.widgets import WidgetSettings


class View(StrEnum):
    MONTH = "month"
    WEEK = "week"
    DAY = "day"
    LIST = "list"


class Theme(StrEnum):
    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


E = TypeVar("E", bound=StrEnum)
HOUSE_ACCENT = "#2b5fb4"
MAX_SITES = 20
# re.ASCII: \d would otherwise take any script's digits, which no header can carry.
_SITE = re.compile(r"(https?)://(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?/?", re.ASCII)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
# The days a widget may page to: far inside date's range, so a period's neighbours exist.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class Options(msgspec.Struct, frozen=True, kw_only=True):
    """One request's view of the widget, with every choice resolved."""

    view: View
    explicit_view: bool  # the embed code chose the view: a phone does not switch to the list
    day: date | None  # the day the period contains; None: today
    theme: Theme
    accent: str
    compact: bool
    lang: str | None  # a locale Babel knows, normalised (de_DE); None: the account's


def parse_options(
    query: Mapping[str, str], settings: WidgetSettings, calendar_color: str | None
) -> Options:
    """The request's choices over the owner's defaults; invalid values fall back silently."""
    view = _member(View, query.get("view"))
    return Options(
        view=view or _member(View, settings.default_view) or View.MONTH,
        explicit_view=view is not None,
        day=_day(query.get("date")),
        theme=_member(Theme, query.get("theme")) or _member(Theme, settings.theme) or Theme.LIGHT,
        accent=(
            parse_color(query.get("accent")) or settings.accent or calendar_color or HOUSE_ACCENT
        ),
        compact=_flag(query.get("compact"), settings.compact),
        lang=parse_locale(query.get("lang")),
    )


def parse_color(text: str | None) -> str | None:
    """A CSS hex colour or colour name as "#rrggbb"; None for anything else."""
    if not text or len(text) > 30:
        return None
    text = text.strip().lower()
    try:
        if text.startswith("#"):
            return webcolors.normalize_hex(text)
        return webcolors.name_to_hex(text)
    except ValueError:
        return None


def parse_locale(tag: str | None) -> str | None:
    if not tag or len(tag) > 20 or not re.fullmatch(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*", tag):
        return None
    try:
        return str(Locale.parse(tag.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return None


def parse_site(text: str) -> str:
    """An origin a website is served from ("https://example.com", "https://*.example.com"),
    normalised; anything else is InvalidInput, because it goes verbatim into a CSP header."""
    match = _SITE.fullmatch(text.strip().lower())
    if match is None or (match.group(4) and not 0 < int(match.group(4)) < 65536):
        raise InvalidInput(
            f"the site {text!r} is not a website address such as https://www.example.com,"
            " without a path",
            "allowed_sites",
        )
    scheme, wildcard, host, port = match.groups()
    return f"{scheme}://{wildcard or ''}{host}{f':{port}' if port else ''}"


def is_site(text: str) -> bool:
    """Whether `text` is an origin exactly as `parse_site` writes it, so a header may carry it."""
    try:
        return parse_site(text) == text
    except InvalidInput:
        return False


def check_settings(settings: WidgetSettings) -> WidgetSettings:
    """The owner's defaults, normalised; InvalidInput names every unacceptable one."""
    problems = Problems()
    accent = None
    if settings.accent:
        accent = parse_color(settings.accent)
        if accent is None:
            problems.errors.append(
                InvalidInput("the accent must be a colour such as #2b5fb4", "accent")
            )
    if _member(Theme, settings.theme) is None:
        problems.errors.append(InvalidInput("the theme is light, dark or system", "theme"))
    if _member(View, settings.default_view) is None:
        problems.errors.append(
            InvalidInput("the default view is month, week, day or list", "default_view")
        )
    sites: tuple[str, ...] = ()
    if len(settings.allowed_sites) > MAX_SITES:
        problems.errors.append(InvalidInput(f"list at most {MAX_SITES} sites", "allowed_sites"))
    else:
        with problems.check():
            sites = tuple(dict.fromkeys(parse_site(site) for site in settings.allowed_sites))
    problems.raise_any()
    return msgspec.structs.replace(settings, accent=accent, allowed_sites=sites)


def _member(kind: type[E], text: str | None) -> E | None:
    try:
        return kind(text) if text else None
    except ValueError:
        return None


def _day(text: str | None) -> date | None:
    if not text or len(text) != 10:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST_DAY <= day <= LATEST_DAY else None


def _flag(text: str | None, default: bool) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return default
