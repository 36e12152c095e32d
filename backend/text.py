"""The text rules: what text may hold when it enters, and how it looks when it is shown.

Entering, a booking system's text is cleaned (it is the source of truth; refusing would stop
a sync over one stray byte), while an owner's typed name or label is refused with a message.
Leaving, every renderer shows cleaned text, and single-line fields as one line.
"""

from __future__ import annotations

import re
import unicodedata

from backend.errors import InvalidInput

# C0 and C1 control characters, DEL, and the two Unicode line and paragraph separators.
CONTROLS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_DIRTY = re.compile(f"[{CONTROLS}]")
# What `clean` changes: every control character but the tab and the line feed it keeps.
_UNCLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Every line break becomes "\n"; tabs stay; every other control character goes.
_CLEAN = {code: None for code in (*range(0x20), *range(0x7F, 0xA0)) if code not in (0x09, 0x0A)}
_CLEAN.update({0x0D: "\n", 0x85: "\n", 0x2028: "\n", 0x2029: "\n"})
_BREAKS = re.compile(r"[ \t\n]*[\t\n][ \t\n]*")
# Category Lo, but drawn as nothing: Hangul fillers and the blank Braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE = frozenset({"Cc", "Cf", "Cn", "Cs", "Mn", "Me", "Zs", "Zl", "Zp"})


def clean(text: str) -> str:
    """Text without control characters: each line break (CRLF, CR, NEL, U+2028/9) one "\\n",
    tabs kept. What the booking system's text is stored as, and what every page shows."""
    if _UNCLEAN.search(text) is None:  # most text, and every page's HTML with its line breaks
        return text
    return text.replace("\r\n", "\n").translate(_CLEAN)


def one_line(text: str) -> str:
    """Cleaned text for a single-line field (a name, a title): line breaks and tabs, with the
    spaces around them, become one space."""
    text = clean(text)
    if "\n" not in text and "\t" not in text:
        return text
    return _BREAKS.sub(" ", text).strip(" ")


def is_blank(text: str) -> bool:
    """Whether nothing of the text would be visible: only spaces, format characters (such as
    U+200B or U+202E), control characters, combining marks or fillers."""
    return all(char in _BLANK_LETTERS or unicodedata.category(char) in _INVISIBLE for char in text)


def has_controls(text: str, multiline: bool = False) -> bool:
    """Whether the text holds a control character; in multi-line text, tabs and line
    breaks (LF, CR) do not count."""
    allowed = "\t\n\r" if multiline else ""
    return any(char not in allowed for char in _DIRTY.findall(text))


def typed_line(value: str, field: str, limit: int) -> str:
    """A name or label an owner typed: trimmed, runs of spaces as one. InvalidInput (naming
    `field`) if it holds control characters, nothing visible, or more than `limit` characters."""
    if has_controls(value, multiline=True):
        raise InvalidInput(f"{field} must not contain control characters", field)
    value = " ".join(value.split())
    if is_blank(value):
        raise InvalidInput(f"{field} must not be empty or only invisible characters", field)
    if len(value) > limit:
        raise InvalidInput(f"{field} must be at most {limit} characters", field)
    return value
