"""The one way a keyed REST speech engine is asked: POST, the whole answer read within a deadline,
throttling and server errors asked again with a growing pause. Viettel AI uses it; an engine a
province adds for another keyed service should too. (gTTS keeps its own transport: the requests
library, Google's batchexecute answer.)"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from outreach.errors import SpeechError


@dataclass(frozen=True)
class Answer:
    status: int
    kind: str   # Content-Type
    body: bytes


class Retry(Exception):
    """Worth asking again (throttling, a server error): the message says why, if no attempt is left."""


@dataclass(frozen=True)
class KeyedRest:
    """One service: where it is, its name in messages, and how patient to be with it."""

    service: str                   # "Viettel AI": every message starts with it
    retries: int = 4
    backoff: float = 1.0           # seconds before the first retry, doubled each time
    deadline: float = 30.0         # seconds for one request: connecting, sending, reading the whole answer

    def ask(self, url: str, body: bytes, headers: Mapping[str, str], judge: Callable[[Answer], bytes],
            retries: int | None = None) -> bytes:
        """`judge(answer)` of the first answer it accepts: it returns the audio, raises Retry to ask
        again, or SpeechError when asking again cannot help. A lost connection or a deadline passed
        is asked again too; with no attempt left, SpeechError says the last reason."""
        reason = ""
        for attempt in range(self.retries if retries is None else retries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                return judge(post_within(url, body, headers, self.deadline))
            except TimeoutError:
                reason = f"máy chủ không trả lời xong trong {self.deadline:g} giây"
            except (OSError, http.client.HTTPException):
                reason = "không kết nối được máy chủ"
            except Retry as again:
                reason = str(again)
        raise SpeechError(f"{self.service}: {reason}")


def post_within(url: str, body: bytes, headers: Mapping[str, str], deadline: float) -> Answer:
    """POST and read the whole answer within `deadline` seconds, or raise TimeoutError. A socket
    timeout bounds each read only: a server dripping a byte a second would never end."""
    parts = urllib.parse.urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=deadline)
    with _cut_off_after(deadline) as (sockets, expired):
        try:
            connection.connect()
            # Kept here: the connection lets go of its socket once a closing answer's headers are in.
            sockets.append(connection.sock)
            if expired.is_set():  # the deadline passed while connecting, before the socket was kept
                raise TimeoutError
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request("POST", path or "/", body, dict(headers))
            answer = connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException):
            if expired.is_set():
                raise TimeoutError from None
            raise
        finally:
            connection.close()
        if expired.is_set():
            raise TimeoutError
        return Answer(answer.status, answer.getheader("Content-Type", ""), data)


@contextlib.contextmanager
def _cut_off_after(seconds: float) -> Iterator[tuple[list[socket.socket], threading.Event]]:
    """Yields (sockets, expired): once `seconds` have passed, `expired` is set and every socket put
    in `sockets` is shut down, which wakes a read blocked on it."""
    sockets: list[socket.socket] = []
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(seconds, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield sockets, expired
    finally:
        watchdog.cancel()


def looks_like_mp3(data: bytes) -> bool:
    """An ID3 tag or an MPEG audio frame header at the start."""
    return data.startswith(b"ID3") or (len(data) > 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
