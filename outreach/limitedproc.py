"""A worker process for work whose cost outreach does not control (a commune's template): it runs
under an address-space limit (RLIMIT_AS), so any allocation past the limit fails with MemoryError
whichever operator or filter made it, and each call has a deadline after which the worker is killed.

Where the limits cannot be set (no `resource` module: Windows), the work runs in the calling
process as before, bounded only by the template sandbox's own checks.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
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
    """Whether work can run in a limited worker here (Linux and other systems with setrlimit)."""
    return resource is not None


class LimitedWorker:
    """One worker process, started at the first call and again after it was killed; calls from
    several threads take turns. It is a fresh interpreter (not a fork): it holds none of its
    parent's files, sockets or locks, so a studio's connections and a browser driver's pipes close
    when their owner closes them."""

    def __init__(self, memory: int, preload: tuple[str, ...] = ()):
        self.memory = memory
        self.preload = preload  # modules every call needs: imported before the limit is set
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._send: Connection | None = None
        self._receive: Connection | None = None
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget)
        atexit.register(self.close)

    def close(self) -> None:
        """End the worker: its input closed, it leaves its loop; waited for, so none is left behind."""
        if self._process is not None and self._send is not None:
            with contextlib.suppress(Exception):
                self._send.close()
                self._process.wait(2)
        self._stop()

    def call(self, work: Callable[..., Any], args: tuple, seconds: float) -> Any:
        """work(*args) in the worker; its exception is raised here; Exhausted past `seconds` or on death."""
        if not available():
            return work(*args)
        with self._lock:
            send, receive = self._connections()
            try:
                send.send((work, args))
                if not receive.poll(seconds):
                    self._stop()
                    raise Exhausted("time")
                ok, value = receive.recv()
            except (EOFError, OSError):
                self._stop()
                raise Exhausted("memory") from None
            if isinstance(value, Exhausted):  # its heap is what a runaway left: the next call gets a fresh one
                self._stop()
        if ok:
            return value
        raise value

    def _connections(self) -> tuple[Connection, Connection]:
        if self._process is None or self._process.poll() is not None:
            self._stop()
            # The parent's import path, so the worker imports the same outreach (a checkout, a test's).
            path = os.pathsep.join(p for p in sys.path if p)
            self._process = subprocess.Popen(
                [sys.executable, "-m", "outreach.limitedproc", str(self.memory), *self.preload], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path})
            assert self._process.stdin is not None and self._process.stdout is not None
            self._send = Connection(os.dup(self._process.stdin.fileno()), readable=False)
            self._receive = Connection(os.dup(self._process.stdout.fileno()), writable=False)
            self._process.stdin.close()
            self._process.stdout.close()
        assert self._send is not None and self._receive is not None
        return self._send, self._receive

    def _stop(self) -> None:
        if self._process is not None:
            with contextlib.suppress(Exception):
                self._process.kill()
                self._process.wait(5)
        for end in (self._send, self._receive):
            with contextlib.suppress(Exception):
                end.close()  # type: ignore[union-attr]
        self._process = self._send = self._receive = None

    def _forget(self) -> None:
        """In a child forked from the process owning the worker (a build's pool worker): that worker
        is not this process's to use, and the lock may have been held by a thread that is not here."""
        for end in (self._send, self._receive):
            with contextlib.suppress(Exception):
                end.close()  # type: ignore[union-attr]
        self._process = self._send = self._receive = None
        self._lock = threading.Lock()


def _serve(memory: int, preload: list[str]) -> None:
    """The worker's loop: run what it is sent, each call under its own memory limit, until its parent goes.
    Requests come on stdin, answers go on what was stdout; stdout itself goes to stderr so that a
    stray print cannot garble an answer."""
    receive = Connection(os.dup(0), writable=False)
    send = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    # Ctrl+C reaches the whole process group: the parent says "Đã dừng."; this worker ends with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for module in preload:
        importlib.import_module(module)
    while True:
        try:
            work, args = receive.recv()
        except (EOFError, OSError):
            return
        # Set again for every call, from what this long-lived worker maps now: a limit set once at
        # its start shrank as earlier calls left caches and a fragmented heap behind, and a call's
        # fate (and where its MemoryError struck) came to depend on what ran before it.
        _limit_address_space(memory)
        try:
            answer: tuple[bool, Any] = (True, work(*args))
        except MemoryError:
            answer = (False, Exhausted("memory"))
        except Exception as exc:
            answer = (False, exc)
        _send(send, answer)


def _send(conn: Connection, answer: tuple[bool, Any]) -> None:
    try:
        conn.send(answer)
    except MemoryError:
        conn.send((False, Exhausted("memory")))
    except Exception as exc:  # an exception or result that does not pickle: say what it was
        conn.send((False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]!r}: {exc}"[:2000])))


def _limit_address_space(memory: int) -> None:
    """Allow `memory` bytes of address space on top of what this process maps now (the soft limit,
    which may go up again as long as it stays under the hard one)."""
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


if __name__ == "__main__":  # run as `python -m outreach.limitedproc`: serve from the module proper, so
    # that what is pickled back (Exhausted) names outreach.limitedproc, not __main__
    from outreach.limitedproc import _serve as serve
    serve(int(sys.argv[1]), sys.argv[2:])
