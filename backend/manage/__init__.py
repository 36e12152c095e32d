"""The owner pages under /manage/: sign-in, calendars, links and API keys."""
