"""A consistent copy of the SQLite database while the server keeps writing to it."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path


def backup(database: Path, target: Path) -> int:
    """Copy `database` to `target` with SQLite's online backup API; a failed copy leaves any
    earlier file at `target` untouched. Returns the size of the copy in bytes."""
    if not database.is_file():
        raise FileNotFoundError(f"no database at {database}")
    target = target.resolve()
    live = database.resolve()
    journals = {live.with_name(f"{live.name}-{end}") for end in ("wal", "shm", "journal")}
    if target == live or target in journals:
        raise ValueError("the copy must not replace the database or its journal files")
    fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        source = sqlite3.connect(database)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # in one step: one snapshot, even while others write (WAL)
        finally:
            copy.close()
            source.close()
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target.stat().st_size
