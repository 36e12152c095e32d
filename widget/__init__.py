"""The embeddable calendar widget: a calendar's redacted events as an iframe-friendly page."""
