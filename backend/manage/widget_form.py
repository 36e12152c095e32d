"""The widget settings form: the owner's input as typed, and its translation into settings."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.store.widgets import WidgetSettings

THEME_CHOICES = (
    ("light", "Light"),
    ("dark", "Dark"),
    ("system", "Follow the visitor's system setting"),
)
VIEW_CHOICES = (
    ("month", "Month"),
    ("week", "Week"),
    ("day", "Day"),
    ("list", "List of upcoming bookings"),
)


class WidgetForm(msgspec.Struct, kw_only=True):
    """Every value exactly as the owner entered it, so a rejected form comes back as typed."""

    accent: str = ""
    theme: str = "light"
    compact: bool = False
    default_view: str = "month"
    allowed_sites: str = ""  # one origin a line
    filter_chips: bool = False

    @classmethod
    def from_settings(cls, settings: WidgetSettings) -> WidgetForm:
        return cls(
            accent=settings.accent or "",
            theme=settings.theme,
            compact=settings.compact,
            default_view=settings.default_view,
            allowed_sites="\n".join(settings.allowed_sites),
            filter_chips=settings.filter_chips,
        )

    @classmethod
    def from_data(cls, data: Any) -> WidgetForm:
        """From a submitted form (a mapping; an unticked checkbox is absent)."""
        return cls(
            accent=str(data.get("accent", "")),
            theme=str(data.get("theme", "")),
            compact="compact" in data,
            default_view=str(data.get("default_view", "")),
            allowed_sites=str(data.get("allowed_sites", "")),
            filter_chips="filter_chips" in data,
        )

    def to_settings(self) -> WidgetSettings:
        """The settings as entered; the widget settings service checks and normalises them."""
        return WidgetSettings(
            accent=self.accent.strip() or None,
            theme=self.theme,
            compact=self.compact,
            default_view=self.default_view,
            allowed_sites=tuple(
                line.strip() for line in self.allowed_sites.splitlines() if line.strip()
            ),
            filter_chips=self.filter_chips,
        )
