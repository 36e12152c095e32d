"""HTTP caching shared by the feed and the widget: one content tag and gzip copy per body,
gzip negotiation, and If-None-Match. Headers are bytes, as ASGI delivers them: the feed
calls these on its hot path."""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from collections.abc import Iterable, Sequence

import msgspec

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


def part_digest(data: bytes) -> bytes:
    """The digest of one part of a body, for parts_tag."""
    return hashlib.blake2b(data, digest_size=16).digest()


def parts_tag(digests: Iterable[bytes]) -> str:
    """The content tag of a body cut into parts, from their part_digest()s in order: a body
    always cut the same way always gets the same tag, and different bodies different tags (the
    same tag means the same digests, so the same parts), yet after a change only the parts
    that changed are hashed again."""
    return hashlib.blake2b(b"".join(digests), digest_size=12).hexdigest()


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


class Piece(msgspec.Struct, frozen=True):
    """A part of a body on its own: its deflate blocks, which refer to nothing before them and
    end on a byte boundary, and its CRC, so that gzip_of_pieces joins pieces into the body's
    gzip file without reading the body; and its part_digest, for parts_tag."""

    deflated: bytes
    digest: bytes
    crc: int
    size: int
    shift: int  # x^(8·size) modulo CRC-32's polynomial: moves a CRC past this part


def piece_of(data: bytes) -> Piece:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Piece(
        deflated=compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH),
        digest=part_digest(data),
        crc=zlib.crc32(data),
        size=len(data),
        shift=_x_to_8n(len(data)),
    )


def gzip_of_pieces(pieces: Sequence[Piece]) -> bytes:
    """The gzip file of the body that is `pieces` in order: a changed part of a long body is
    compressed again without compressing, or reading, the rest."""
    crc = size = 0
    for piece in pieces:  # zlib's crc32_combine, which Python's zlib does not offer
        crc = _times(piece.shift, crc) ^ piece.crc
        size += piece.size
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return b"".join((_GZIP_HEADER, *[piece.deflated for piece in pieces], _LAST_BLOCK, trailer))


# CRC-32 arithmetic: polynomials over GF(2) modulo CRC-32's, bit-reflected as zlib keeps them
# (x^0 is the top bit). crc32(a + b) is crc32(a) times x^(8·len(b)), plus crc32(b).
_CRC_POLYNOMIAL = 0xEDB88320


def _times(a: int, b: int) -> int:
    product, bit = 0, 1 << 31
    while a:
        if a & bit:
            product ^= b
            a ^= bit
        bit >>= 1
        b = (b >> 1) ^ _CRC_POLYNOMIAL if b & 1 else b >> 1
    return product


_X_TO_8_2K = [1 << 23]  # x^(8·2^k): x^8, then each the square of the one before
for _ in range(63):
    _X_TO_8_2K.append(_times(_X_TO_8_2K[-1], _X_TO_8_2K[-1]))


def _x_to_8n(n: int) -> int:
    power, k = 1 << 31, 0
    while n:
        if n & 1:
            power = _times(_X_TO_8_2K[k], power)
        n >>= 1
        k += 1
    return power


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
