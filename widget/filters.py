"""The filter chips: the calendar's shown service and event names, and the visitor's choice
among them (`?only=Yoga&only=Pilates`). Only the names `PublicEvent` already shows take part,
so a chip can never name a service the calendar's policy hides."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from backend.policy import PublicEvent

MAX_CHOSEN = 50  # more "only" values than any calendar has chips: the rest are ignored


class Chips(msgspec.Struct, frozen=True):
    names: tuple[str, ...]  # every chip, in alphabetical order
    chosen: tuple[str, ...]  # the chips the visitor picked, in the same order; empty: all

    def keep(self) -> tuple[tuple[str, str], ...]:
        """The choice as query parameters, to carry while paging and switching views."""
        return tuple(("only", name) for name in self.chosen)

    def toggled(self, name: str) -> tuple[str, ...]:
        """The choice with `name` added, or taken out if it was in."""
        chosen = set(self.chosen) ^ {name}
        return tuple(n for n in self.names if n in chosen)

    def shows(self, event: PublicEvent) -> bool:
        return not self.chosen or (not event.busy and event.title in self.chosen)


def chips_of(
    events: Iterable[PublicEvent], enabled: bool, requested: Sequence[str]
) -> Chips | None:
    """The chips, when the owner turned them on and the calendar shows two names or more; a
    requested name the calendar does not show is ignored."""
    if not enabled:
        return None
    names = tuple(sorted({event.title for event in events if not event.busy}))
    if len(names) < 2:
        return None
    wanted = set(requested[:MAX_CHOSEN])
    return Chips(names=names, chosen=tuple(name for name in names if name in wanted))


def only_chosen(events: list[PublicEvent], chips: Chips | None) -> list[PublicEvent]:
    if chips is None or not chips.chosen:
        return events
    return [event for event in events if chips.shows(event)]
