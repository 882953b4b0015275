"""The index's files read in place (search/storage.py): each thread of a worker reads what it asked for."""
from __future__ import annotations

import gc
import os
import random
import threading
import time

import pytest

from marketplace.search.storage import WindowStorage


def wrong_reads_of_threads_sharing_one_window(tmp_path) -> list[int]:
    content = bytes(random.Random(8).randrange(256) for _ in range(64 * 1024))
    (tmp_path / "segment").write_bytes(content)
    shared = WindowStorage(str(tmp_path)).open_file("segment").subset(1024, 32 * 1024)
    wrong = []

    def reader(seed: int) -> None:
        choose = random.Random(seed)
        for _ in range(500):
            position = choose.randrange(32 * 1024 - 16)
            shared.seek(position)  # then several reads, as unpickling a posting list's header does
            if shared.read(4) + shared.read(12) != content[1024 + position:1024 + position + 16]:
                wrong.append(position)

    threads = [threading.Thread(target=reader, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return wrong


def test_threads_seeking_and_reading_one_shared_file_each_read_their_own_bytes(tmp_path, monkeypatch):
    read = os.pread

    def read_waiting_for_the_disk(*args):
        time.sleep(0)  # another thread runs meanwhile, as when a busy worker's read waits for the disk
        return read(*args)

    monkeypatch.setattr(os, "pread", read_waiting_for_the_disk)
    assert wrong_reads_of_threads_sharing_one_window(tmp_path) == []


def test_a_window_reads_its_own_part_of_the_file_at_any_position(tmp_path):
    (tmp_path / "segment").write_bytes(b"header|" + b"0123456789" + b"|rest")
    window = WindowStorage(str(tmp_path)).open_file("segment").subset(7, 10)
    assert window.get(3, 4) == b"3456" and window.read() == b"0123456789" and window.read(5) == b""
    window.seek(-2, 2)
    assert window.read(5) == b"89"


def test_a_missing_file_is_an_error_of_its_own_and_leaves_nothing_open(tmp_path):
    with pytest.raises(FileNotFoundError):
        WindowStorage(str(tmp_path)).open_file("missing")
    gc.collect()  # the half-made file's clean-up must not fail (pytest reports any error raised there)
