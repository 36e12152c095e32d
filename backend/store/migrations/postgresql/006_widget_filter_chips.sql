-- Whether the widget offers chips that narrow it to some of its services or events.
ALTER TABLE widget_settings ADD COLUMN filter_chips INTEGER NOT NULL DEFAULT 0;
