"""The parts of a view written in Python rather than as Jinja macros or loops: an event's chip
(the link that opens its details) and a month's day cell. A month page holds a hundred chips
and forty-two cells, and a macro call or a template's function call costs more than the markup
it makes. They print text as every template does: cleaned by the text rule
(`backend.text.clean`, the templates' `finalize`), then HTML-escaped.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from backend.text import clean
from widget.layout import Day, Slot
from widget.locale import Formatter
from widget.urls import WidgetUrls

if TYPE_CHECKING:
    from widget.i18n import Translator


def _shown(text: str) -> Markup:
    return escape(clean(text))


# For the few texts a page repeats on most of its chips and cells: times, titles, dates.
_shown_often = lru_cache(maxsize=1024, typed=True)(_shown)  # typed: Markup is not text


def event_link(
    tr: Translator,
    slot: Slot,
    urls: WidgetUrls,
    fmt: Formatter,
    with_end: bool = False,
    place: str = "",
) -> Markup:
    """The chip of `slot`; `with_end`: its time as a range; `place`: extra classes (the time
    grid's position). Its title attribute holds the whole text, which a narrow chip may cut."""
    event = slot.event
    href = _shown(urls.event(event))
    # How the slot's time reads on its day: a multi-day event says where it began or ends.
    if slot.all_day:
        when = tr.gettext("All day")
    elif slot.continued and slot.continues:
        when = tr.gettext("continues")
    elif slot.continued:
        when = tr.gettext("until %(time)s", time=fmt.time(slot.end))
    elif slot.continues:
        when = tr.gettext("from %(time)s", time=fmt.time(slot.start))
    elif with_end:
        when = fmt.time_range(slot.start, slot.end)
    else:
        when = fmt.time(slot.start)
    shown_when, name = _shown_often(when), _shown_often(tr.title(event))
    flag = _shown_often(tr.status_flag(event.status)) if event.status else ""
    flagged = f'<span class="bf-flag"> {flag}</span>' if flag else ""
    classes = "".join(
        (
            f" bf-{_shown(event.status)}" if event.status else "",
            " bf-continued" if slot.continued else "",
            " bf-continues" if slot.continues else "",
            " bf-allday" if slot.all_day else "",
            _shown_often(place),
        )
    )
    if slot.all_day or slot.continued or slot.continues:
        time = f'<span class="bf-time">{shown_when}</span>'
    elif with_end:
        time = (
            f'<time class="bf-time" datetime="{slot.start.isoformat()}" data-bf-format="range"'
            f' data-bf-end="{slot.end.isoformat()}">{shown_when}</time>'
        )
    else:
        time = (
            f'<time class="bf-time" datetime="{slot.start.isoformat()}"'
            f' data-bf-format="time">{shown_when}</time>'
        )
    return Markup(  # noqa: S704 (every value in it is escaped above)
        f'<a class="bf-event{classes}" href="{href}" hx-get="{href}"'
        ' hx-target="#bf-dialog-content" hx-swap="innerHTML" aria-haspopup="dialog"'
        f' title="{shown_when} {name}{" " + flag if flag else ""}">\n'
        f"  {time}\n"
        f'  <span class="bf-what">{name}</span>{flagged}\n'
        "</a>"
    )


def month_cell(tr: Translator, day: Day, urls: WidgetUrls, fmt: Formatter, limit: int) -> Markup:
    """A day of the month's grid: its number, which opens the day, and its first `limit`
    events' chips, the others as "+N more", which opens the day too."""
    count = len(day.slots)
    day_url = _shown(urls.page("day", day.day))
    full_date = fmt.full_date(day.day)
    classes = (" bf-outside" if not day.in_period else "") + (" bf-today" if day.today else "")
    current = ' aria-current="date"' if day.today else ""
    counted, label, events = "", _shown_often(full_date), ""
    if count:
        counted = f'<span class="bf-count" aria-hidden="true">{count}</span>'
        label += _shown_often(", " + tr.ngettext("%(count)s event", "%(count)s events", count))
        chips = "".join(
            f"\n          <li>{event_link(tr, slot, urls, fmt)}</li>" for slot in day.slots[:limit]
        )
        more = ""
        if count > limit:
            hidden = count - limit
            shown = _shown_often(tr.ngettext("+%(count)s more", "+%(count)s more", hidden))
            said = _shown(
                tr.ngettext(
                    "%(count)s more event on %(date)s",
                    "%(count)s more events on %(date)s",
                    hidden,
                    date=full_date,
                )
            )
            more = (
                f'\n          <li><a class="bf-more" href="{day_url}" hx-get="{day_url}">'
                f'<span aria-hidden="true">{shown}</span>'
                f'<span class="bf-hidden">{said}</span></a></li>'
            )
        events = f'\n        <ul class="bf-events">{chips}{more}\n        </ul>'
    return Markup(  # noqa: S704 (every value in it is escaped above)
        f'<td class="bf-day{classes}"{current}>\n'
        f'        <a class="bf-daylink" href="{day_url}" hx-get="{day_url}">'
        f'<span class="bf-daynum" aria-hidden="true">{_shown_often(fmt.day_number(day.day))}</span>'
        f'{counted}<span class="bf-hidden">{label}</span></a>{events}\n'
        "      </td>"
    )
