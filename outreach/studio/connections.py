"""What one client may hold of the studio's server: uvicorn's h11 protocol with the two limits
uvicorn lacks. A request's head (request line and headers) must arrive within HEAD_SECONDS of the
connection opening or of the previous response, so a client dripping bytes, or sending nothing,
does not hold a connection for as long as it likes; and one client address keeps at most
CONNECTIONS_PER_CLIENT connections open (a browser opens about six, plus one per build it follows)."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_SECONDS = 10.0
CONNECTIONS_PER_CLIENT = 32
_BUSY_TEXT = "Quá nhiều kết nối cùng lúc từ một nơi; hãy đóng bớt các thẻ của xưởng rồi thử lại.".encode()
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
         + f"content-length: {len(_BUSY_TEXT)}\r\n\r\n".encode() + _BUSY_TEXT)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline on each request's head and a cap per client address."""

    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        if self._open_from_same_client() > CONNECTIONS_PER_CLIENT:
            transport.write(_BUSY)
            transport.close()
            return
        self._await_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the whole head arrived: the request is being served
            self._stop_waiting()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_head()  # keep-alive: the next request's head has the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _open_from_same_client(self) -> int:
        return sum(_host(other) == _host(self) for other in self.connections)

    def _await_head(self) -> None:
        self._stop_waiting()
        self._head_deadline = self.loop.call_later(HEAD_SECONDS, self._head_too_slow)

    def _stop_waiting(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def _host(protocol: Any) -> str | None:
    client = getattr(protocol, "client", None)
    return client[0] if client else None
