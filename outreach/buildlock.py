"""One build at a time per project: a second one waits briefly, then is refused naming the first."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from typing import IO

import filelock

from outreach.errors import OutreachError, why
from outreach.project import Project

LOCK_FILE = ".cache/build.lock"  # under build/, beside the speech cache
LOCK_WAIT = 3.0  # seconds a second build waits for the first before it is refused


@contextlib.contextmanager
def exclusive(project: Project) -> Iterator[None]:
    """Hold build/.cache/build.lock for the whole build. An OS lock on the open file (flock on Unix,
    LockFileEx on Windows, through filelock), not the file's existence, is the lock: the system releases it
    when the holder dies, so a lock left by a killed build is simply taken over."""
    path = project.build_dir / LOCK_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the whole build below)
    except OSError as exc:
        raise OutreachError(f"không ghi được vào thư mục {project.shown(project.build_dir)}: {why(exc)}") from None
    with lock:
        _wait_for(lock, project)
        lock.seek(0)
        lock.truncate()
        # After a space: Windows locks the file's first byte, which no other process may then read.
        lock.write(f" {os.getpid()}\n")
        lock.flush()
        yield


def _wait_for(lock: IO[str], project: Project) -> None:
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        if filelock.lock_descriptor(lock.fileno(), blocking=False):
            return
        if time.monotonic() >= deadline:
            holder = _holder(lock)
            raise OutreachError(f"một lần tạo khác (tiến trình {holder}) đang chạy trong dự án "
                                f"{project.root.resolve()}; hãy đợi lần đó xong rồi chạy lại")
        time.sleep(0.1)


def _holder(lock: IO[str]) -> str:
    """The pid the holder wrote, read past the first byte where Windows refuses to read it."""
    for start in (0, 1):
        with contextlib.suppress(OSError):
            lock.seek(start)
            return lock.read().strip() or "?"
    return "?"
