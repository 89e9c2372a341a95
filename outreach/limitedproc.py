"""A worker process for work whose cost outreach does not control (a commune's template): it runs
under an address-space limit (RLIMIT_AS), so any allocation past the limit fails with MemoryError
whichever operator or filter made it, and each call has a deadline after which the worker is killed.

Where the limits cannot be set (no `resource` module, no fork: Windows), the work runs in the
calling process as before, bounded only by the template sandbox's own checks.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from typing import Any

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

MB = 1024 * 1024


class Exhausted(Exception):
    """The work ran past its deadline ("time") or its worker died, most likely of its memory limit ("memory")."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def available() -> bool:
    """Whether work can run in a limited worker here (Linux and other fork-and-rlimit systems)."""
    return resource is not None and "fork" in multiprocessing.get_all_start_methods()


class LimitedWorker:
    """One worker process, started at the first call and again after it was killed; calls from
    several threads take turns."""

    def __init__(self, memory: int):
        self.memory = memory
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Any = None
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        """In a child forked from the process owning the worker (a build's pool worker): that worker
        is not this process's to use, and the lock may have been held by a thread that is not here."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        self._process = self._conn = None
        self._lock = threading.Lock()

    def call(self, work: Callable[..., Any], args: tuple, seconds: float) -> Any:
        """work(*args) in the worker; its exception is raised here; Exhausted past `seconds` or on death."""
        if not available():
            return work(*args)
        with self._lock:
            conn = self._connection()
            conn.send((work, args))
            if not conn.poll(seconds):
                self._stop()
                raise Exhausted("time")
            try:
                ok, value = conn.recv()
            except (EOFError, OSError):
                self._stop()
                raise Exhausted("memory") from None
        if ok:
            return value
        raise value

    def _connection(self) -> Any:
        if self._process is None or not self._process.is_alive() or self._process.pid is None:
            self._stop()
            context = multiprocessing.get_context("fork")  # inherits what is loaded: starts in milliseconds
            mine, theirs = context.Pipe()
            self._process = context.Process(target=_serve, args=(theirs, mine, self.memory), daemon=True,
                                            name="outreach-template")
            self._process.start()
            theirs.close()
            self._conn = mine
        return self._conn

    def _stop(self) -> None:
        if self._process is not None:
            with contextlib.suppress(Exception):
                self._process.kill()
                self._process.join(5)
            with contextlib.suppress(Exception):
                self._conn.close()
        self._process = self._conn = None


def _serve(conn: Any, parents_end: Any, memory: int) -> None:
    """The worker's loop: limit its own memory, then run what it is sent until its parent goes."""
    parents_end.close()  # so that the parent's death (its end closed) ends recv() here with EOFError
    _limit_address_space(memory)
    while True:
        try:
            work, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[bool, Any] = (True, work(*args))
        except MemoryError:
            answer = (False, Exhausted("memory"))
        except Exception as exc:
            answer = (False, exc)
        _send(conn, answer)


def _send(conn: Any, answer: tuple[bool, Any]) -> None:
    try:
        conn.send(answer)
    except MemoryError:
        conn.send((False, Exhausted("memory")))
    except Exception as exc:  # an exception or result that does not pickle: say what it was
        conn.send((False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]!r}: {exc}"[:2000])))


def _limit_address_space(memory: int) -> None:
    """Allow `memory` bytes of address space on top of what this process already maps."""
    if resource is None:
        return
    try:
        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return  # no /proc: a limit relative to nothing known would be a guess
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = mapped + memory
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
