"""What every request to the province server must show: a Host it was told to answer to, an Origin
of its own on anything that changes something, and, for a commune's pages, a live session of a user
of that commune (or an admin). Behind a reverse proxy, X-Forwarded-Proto/Host/For are believed only
from the addresses given as trusted proxies."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import Scope

from outreach.server.accounts import may_open
from outreach.studio.security import MAX_BODY_BYTES, STATE_CHANGING, Refused

USER = "outreach.user"          # the scope key of the signed-in user (a Who), set by the server's middleware
SESSION = "outreach.session"    # and of the session id from the cookie


@dataclass(frozen=True)
class Who:
    """The signed-in user, as the request handlers see them (no database object leaves its session)."""

    id: int
    login: str
    role: str
    commune: str | None


@dataclass(frozen=True)
class Seen:
    """The request as the browser made it: scheme and host it typed, and its address."""

    scheme: str
    host: str
    address: str


def headers_of(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def seen(scope: Scope, trusted_proxies: frozenset[str]) -> Seen:
    headers = headers_of(scope)
    client = (scope.get("client") or ("", 0))[0]
    seen_direct = Seen(scope.get("scheme", "http"), headers.get("host", ""), client)
    if client not in trusted_proxies:
        return seen_direct
    forwarded_for = headers.get("x-forwarded-for", "").split(",")[-1].strip()
    return Seen(headers.get("x-forwarded-proto", seen_direct.scheme).split(",")[0].strip(),
                headers.get("x-forwarded-host", seen_direct.host).split(",")[0].strip(),
                forwarded_for or client)


def check_host(view: Seen, allowed: frozenset[str]) -> None:
    name = urlsplit(f"//{view.host}").hostname or ""
    if name not in allowed:
        raise Refused(421, f"máy chủ không phục vụ tên '{name}'; hãy mở đúng địa chỉ mà quản trị của tỉnh đã cho "
                           "(quản trị: thêm tên này bằng --allowed-host)")


def check_origin(scope: Scope, view: Seen) -> None:
    """A request that changes something must come from a page of this server (CSRF)."""
    if scope["method"] not in STATE_CHANGING:
        return
    headers = headers_of(scope)
    origin = headers.get("origin")
    if origin is None and "referer" in headers:
        parts = urlsplit(headers["referer"])
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin != f"{view.scheme}://{view.host}":
        raise Refused(403, "yêu cầu này không đến từ trang của máy chủ nên bị từ chối; hãy thao tác ngay trên trang")


def check_length(scope: Scope) -> None:
    length = headers_of(scope).get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        raise Refused(413, "tệp gửi lên quá lớn; ảnh hoặc bản thu tối đa 10 MB")


def allowed_user(scope: Scope, commune: str) -> Who:
    """The signed-in user when they may open `commune`; otherwise Refused, the same 404 whether the
    commune exists or not, so nobody learns another commune's name by trying."""
    user = scope.get(USER)
    if user is None:
        raise Refused(401, "hãy đăng nhập trước")
    if not may_open(user, commune):
        raise Refused(404, "không có trang này")
    return user


@dataclass(frozen=True)
class CommuneGate:
    """The studio's gate in server mode (outreach.studio.security.Gate): the session and the commune
    replace the token; Host and Origin were checked by the server's middleware already."""

    commune: str

    def check(self, scope: Scope) -> str | None:
        allowed_user(scope, self.commune)
        check_length(scope)
        return None

    def cookie_header(self) -> tuple[bytes, bytes]:  # never asked: check() never redirects
        return (b"x-outreach-gate", b"session")
