"""A commune's studio under /c/<commune>/: the studio's pages link from the root ("/guides/…"), so
the links, forms, scripts' addresses and redirects of its answers get the commune's prefix. Only
attribute values written by the studio's own templates start with `="/` (Jinja escapes a quote in
any text an officer typed), so the rewrite cannot touch content."""

from __future__ import annotations

from collections.abc import Callable

from anyio import to_thread
from starlette.types import Message, Receive, Scope, Send

REWRITTEN = (b"text/html", b"application/json")


def prefixed(body: bytes, prefix: str) -> bytes:
    code = prefix.encode()
    return body.replace(b'="/', b'="' + code + b"/").replace(b'=\\"/', b'=\\"' + code + b"/")


class Prefixed:
    """ASGI: the answers of `app` with `prefix` put before every root-relative address; `extra`
    may change an HTML page further (the server's own parts on the studio's pages)."""

    def __init__(self, app, prefix: str, extra: Callable[[Scope, bytes], bytes] | None = None):
        self.app, self.prefix, self.extra = app, prefix, extra

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: dict = {}
        chunks: list[bytes] = []

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(self._located(message))
                if scope["method"] == "HEAD" or not self._rewritten(start):
                    await send(start)
                return
            if message["type"] != "http.response.body" or scope["method"] == "HEAD" or not self._rewritten(start):
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                await self._send_whole(send, start, scope, b"".join(chunks))
        await self.app(scope, receive, sending)

    def _located(self, message: Message) -> dict:
        headers = [(name, self.prefix.encode() + value if name == b"location" and value.startswith(b"/")
                    and not value.startswith(b"//") else value) for name, value in message.get("headers", [])]
        return {**message, "headers": headers}

    @staticmethod
    def _rewritten(start: dict) -> bool:
        kind = dict(start.get("headers", [])).get(b"content-type", b"")
        return kind.startswith(REWRITTEN)

    async def _send_whole(self, send: Send, start: dict, scope: Scope, body: bytes) -> None:
        body = prefixed(body, self.prefix)
        if self.extra is not None and dict(start["headers"]).get(b"content-type", b"").startswith(b"text/html"):
            body = await to_thread.run_sync(self.extra, scope, body)
        headers = [(n, v) for n, v in start["headers"] if n != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
