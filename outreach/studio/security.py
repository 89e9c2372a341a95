"""What every request must show before the studio answers it: it is a server, even on localhost.

The token proves the request comes from whoever started `outreach serve` (it is printed once; the
first visit trades it for a cookie). The Host header must name the loopback address and port, so a
web page whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding) is refused. A request that
changes something must come from the studio's own pages (Origin or Referer), so another site open in
the same browser cannot post to it (CSRF). Bodies are capped before they are read.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.types import Message, Receive, Send

MAX_BODY_BYTES = 10 * 1024 * 1024 + 64 * 1024  # a 10 MB picture or take and the form around it
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# On every answer: scripts and styles only from the studio itself, never framed by another page.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
                                 b"object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]



class Refused(Exception):
    """A request the studio does not answer; the message is what the officer reads."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def new_token() -> str:
    return secrets.token_urlsafe(24)


def inside(root: Path, relative: str) -> Path:
    """`root / relative`, resolved (symlinks followed), or Refused when it leaves `root`."""
    if "\x00" in relative:
        raise Refused(404, "không có trang này")
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise Refused(403, "đường dẫn nằm ngoài thư mục dự án; không được phép")
    return target


class Gate(Protocol):
    """What the studio asks of every request: the token Guard below, or the province server's sign-in
    (outreach/server/gate.py), which replaces the token with a session and a role."""

    def check(self, scope: dict) -> str | None: ...

    def cookie_header(self) -> tuple[bytes, bytes]: ...


@dataclass
class Guard:
    """The checks, for one studio listening on `port` with `token`."""

    port: int
    token: str
    origins: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.origins = {f"http://{name}:{self.port}" for name in LOOPBACK_NAMES}

    @property
    def cookie_name(self) -> str:
        return f"outreach_studio_{self.port}"  # cookies ignore ports: two studios must not share one

    def check(self, scope: dict) -> str | None:
        """Refused, or None when the request may go on, or the address to redirect to (the token
        from the query string has just been traded for a cookie)."""
        headers = _headers(scope)
        if headers.get("host") not in {f"{name}:{self.port}" for name in LOOPBACK_NAMES}:
            raise Refused(421, "địa chỉ máy chủ không đúng; hãy mở đúng địa chỉ http://127.0.0.1:"
                               f"{self.port}/ mà lệnh 'outreach serve' đã in")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "token" in query and _same(query["token"], self.token):
            if scope["method"] in STATE_CHANGING:
                self._check_origin(headers)
            rest = urlencode({k: v for k, v in query.items() if k != "token"})
            return scope["path"] + (f"?{rest}" if rest else "")
        if not _same(_cookies(headers).get(self.cookie_name, ""), self.token):
            raise Refused(401, "thiếu mã truy cập hoặc mã đã hết hạn; hãy mở địa chỉ có '?token=…' mà lệnh "
                               "'outreach serve' đã in (mỗi lần chạy lệnh có một mã mới)")
        if scope["method"] in STATE_CHANGING:
            self._check_origin(headers)
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            raise Refused(413, "tệp gửi lên quá lớn; ảnh hoặc bản thu tối đa 10 MB")
        return None

    def _check_origin(self, headers: dict[str, str]) -> None:
        origin = headers.get("origin")
        if origin is None and "referer" in headers:
            parts = urlsplit(headers["referer"])
            origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.origins:
            raise Refused(403, "yêu cầu này không đến từ trang của xưởng soạn thảo nên bị từ chối; hãy thao tác "
                               "ngay trên trang của xưởng")

    def cookie_header(self) -> tuple[bytes, bytes]:
        return (b"set-cookie", f"{self.cookie_name}={self.token}; HttpOnly; SameSite=Strict; Path=/".encode())


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _headers(scope: dict) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is simply no cookie
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


class GuardMiddleware:
    """ASGI middleware: every HTTP request passes `guard` or gets `refusal(status, message)`; the
    body is counted as it arrives, so a client that lies about its length is cut off too."""

    def __init__(self, app, guard: Gate, refusal: Callable[[int, str], bytes]):
        self.app, self.guard, self.refusal = app, guard, refusal

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            redirect = self.guard.check(scope)
        except Refused as exc:
            await self._refuse(send, exc)
            return
        if redirect is not None:
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", redirect.encode()), self.guard.cookie_header()]})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, capped(receive), with_security_headers(send))

    async def _refuse(self, send: Send, exc: Refused) -> None:
        body = self.refusal(exc.status, exc.message)
        await send({"type": "http.response.start", "status": exc.status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": body})


def with_security_headers(send: Send) -> Send:
    """`send` with the security headers added to every answer that does not set them itself."""
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            given = {name for name, _ in message.get("headers", [])}
            extra = [(name, value) for name, value in SECURITY_HEADERS if name not in given]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)
    return sending


def capped(receive: Receive) -> Receive:
    """The body as it arrives, cut off past the cap (a client may send no length, or lie about it)."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > MAX_BODY_BYTES:
            raise Refused(413, "tệp gửi lên quá lớn; ảnh hoặc bản thu tối đa 10 MB")
        return message
    return counted
