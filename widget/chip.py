"""An event's chip: the link on a view's grid or list that opens the event's details.

Written in Python rather than as a Jinja macro because a month page holds a hundred chips and
a macro call costs more than the chip. It prints text as every template does: cleaned by the
text rule (`backend.text.clean`, the templates' `finalize`), then HTML-escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from backend.text import clean
from widget.layout import Slot
from widget.locale import Formatter
from widget.urls import WidgetUrls

if TYPE_CHECKING:
    from widget.i18n import Translator


def _shown(text: str) -> Markup:
    return escape(clean(text))


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
    shown_when, name = _shown(when), _shown(tr.title(event))
    flag = _shown(tr.status_flag(event.status)) if event.status else ""
    flagged = f'<span class="bf-flag"> {flag}</span>' if flag else ""
    classes = "".join(
        (
            f" bf-{_shown(event.status)}" if event.status else "",
            " bf-continued" if slot.continued else "",
            " bf-continues" if slot.continues else "",
            " bf-allday" if slot.all_day else "",
            _shown(place),
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
