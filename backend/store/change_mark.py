"""How the processes sharing one SQLite file notice each other's writes without asking SQLite:
an 8-byte file beside the database, mapped into memory by each of them, which every committed
write rewrites with a fresh random value. Reading it costs a memory read where even SQLite's own
`PRAGMA data_version` costs a statement, which is more than the cached answer it would guard.

A value is never written twice, so a reader that finds the value it saw before reading some
rows knows that no write has committed since, save one whose writer has yet to move the mark:
such a write is seen on the next look, as if it had committed a moment later.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path

SIZE = 8


class ChangeMark:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-changes")
        with open(self.path, "a+b") as file:
            if os.fstat(file.fileno()).st_size < SIZE:
                file.truncate(SIZE)
            self._map = mmap.mmap(file.fileno(), SIZE)

    def current(self) -> bytes:
        return self._map[:SIZE]

    def move(self) -> None:
        """After a commit: whoever saw the old value reads again."""
        self._map[:SIZE] = os.urandom(SIZE)

    def close(self) -> None:
        self._map.close()
