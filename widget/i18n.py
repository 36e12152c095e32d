"""The widget's own wording in the visitor's language: gettext catalogues read from the .po
files beside this module at first use (no build step), one per language, cached."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache, partial
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from backend.domain import BookingStatus
from backend.policy import PublicEvent
from widget.markup import event_link, month_cell

CATALOGUES = Path(__file__).resolve().parent / "translations"
DOMAIN = "widget"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where shown."""
    return message


_STATUS = {
    BookingStatus.CONFIRMED: N_("Confirmed"),
    BookingStatus.TENTATIVE: N_("Tentative"),
    BookingStatus.CANCELLED: N_("Cancelled"),
}
_STATUS_FLAG = {
    BookingStatus.CONFIRMED: N_("(confirmed)"),
    BookingStatus.TENTATIVE: N_("(tentative)"),
    BookingStatus.CANCELLED: N_("(cancelled)"),
}


class Translator:
    """One language's messages for the templates; a message it lacks stays in English."""

    def __init__(self, language: str, catalogue: gettext.NullTranslations) -> None:
        self.language = language
        self._catalogue = catalogue

    def gettext(self, message: str, **values: object) -> str:
        """The translation, with %(name)s placeholders filled from `values` (if any)."""
        text = self._catalogue.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        """The form for `count` in this language; %(count)s and `values` filled in."""
        return self._catalogue.ngettext(singular, plural, count) % {"count": count, **values}

    def title(self, event: PublicEvent) -> str:
        """The event's title, with "Busy" in this language where it stands for a name."""
        return self.gettext(N_("Busy")) if event.busy else event.title

    def status(self, status: BookingStatus) -> str:
        return self.gettext(_STATUS[status])

    def status_flag(self, status: BookingStatus) -> str:
        return self.gettext(_STATUS_FLAG[status])

    def template_globals(self) -> dict[str, Callable[..., str]]:
        """What a template calls: `_("…")`, `ngettext("…", "…", n)`, an event's chip
        `event_link(slot, urls, fmt)` and a month's day `month_cell(day, urls, fmt, limit)`,
        bound to this language."""
        return {
            "_": self.gettext,
            "ngettext": self.ngettext,
            "event_title": self.title,
            "status_label": self.status,
            "status_flag": self.status_flag,
            "event_link": partial(event_link, self),
            "month_cell": partial(month_cell, self),
        }


@cache
def shipped_languages() -> tuple[str, ...]:
    """The languages with a catalogue, besides English (the source)."""
    return tuple(sorted(path.parent.parent.name for path in CATALOGUES.glob(f"*/*/{DOMAIN}.po")))


def translator(locale_tag: str) -> Translator:
    """The translator for a Babel locale tag: its own catalogue, else its language's
    (fr_CA → fr), else English."""
    try:
        locale = Locale.parse(locale_tag)
    except (UnknownLocaleError, ValueError, TypeError):
        return _translator(SOURCE_LANGUAGE)
    for candidate in (str(locale), locale.language):
        if candidate in shipped_languages():
            return _translator(candidate)
    return _translator(SOURCE_LANGUAGE)


def negotiate(accept_language: str | None) -> str:
    """The shipped language an Accept-Language header prefers most; English if none."""
    available = (SOURCE_LANGUAGE, *shipped_languages())
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "")[:500].split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language = tag.strip().split("-")[0].lower()
        if quality > 0 and language in available:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else SOURCE_LANGUAGE


@cache
def _translator(language: str) -> Translator:
    if language == SOURCE_LANGUAGE:
        return Translator(language, gettext.NullTranslations())
    return Translator(language, _load(CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"))


def _load(path: Path) -> gettext.GNUTranslations:
    """A .po file compiled in memory; untranslated and fuzzy messages are left out, so they
    fall back to English one by one."""
    with path.open("rb") as po:
        catalogue = read_po(po, locale=path.parent.parent.name, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
