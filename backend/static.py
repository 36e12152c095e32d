"""GET and HEAD /static/…: the files under static/, read once at start-up and served from memory.

Pages name each file by a URL that embeds a hash of its content (`static_url`), cached for a
year as immutable: a changed file gets a new URL. The plain URL keeps answering too, cached for
an hour and revalidated by ETag, for what others embed by a fixed address (`embed.js`). Text
files carry a gzip copy made at start-up. A path that names no file (a NUL byte, a folder, a
name too long for the file system) is simply not found: requests never touch the disk.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path, PurePosixPath

import msgspec
from litestar.types import Scope, Send

from backend.front import Sent, answered
from backend.http_cache import accepts_gzip, compress, content_tag, etag_matches, etags

Headers = list[tuple[bytes, bytes]]
IMMUTABLE = b"public, max-age=31536000, immutable"
STABLE = b"public, max-age=3600"  # how long an embedder's copy of embed.js may go unchecked
_TEXT_TYPES = ("text/", "application/javascript", "image/svg+xml", "application/json")
_COMMON: Headers = [(b"x-content-type-options", b"nosniff")]
_NOT_FOUND_BODY = b"Not found\n"
_NOT_FOUND: Headers = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(_NOT_FOUND_BODY)).encode()),
    (b"cache-control", b"no-store"),
    *_COMMON,
]


class StaticFile(msgspec.Struct, frozen=True):
    """One file's bodies and the headers of each way it is answered, prepared once."""

    body: bytes
    gzipped: bytes | None  # None where gzip would not help
    plain: Headers
    gzip: Headers
    not_modified: Headers
    not_modified_gzip: Headers
    etags: tuple[bytes, bytes]

    @classmethod
    def of(cls, name: str, body: bytes, cache_control: bytes) -> StaticFile:
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        text = media_type.startswith(_TEXT_TYPES)
        content_type = f"{media_type}; charset=utf-8" if text else media_type
        gzipped = compress(body) if text else None
        if gzipped is not None and len(gzipped) >= len(body):
            gzipped = None
        etag, gzip_etag = (tag.encode() for tag in etags(content_tag(body)))
        validators: Headers = [(b"cache-control", cache_control), *_COMMON]
        if gzipped is not None:
            validators.append((b"vary", b"accept-encoding"))
        typed = [(b"content-type", content_type.encode()), *validators]
        return cls(
            body=body,
            gzipped=gzipped,
            plain=[*typed, (b"etag", etag), (b"content-length", str(len(body)).encode())],
            gzip=[
                *typed,
                (b"etag", gzip_etag),
                (b"content-encoding", b"gzip"),
                (b"content-length", str(len(gzipped or b"")).encode()),
            ],
            not_modified=[(b"etag", etag), *validators],
            not_modified_gzip=[(b"etag", gzip_etag), *validators],
            etags=(etag, gzip_etag),
        )


class StaticFiles:
    """The static folder, read when the app is created (edit a file, restart the server)."""

    def __init__(self, directory: Path) -> None:
        self._files: dict[str, StaticFile] = {}
        self._hashed_names: dict[str, str] = {}
        for path in sorted(directory.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(directory).as_posix()
            body = path.read_bytes()
            hashed = hashed_name(name, content_tag(body))
            self._hashed_names[name] = hashed
            self._files[name] = StaticFile.of(name, body, STABLE)
            self._files[hashed] = StaticFile.of(name, body, IMMUTABLE)

    def url(self, name: str) -> str:
        """The content-addressed URL of a file under static/ (KeyError if there is none)."""
        return f"/static/{self._hashed_names[name]}"

    async def respond(self, name: str, scope: Scope, send: Send) -> Sent:
        """The answer to a request for /static/`name`."""
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            return await answered(
                send, 405, [(b"allow", b"GET, HEAD"), (b"content-length", b"0")], b""
            )
        found = self._files.get(name)
        if found is None:
            return await answered(
                send, 404, _NOT_FOUND, b"" if method == "HEAD" else _NOT_FOUND_BODY
            )
        headers = dict(scope["headers"])
        use_gzip = found.gzipped is not None and accepts_gzip(headers.get(b"accept-encoding", b""))
        if_none_match = headers.get(b"if-none-match")
        if if_none_match is not None and etag_matches(if_none_match, *found.etags):
            answer = found.not_modified_gzip if use_gzip else found.not_modified
            return await answered(send, 304, answer, b"")
        body = found.gzipped if use_gzip else found.body
        return await answered(
            send, 200, found.gzip if use_gzip else found.plain, b"" if method == "HEAD" else body
        )


def hashed_name(name: str, tag: str) -> str:
    """css/widget.css → css/widget.TAG.css: the tag goes before the last suffix, so the name
    keeps its type."""
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{tag}{path.suffix}"))
