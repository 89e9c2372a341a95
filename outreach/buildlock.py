"""One build at a time per project: a second one waits briefly, then is refused naming the first."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from typing import IO

from outreach.errors import OutreachError, why
from outreach.project import Project

LOCK_FILE = ".cache/build.lock"  # under build/, beside the speech cache
LOCK_WAIT = 3.0  # seconds a second build waits for the first before it is refused


@contextlib.contextmanager
def exclusive(project: Project) -> Iterator[None]:
    """Hold build/.cache/build.lock for the whole build. flock, not the file's existence, is the lock: the
    kernel releases it when the holder dies, so a lock left by a killed build is simply taken over."""
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
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield


def _wait_for(lock: IO[str], project: Project) -> None:
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                lock.seek(0)
                holder = lock.read().strip() or "?"
                raise OutreachError(f"một lần tạo khác (tiến trình {holder}) đang chạy trong dự án "
                                    f"{project.root.resolve()}; hãy đợi lần đó xong rồi chạy lại") from None
            time.sleep(0.1)
