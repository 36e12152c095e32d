"""The /static files, served so that a path the operating system refuses is simply absent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Router
from litestar.file_system import BaseLocalFileSystem
from litestar.static_files import create_static_files_router
from litestar.types import PathType
from litestar.types.file_types import FileInfo


class _LocalFiles(BaseLocalFileSystem):
    async def info(self, path: PathType, **kwargs: Any) -> FileInfo:
        # A NUL byte, an over-long name or a file taken for a folder raise ValueError or an
        # OSError other than FileNotFoundError, which Litestar answers with a 500 and a
        # traceback: anyone could fill the logs. To a visitor, such a file just is not there.
        try:
            return await super().info(path, **kwargs)
        except (ValueError, OSError) as error:
            raise FileNotFoundError(str(path)) from error


def static_files_router(directory: Path) -> Router:
    return create_static_files_router(
        path="/static", directories=[directory], file_system=_LocalFiles()
    )
