"""HTTP caching shared by the feed and the widget: one content tag and gzip copy per body,
gzip negotiation, and If-None-Match. Headers are bytes, as ASGI delivers them: the feed
calls these on its hot path."""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from collections.abc import Sequence

# What every calendar file carries (a feed, one event to add): revalidated before each use,
# never sniffed, indexed or sent a referrer.
CALENDAR_FILE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"cache-control", b"no-cache"),
    (b"vary", b"accept-encoding"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-robots-tag", b"noindex, nofollow"),
]


def content_tag(body: bytes) -> str:
    """A short hash of the bytes: the same body always gets the same tag."""
    return hashlib.blake2b(body, digest_size=12).hexdigest()


def etags(tag: str) -> tuple[str, str]:
    """The strong validators of a body's identity and gzip representations, quoted."""
    return f'"{tag}"', f'"{tag}-gz"'


LARGE_BODY = 1 << 20


def compress(body: bytes, level: int | None = None) -> bytes:
    """gzip without a timestamp, so the same body always compresses to the same bytes. A
    large body (a feed of thousands of events) at level 1: on varied events that is about a
    third of level 6's time, for a copy about 40 % larger. `level`: the caller's choice."""
    if level is None:
        level = 1 if len(body) > LARGE_BODY else 6
    return gzip.compress(body, compresslevel=level, mtime=0)


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time
_LAST_BLOCK = zlib.compressobj(6, zlib.DEFLATED, -15).flush()  # an empty final block


def deflate_piece(data: bytes) -> bytes:
    """`data` as raw deflate blocks that refer to nothing before them and end on a byte
    boundary, so that pieces can be compressed apart and joined by gzip_of_pieces."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def gzip_of_pieces(pieces: Sequence[bytes], body: bytes) -> bytes:
    """The gzip file of `body`, given its deflate_piece()s in order: a changed part of a long
    body is compressed again without compressing the rest."""
    trailer = struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF)
    return b"".join((_GZIP_HEADER, *pieces, _LAST_BLOCK, trailer))


def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether Accept-Encoding allows gzip: named with a quality above zero, or not named
    and allowed by "*" (RFC 9110 12.5.3)."""
    wildcard = False
    for item in accept_encoding.split(b","):
        coding, _, params = item.partition(b";")
        coding = coding.strip().lower()
        if coding == b"gzip":
            return not params or _acceptable(params)
        if coding == b"*":
            wildcard = not params or _acceptable(params)
    return wildcard


def etag_matches(if_none_match: bytes, *tags: bytes) -> bool:
    """Whether If-None-Match names one of `tags` (weak comparison) or is "*"."""
    for tag in if_none_match.split(b","):
        tag = tag.strip().removeprefix(b"W/")
        if tag == b"*" or tag in tags:
            return True
    return False


def _acceptable(params: bytes) -> bool:
    """False only for a quality of zero (q=0, q=0.000); no quality means 1."""
    for param in params.split(b";"):
        name, _, value = param.partition(b"=")
        if name.strip().lower() == b"q":
            return value.strip().rstrip(b"0").rstrip(b".") not in (b"", b"0")
    return True
