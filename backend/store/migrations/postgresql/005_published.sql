-- When each calendar's published bytes last changed, so that Last-Modified tells of this
-- calendar's own changes only, never of activity elsewhere in the account.
ALTER TABLE calendars ADD COLUMN published_tag TEXT;
ALTER TABLE calendars ADD COLUMN published_at TEXT;
