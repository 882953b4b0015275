"""Reading the index's files where they lie, with positional reads, instead of copying them into each worker.

Whoosh's own file storage maps a segment's compound file and then copies every part a reader opens into
a BytesIO: the terms and postings of 10,000 listings are 4.5 MB of copies per worker (on top of the mapped
pages themselves), and the copy grows with the street. Here every part is a window on the file read with
``os.pread``, which leaves the bytes in the system's page cache, shared by all workers and the scheduler,
and which many threads may call at once on one open file (one searcher serves all of a worker's threads; each
thread keeps its own position in a window).
"""
from __future__ import annotations

import os
import sys
import threading
from array import array

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class OpenFile:
    """A file open for reading, closed when the last window on it is dropped: a searcher being refreshed closes
    its readers while another thread may still be reading through them, and a descriptor closed then could
    meanwhile name some other file."""

    descriptor = None

    def __init__(self, path: str):
        self.descriptor = os.open(path, os.O_RDONLY)
        self.size = os.fstat(self.descriptor).st_size

    def __del__(self):
        if self.descriptor is not None:  # None: the file could not be opened
            os.close(self.descriptor)


class Window:
    """``length`` bytes of an open file from ``offset``, as a read-only file with a position of its own in each
    thread: Whoosh seeks and then reads (a posting list's header, say), and a worker's threads share one searcher."""

    def __init__(self, raw: OpenFile, offset: int, length: int):
        self.raw = raw
        self.offset = offset
        self.length = length
        self._cursor = threading.local()

    @property
    def position(self) -> int:
        return getattr(self._cursor, "position", 0)

    @position.setter
    def position(self, value: int) -> None:
        self._cursor.position = value

    def pread(self, position: int, size: int) -> bytes:
        return os.pread(self.raw.descriptor, max(0, min(size, self.length - position)), self.offset + position)

    def read(self, size: int | None = -1) -> bytes:
        data = self.pread(self.position, self.length if size is None or size < 0 else size)
        self.position += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        limit = self.length if size is None or size < 0 else size
        line = b""
        while len(line) < limit and b"\n" not in line:
            chunk = self.pread(self.position + len(line), min(256, limit - len(line)))
            if not chunk:
                break
            line += chunk
        line = line[:line.find(b"\n") + 1 or len(line)]
        self.position += len(line)
        return line

    def seek(self, where: int, whence: int = 0) -> int:
        self.position = where + (0, self.position, self.length)[whence]
        return self.position

    def tell(self) -> int:
        return self.position

    def close(self) -> None:
        """Nothing to release here (see OpenFile)."""


class WindowFile(StructFile):
    """Whoosh's structured reads over a window; reads at a given position leave the window's position alone."""

    def get(self, position: int, length: int) -> bytes:
        return self.file.pread(position, length)

    def get_array(self, position: int, typecode: str, length: int) -> array:
        values = array(typecode, self.get(position, length * array(typecode).itemsize))
        if sys.byteorder == "little":  # Whoosh writes arrays big-endian
            values.byteswap()
        return values

    def subset(self, offset: int, length: int, name: str | None = None) -> WindowFile:
        window = self.file
        return WindowFile(Window(window.raw, window.offset + offset, length), name=name or self._name)


class WindowStorage(FileStorage):
    """The index directory, its files read through windows (no mapping, no copies)."""

    def __init__(self, path: str):
        super().__init__(path, supports_mmap=False)

    def open_file(self, name, **kwargs) -> WindowFile:
        raw = OpenFile(self._fpath(name))
        return WindowFile(Window(raw, 0, raw.size), name=name, **kwargs)
