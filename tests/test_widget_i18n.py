"""The widget speaks the visitor's language: its own wording comes from the shipped catalogues,
chosen like its dates (the embed code's `lang`, else the account's locale), never mixed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from backend.accounts import create_account
from backend.domain import Account, BookingKind, BookingStatus, Customer
from backend.policy import Detail, Policy
from tests.conftest import CLASS, REFERENCES, Harness, appointment

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "widget" / "translations"
LANGUAGES = ("de", "fr", "es", "it", "nl", "pt")
LONDON = ZoneInfo("Europe/London")
EVERY_DETAIL = Policy(details=frozenset(Detail) - {Detail.CUSTOMER_FIELDS, Detail.BOOKING_FIELDS})

# The widget's English wording, as a visitor would meet it; none may survive a translation
# (unless the language writes it the same way, as Dutch does "Week").
ENGLISH = (
    "Add to my calendar",
    "Apple Calendar, Outlook and phones",
    "Calendar file",
    "Calendar navigation",
    "Today",
    "Month",
    "Week",
    "Day",
    "List",
    "All day",
    "Times are",
    "Skip the calendar grid",
    "Previous month",
    "Next month",
    "Previous week",
    "Next week",
    "Previous period",
    "Next period",
    "No events",
    "more",
    "Close",
    "Status",
    "Tentative",
    "About",
    "Where",
    "With",
    "Room or equipment",
    "Customer",
    "Notes",
    "Places",
    "taken",
    "left",
    "Back to the calendar",
    "This calendar is not available",
    "Calendar not available",
    "switched off",
)

EXPECTED = {
    "de": {
        "Today": "Heute",
        "Add to my calendar": "Zu meinem Kalender hinzufügen",
        "Month": "Monat",
        "No events": "Keine Termine",
        "No events in this period.": "Keine Termine in diesem Zeitraum.",
        "Where": "Ort",
        "Close": "Schließen",
        "more 1": "+1 weiterer",
        "more 2": "+2 weitere",
        "unavailable": "Dieser Kalender ist nicht verfügbar",
    },
    "fr": {
        "Today": "Aujourd’hui",
        "Add to my calendar": "Ajouter à mon agenda",
        "Month": "Mois",
        "No events": "Aucun événement",
        "No events in this period.": "Aucun événement sur cette période.",
        "Where": "Lieu",
        "Close": "Fermer",
        "more 1": "+1 autre",
        "more 2": "+2 autres",
        "unavailable": "Cet agenda n’est pas disponible",
    },
    "es": {
        "Today": "Hoy",
        "Add to my calendar": "Añadir a mi calendario",
        "Month": "Mes",
        "No events": "No hay eventos",
        "No events in this period.": "No hay eventos en este periodo.",
        "Where": "Dónde",
        "Close": "Cerrar",
        "more 1": "+1 más",
        "more 2": "+2 más",
        "unavailable": "Este calendario no está disponible",
    },
    "it": {
        "Today": "Oggi",
        "Add to my calendar": "Aggiungi al mio calendario",
        "Month": "Mese",
        "No events": "Nessun evento",
        "No events in this period.": "Nessun evento in questo periodo.",
        "Where": "Dove",
        "Close": "Chiudi",
        "more 1": "+1 altro",
        "more 2": "+2 altri",
        "unavailable": "Questo calendario non è disponibile",
    },
    "nl": {
        "Today": "Vandaag",
        "Add to my calendar": "Toevoegen aan mijn agenda",
        "Month": "Maand",
        "No events": "Geen activiteiten",
        "No events in this period.": "Geen activiteiten in deze periode.",
        "Where": "Waar",
        "Close": "Sluiten",
        "more 1": "nog 1",
        "more 2": "nog 2",
        "unavailable": "Deze agenda is niet beschikbaar",
    },
    "pt": {
        "Today": "Hoje",
        "Add to my calendar": "Adicionar à minha agenda",
        "Month": "Mês",
        "No events": "Nenhum evento",
        "No events in this period.": "Nenhum evento neste período.",
        "Where": "Onde",
        "Close": "Fechar",
        "more 1": "+1 outro",
        "more 2": "+2 outros",
        "unavailable": "Esta agenda não está disponível",
    },
}
SAME_IN = {"nl": {"Week", "Status"}, "de": {"Status"}, "fr": {"Places"}}


def english_left(html: str, language: str = "") -> list[str]:
    """The English UI words a page still shows (whole words only: "Liste" is not "List")."""
    return [
        word
        for word in ENGLISH
        if word not in SAME_IN.get(language, ())
        and re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", html)
    ]


def day_at(days: int, hour: int) -> datetime:
    day = datetime.now(LONDON).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def busy_account(harness: Harness, account_id: str, locale: str) -> str:
    """An account in `locale` with a calendar showing every detail; its token.

    In three days four bookings (one more than a month cell shows), in four days five (two
    more), and a tentative booking with notes and a class session with places, in two days."""
    account = Account(id=account_id, name="Studio", time_zone="Europe/London", locale=locale)
    harness.call(create_account, harness.runtime.db, account)
    bookings = [
        appointment(f"bk-{days}-{n}", start=day_at(days, 8 + n), end=day_at(days, 9 + n))
        for days, count in ((3, 4), (4, 5))
        for n in range(count)
    ]
    attendee = Customer(id="cu-2", name="Kim Attendee")
    bookings.append(
        appointment(
            "bk-tentative",
            start=day_at(2, 9),
            end=day_at(2, 10),
            status=BookingStatus.TENTATIVE,
            notes="Bring towels",
        )
    )
    bookings.append(
        appointment(
            "bk-class",
            start=day_at(2, 18),
            end=day_at(2, 19),
            kind=BookingKind.EVENT_SESSION,
            service_id=None,
            event_id=CLASS.id,
            customer_ids=(attendee.id,),
        )
    )
    harness.put(account_id, *REFERENCES, attendee, *bookings)
    return harness.create_calendar(account_id, "Studio timetable", EVERY_DETAIL)[1].token


def pages(harness: Harness, token: str, **params: str) -> dict[str, str]:
    """Every kind of widget page for one language: the three views, the details fragment and
    page, and a week without events."""

    def view(name: str, days: int | None = None) -> str:
        day = {} if days is None else {"date": day_at(days, 0).date().isoformat()}
        return harness.client.get(f"/embed/{token}", params={"view": name, **day, **params}).text

    shown = {name: view(name) for name in ("month", "week", "list")}
    uid = re.search(r'/events/([^"?]+)', view("list", 2)).group(1)
    details = f"/embed/{token}/events/{uid}"
    shown["details"] = harness.client.get(
        details, params=params, headers={"HX-Request": "true"}
    ).text
    shown["details page"] = harness.client.get(details, params=params).text
    shown["empty week"] = view("week", 70)
    shown["empty list"] = view("list", 70)
    return shown


def more_links(harness: Harness, token: str, **params: str) -> list[str]:
    """The visible "+N more" texts of the month cells of the busy days."""
    found = []
    for days in (3, 4):
        day = day_at(days, 0).date().isoformat()
        html = harness.client.get(
            f"/embed/{token}", params={"view": "month", "date": day, **params}
        ).text
        found += re.findall(r'class="bf-more"[^>]*><span aria-hidden="true">([^<]*)<', html)
    return sorted(set(found))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_account_locale_translates_every_page(harness: Harness, language: str) -> None:
    token = busy_account(harness, "studio", f"{language}_{language.upper()}")
    expected = EXPECTED[language]
    shown = pages(harness, token)
    for name, html in shown.items():
        assert english_left(html, language) == [], name
    assert f'lang="{language}-{language.upper()}"' in shown["month"]
    assert expected["Today"] in shown["month"]
    assert expected["Add to my calendar"] in shown["week"]
    assert expected["Month"] in shown["list"]
    assert expected["No events"] in shown["empty week"]
    assert expected["No events in this period."] in shown["empty list"]
    assert expected["Where"] in shown["details"]
    assert expected["Close"] in shown["month"]
    assert more_links(harness, token) == sorted([expected["more 1"], expected["more 2"]])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_lang_parameter_translates_every_page(harness: Harness, language: str) -> None:
    token = busy_account(harness, "studio", "en_GB")
    expected = EXPECTED[language]
    shown = pages(harness, token, lang=language)
    for name, html in shown.items():
        assert english_left(html, language) == [], name
        if name != "details":
            assert f'<html lang="{language}"' in html, name
    assert expected["Today"] in shown["week"]
    assert expected["Where"] in shown["details page"]
    assert more_links(harness, token, lang=language) == sorted(
        [expected["more 1"], expected["more 2"]]
    )


def test_counts_take_the_languages_plural_forms(harness: Harness) -> None:
    token = busy_account(harness, "studio", "fr_FR")
    html = harness.client.get(
        f"/embed/{token}", params={"view": "month", "date": day_at(3, 0).date().isoformat()}
    ).text
    assert "1 autre événement le " in html
    html = harness.client.get(
        f"/embed/{token}", params={"view": "month", "date": day_at(4, 0).date().isoformat()}
    ).text
    assert "2 autres événements le " in html
    listing = harness.client.get(
        f"/embed/{token}", params={"view": "list", "date": day_at(2, 0).date().isoformat()}
    ).text
    uids = re.findall(r'/events/([^"?]+)', listing)
    details = [harness.client.get(f"/embed/{token}/events/{uid}").text for uid in uids]
    session = next(html for html in details if "Yoga" in html)
    assert "1 place prise" in session  # one attendee of ten places
    assert "9 places restantes" in session
    tentative = next(html for html in details if "Bring towels" in html)
    assert "Provisoire" in tentative


def test_english_stays_english(harness: Harness) -> None:
    token = busy_account(harness, "studio", "en_GB")
    shown = pages(harness, token)
    assert "Add to my calendar" in shown["month"]
    assert "Today" in shown["week"]
    assert "No events" in shown["empty week"]
    assert "Where" in shown["details"]
    assert more_links(harness, token) == ["+1 more", "+2 more"]
    assert (
        "1 more event on "
        in harness.client.get(
            f"/embed/{token}", params={"view": "month", "date": day_at(3, 0).date().isoformat()}
        ).text
    )


def test_a_language_without_a_catalogue_falls_back_to_english(harness: Harness) -> None:
    token = busy_account(harness, "studio", "en_GB")
    japanese = harness.client.get(f"/embed/{token}", params={"lang": "ja", "view": "week"}).text
    assert '<html lang="ja"' in japanese  # dates are Japanese, from CLDR
    assert "Add to my calendar" in japanese
    assert "Today" in japanese
    nonsense = harness.client.get(f"/embed/{token}", params={"lang": "<xx>", "view": "week"}).text
    assert '<html lang="en-GB"' in nonsense
    assert "Today" in nonsense


def test_a_regional_locale_uses_its_languages_catalogue(harness: Harness) -> None:
    token = busy_account(harness, "studio", "fr_CA")
    page = harness.client.get(f"/embed/{token}").text
    assert '<html lang="fr-CA"' in page
    assert "Aujourd’hui" in page
    assert english_left(page, "fr") == []
    swiss = harness.client.get(f"/embed/{token}", params={"lang": "de-CH"}).text
    assert "Heute" in swiss


def test_cached_pages_never_mix_languages(harness: Harness) -> None:
    token = busy_account(harness, "studio", "de_DE")
    for _ in range(2):
        for lang, today in (("", "Heute"), ("fr", "Aujourd’hui"), ("en", "Today"), ("de", "Heute")):
            for headers in ({}, {"HX-Request": "true"}):
                params = {"view": "week", **({"lang": lang} if lang else {})}
                page = harness.client.get(f"/embed/{token}", params=params, headers=headers).text
                assert today in page, (lang, headers)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_not_available_page_speaks_the_visitors_language(
    harness: Harness, language: str
) -> None:
    expected = EXPECTED[language]["unavailable"]
    by_parameter = harness.client.get(f"/embed/{'A' * 24}", params={"lang": language})
    by_browser = harness.client.get(
        f"/embed/{'A' * 24}", headers={"Accept-Language": f"xx, {language};q=0.8, en;q=0.5"}
    )
    for response in (by_parameter, by_browser):
        assert response.status_code == 404
        assert expected in response.text
        assert f'<html lang="{language}"' in response.text
        assert english_left(response.text, language) == []
    assert "accept-language" in by_browser.headers["vary"]


def test_the_not_available_page_never_tells_the_accounts_language(harness: Harness) -> None:
    token = busy_account(harness, "studio", "de_DE")
    calendar = harness.runtime.calendars
    links = harness.call(calendar.links, "studio", 1)
    harness.call(calendar.set_link_enabled, "studio", links[0].record.id, False)
    disabled = harness.client.get(f"/embed/{token}")
    unknown = harness.client.get(f"/embed/{'A' * 24}")
    assert disabled.status_code == 404
    assert disabled.content == unknown.content
    assert "This calendar is not available" in disabled.text
    assert '<html lang="en"' in disabled.text


def test_widget_pages_name_their_icon_so_browsers_ask_for_no_favicon_ico(harness: Harness) -> None:
    token = busy_account(harness, "studio", "en_GB")
    for url in (f"/embed/{token}", f"/embed/{'A' * 24}"):
        page = harness.client.get(url).text
        icon = re.search(r'<link rel="icon" href="(/static/favicon\.[0-9a-f]+\.svg)"', page)
        assert icon, page
        assert harness.client.get(icon.group(1)).status_code == 200


def catalogue(path: Path):
    with path.open("rb") as po:
        return read_po(po)


def message_ids(path: Path) -> set[object]:
    return {message.id for message in catalogue(path) if message.id}


def test_every_message_is_translated_in_every_shipped_language() -> None:
    template = message_ids(TRANSLATIONS / "widget.pot")
    shipped = sorted(path.parent.parent.name for path in TRANSLATIONS.glob("*/*/widget.po"))
    assert shipped == sorted(LANGUAGES)
    for language in LANGUAGES:
        translated = catalogue(TRANSLATIONS / language / "LC_MESSAGES" / "widget.po")
        assert {m.id for m in translated if m.id} == template, language
        for message in translated:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), (language, message.id)
            assert not message.fuzzy, (language, message.id)
            source = message.id if isinstance(message.id, tuple) else (message.id,)
            wanted = set(re.findall(r"%\(\w+\)s", " ".join(source)))
            for text in strings:  # every placeholder kept, none invented
                assert set(re.findall(r"%\(\w+\)s", text)) <= wanted, (language, text)
            if "%(date)s" in source[0]:
                assert all("%(date)s" in text for text in strings), (language, message.id)


def test_the_template_is_up_to_date_with_the_sources(tmp_path: Path, monkeypatch) -> None:
    """Run `pybabel extract` as babel.cfg says: a new or changed string fails here until the
    .pot is extracted again (and then the test above until it is translated)."""
    monkeypatch.chdir(ROOT)
    extracted = tmp_path / "widget.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", "babel.cfg", "-o", str(extracted), "."]
    )
    assert message_ids(extracted) == message_ids(TRANSLATIONS / "widget.pot")


def test_busy_titles_are_in_the_visitors_language(harness: Harness) -> None:
    harness.create_account("acme")
    harness.put("acme", *REFERENCES, appointment())
    _, link = harness.create_calendar(policy=Policy(busy_only=True))
    german = harness.client.get(f"/embed/{link.token}?lang=de&view=list")
    assert "Belegt" in german.text
    assert "Busy" not in german.text
    english = harness.client.get(f"/embed/{link.token}?view=list")
    assert "Busy" in english.text
