-- How a calendar's website widget looks by default, and which sites may embed it.
-- A calendar without a row uses the defaults (light theme, month view, any site).
CREATE TABLE widget_settings (
    calendar_id BIGINT PRIMARY KEY REFERENCES calendars(id) ON DELETE CASCADE,
    accent TEXT,
    theme TEXT NOT NULL DEFAULT 'light',
    compact INTEGER NOT NULL DEFAULT 0,
    default_view TEXT NOT NULL DEFAULT 'month',
    allowed_sites TEXT NOT NULL DEFAULT '[]',
    changed_at TEXT NOT NULL
);
