"""The province server: sign-in, the admin's page, the approval routes, and every commune's studio
under /c/<commune>/ (the local studio's own app, one per commune, made on first use), all behind one
middleware that checks Host and Origin and finds the session."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import uvicorn
from anyio import to_thread
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request, cookie_parser
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Message, Receive, Scope, Send

from outreach import approvals as publication
from outreach.errors import OutreachError
from outreach.model import SLUG_PATTERN
from outreach.results import percent
from outreach.server import accounts, approvals, audit, history, overview, pageparts, queue, sessions, throttle
from outreach.server.db import Database, reachable
from outreach.server.folder import ServerFolder, Settings
from outreach.server.gate import (
    SESSION,
    USER,
    CommuneGate,
    Seen,
    Who,
    allowed_user,
    check_host,
    check_length,
    check_origin,
    headers_of,
    seen,
)
from outreach.server.prefix import Prefixed
from outreach.studio.app import STUDIO_DIR, create_app
from outreach.studio.jobs import Builds
from outreach.studio.security import Refused, capped, inside, with_security_headers

log = logging.getLogger("outreach.server")
PAGES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
TITLES = {401: "Cần đăng nhập", 403: "Không được phép", 404: "Không có trang này", 405: "Không thực hiện được",
          409: "Chưa thực hiện", 413: "Tệp quá lớn", 421: "Sai địa chỉ", 429: "Tạm khóa đăng nhập",
          500: "Có lỗi", 503: "Máy chủ chưa sẵn sàng"}


class Server:
    """What the routes share: the folder, its settings and database, the pages, the communes' studios."""

    def __init__(self, folder: ServerFolder, allowed_hosts: frozenset[str], trusted_proxies: frozenset[str]):
        self.folder = folder
        self.settings: Settings = folder.settings()
        self.database = Database(folder.database_url())
        self.allowed_hosts = allowed_hosts
        self.trusted_proxies = trusted_proxies
        self.pages = jinja2.Environment(loader=jinja2.FileSystemLoader(PAGES), autoescape=True,
                                        undefined=jinja2.StrictUndefined)
        self.states = approvals.States()
        self.studios: dict[str, Any] = {}
        self.builds: dict[str, Any] = {}  # each commune's studio builds (Builds or queue.QueuedBuilds)
        self.studios_lock = threading.Lock()
        self.queue_url = queue.redis_url(folder)  # None: builds run in this process, as the local studio's
        self.redis = queue.connect(self.queue_url) if self.queue_url else None

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("user", None)
        return HTMLResponse(self.pages.get_template(name).render(**context), status_code=status)

    def refusal(self, status: int, message: str) -> HTMLResponse:
        return self.page("error.html.j2", status, title=TITLES.get(status, "Không thực hiện được"), message=message)

    def studio(self, commune: str) -> Any:
        """The studio app of `commune`, made once (its previews and builds live as long as the server)."""
        with self.studios_lock:
            if commune not in self.studios:
                project = self.folder.project(commune)
                self.builds[commune] = (queue.QueuedBuilds(self.folder, commune, self.redis) if self.redis
                                        else Builds(project))
                app = create_app(project, CommuneGate(commune), self.builds[commune])
                self.studios[commune] = Prefixed(app, f"/c/{commune}", extra=self._studio_extras(commune))
            return self.studios[commune]

    def _studio_extras(self, commune: str) -> Callable[[Scope, bytes], bytes]:
        return lambda scope, body: pageparts.added(self.folder, self.database, self.states, commune, scope, body)

    def who(self, session_id: str) -> Who | None:
        with self.database.session.begin() as db:
            user = sessions.user_of(db, session_id, self.settings.idle_minutes)
            return Who(user.id, user.login, user.role, user.commune) if user else None


def server_of(request: Request) -> Server:
    return request.app.state.server


# --- the middleware every request goes through ------------------------------------------------------

class ServerMiddleware:
    """Host, Origin, the session; security headers on every answer; Vietnamese refusals."""

    def __init__(self, app, server: Server):
        self.app, self.server = app, server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the server has none: nothing unchecked gets through
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        view = seen(scope, self.server.trusted_proxies)
        session_id = cookie_parser(headers_of(scope).get("cookie", "")).get(sessions.COOKIE, "")
        try:
            check_host(view, self.server.allowed_hosts)
            check_origin(scope, view)
            check_length(scope)
            user = await to_thread.run_sync(self.server.who, session_id) if session_id else None
        except Refused as exc:
            await self.server.refusal(exc.status, exc.message)(scope, receive, with_security_headers(send))
            return
        except SQLAlchemyError:
            log.exception("máy chủ: cơ sở dữ liệu không trả lời")
            await self.server.refusal(503, "cơ sở dữ liệu của máy chủ đang không trả lời; chưa có gì bị mất. Hãy thử "
                                           "lại sau ít phút; nếu vẫn vậy, hãy báo quản trị của tỉnh.")(
                scope, receive, with_security_headers(send))
            return
        scope = {**scope, USER: user, SESSION: session_id, "outreach.seen": view}
        await self.app(scope, capped(receive), with_security_headers(send))


def _seen(request: Request) -> Seen:
    return request.scope["outreach.seen"]


def _user(request: Request) -> Who | None:
    return request.scope.get(USER)


# --- sign-in ----------------------------------------------------------------------------------------

async def home(request: Request) -> Response:
    user = _user(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/admin" if user.role == "admin" else f"/c/{user.commune}/", status_code=303)


async def login_page(request: Request) -> Response:
    return server_of(request).page("login.html.j2", next=_next(request.query_params.get("next", "")), login="",
                                   message="")


async def login(request: Request) -> Response:
    server = server_of(request)
    form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
    name, password = str(form.get("login", "")).strip().lower()[:64], str(form.get("password", ""))
    target, address = _next(str(form.get("next", ""))), _seen(request).address
    verdict = await to_thread.run_sync(_throttled, server, name, address)
    if verdict.refused:
        return server.page("login.html.j2", 429, next=target, login=name, message=throttle.REFUSED_MESSAGE)
    await asyncio.sleep(verdict.delay)
    session_id = await to_thread.run_sync(_signed_in, server, name, password, address)
    if session_id is None:
        return server.page("login.html.j2", 401, next=target, login=name,
                           message="Sai tên đăng nhập hoặc mật khẩu (hoặc tài khoản đã bị khóa). Hãy thử lại.")
    response = RedirectResponse(target or "/", status_code=303)
    response.set_cookie(sessions.COOKIE, session_id, httponly=True, samesite="lax", path="/",
                        secure=_seen(request).scheme == "https")
    return response


def _throttled(server: Server, name: str, address: str) -> throttle.Verdict:
    with server.database.session.begin() as db:
        verdict = throttle.verdict(db, name, address)
        if verdict.refused:
            audit.record(db, audit.SIGNIN_REFUSED, name, address)
        return verdict


def _signed_in(server: Server, name: str, password: str, address: str) -> str | None:
    """A new session's id, or None (the failure is in the audit log either way)."""
    with server.database.session.begin() as db:
        user = accounts.authenticated(db, name, password)
        if user is None:
            audit.record(db, audit.SIGNIN_FAILED, name, address)
            return None
        audit.record(db, audit.SIGNIN_OK, name, address, commune=user.commune or "")
        return sessions.start(db, user)


def _next(target: str) -> str:
    """Where to go after signing in: a path of this server only (never another site)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return ""
    return target


async def logout(request: Request) -> Response:
    server = server_of(request)
    await to_thread.run_sync(_logged_out, server, request.scope[SESSION], _seen(request).address)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax",
                           secure=_seen(request).scheme == "https")
    return response


def _logged_out(server: Server, session_id: str, address: str) -> None:
    with server.database.session.begin() as db:
        user = sessions.end(db, session_id)
        if user is not None:
            audit.record(db, audit.LOGOUT, user.login, address, commune=user.commune or "")


# --- health, admin ----------------------------------------------------------------------------------

async def health(request: Request) -> Response:
    server = server_of(request)
    if not await to_thread.run_sync(reachable, server.database.engine):
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    state: dict[str, Any] = {"configured": False}
    if server.queue_url:
        state = {"configured": True, **await to_thread.run_sync(queue.health, server.queue_url)}
    ready = state.get("reachable", True)
    return JSONResponse({"status": "ok" if ready else "error", "database": server.database.engine.dialect.name,
                         "communes": len(server.folder.commune_slugs()), "queue": state},
                        status_code=200 if ready else 503)


async def admin_page(request: Request) -> Response:
    server, user = server_of(request), _user(request)
    if user is None:
        return RedirectResponse(f"/login?next={quote('/admin')}", status_code=303)
    if user.role != "admin":
        raise Refused(403, "chỉ quản trị của tỉnh mở được trang này")
    return await to_thread.run_sync(_admin_page, server, user)


def _admin_page(server: Server, user: Who) -> Response:
    communes = server.folder.commune_slugs()
    with server.database.session.begin() as db:
        approved = {commune: approvals.latest(db, commune) for commune in communes}
    guides = overview.grid({commune: server.folder.project(commune) for commune in communes}, approved)
    with server.database.session.begin() as db:
        users = accounts.all_users(db)
        recent = audit.entries(db, 50)
        return server.page("admin.html.j2", user=user, communes=communes, users=users, guides=guides,
                           recent=recent, roles=accounts.ROLE_NAMES, province=server.settings.province,
                           words=audit.WORDS, when=pageparts.when, percent=percent)


# --- approval -----------------------------------------------------------------------------------------

def _commune_user(request: Request) -> tuple[str, Who]:
    commune = request.path_params["commune"]
    user = allowed_user(request.scope, commune)
    if not server_of(request).folder.has_commune(commune):
        raise Refused(404, "không có trang này")
    return commune, user


async def guides_json(request: Request) -> Response:
    server = server_of(request)
    commune, _ = _commune_user(request)
    found = await to_thread.run_sync(_guide_states, server, commune)
    return JSONResponse({"commune": commune, "guides": [state.as_json() for state in found]})


def _guide_states(server: Server, commune: str) -> list[approvals.GuideState]:
    with server.database.session.begin() as db:
        approved = approvals.latest(db, commune)
    return server.states.of(server.folder.project(commune), approved)


async def approve(request: Request) -> Response:
    server = server_of(request)
    commune, user = _commune_user(request)
    slug = request.path_params["slug"]
    project = server.folder.project(commune)
    if not SLUG_PATTERN.match(slug) or publication.text_of(project, slug) is None:  # its own, or the library's
        raise Refused(404, f"không có hướng dẫn '{slug}'")
    if user.role != "approver":
        raise Refused(403, "chỉ lãnh đạo xã (tài khoản duyệt) được duyệt hướng dẫn")
    check_length(request.scope)
    form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
    try:
        await to_thread.run_sync(_approved, server, project, commune, slug, str(form.get("version", "")), user)
    except OutreachError as exc:
        raise Refused(409, exc.format_message()) from None
    job = _published_at_once(server, project, commune, slug)
    if job is not None:  # the approver watches the approved version go out
        return RedirectResponse(f"/c/{commune}/build/{job.number}", status_code=303)
    back = _next(str(form.get("back", "")))
    return RedirectResponse(back if back.startswith(f"/c/{commune}/") else f"/c/{commune}/?approved={slug}",
                            status_code=303)


def _approved(server: Server, project, commune: str, slug: str, version: str, user: Who) -> None:
    with server.database.session.begin() as db:
        approvals.approve(db, project, commune, slug, version, user.login)


def _published_at_once(server: Server, project, commune: str, slug: str) -> Any:
    """A version approved once its preview is built is published at once: the guide is built again
    (its preview's pages carry the mark, so they cannot just be moved into place). Not built yet: the
    next build publishes it."""
    server.studio(commune)
    builds = server.builds[commune]
    if not (project.previewing().build_dir / slug).is_dir() or builds.running() is not None:
        return None  # a build running now began before the approval: the next one publishes it
    try:
        return builds.start(slug)
    except Refused:  # the queue is unreachable (health tells the admin): the next build publishes it
        return None


# --- history ------------------------------------------------------------------------------------------

def _guide_of(request: Request) -> tuple[str, Who, str]:
    commune, user = _commune_user(request)
    slug = request.path_params["slug"]
    if not SLUG_PATTERN.match(slug) or not server_of(request).folder.project(commune).guide_path(slug).is_file():
        raise Refused(404, f"không có hướng dẫn '{slug}'")
    return commune, user, slug


async def history_page(request: Request) -> Response:
    server = server_of(request)
    commune, user, slug = _guide_of(request)
    return await to_thread.run_sync(_history_page, server, commune, user, slug)


def _history_page(server: Server, commune: str, user: Who, slug: str) -> Response:
    project = server.folder.project(commune)
    with server.database.session.begin() as db:
        history.record_changes(db, project, commune, history.OUTSIDE)  # a change made by the CLI or by hand
        versions = history.of_guide(db, commune, slug)
        approved = approvals.latest(db, commune).get(slug)
    kept = publication.stored(project, slug)  # a library guide's version covers the library's file too
    own = publication.version_of(kept.own) if kept and approved and kept.version == approved.approval.version else None
    rows = [{"row": row, "when": pageparts.when(row.saved_at), "current": index == 0,
             "changes": history.changes(versions[index + 1].text, row.text) if index + 1 < len(versions) else [],
             "approved": row.version == own}
            for index, row in enumerate(versions)]
    return server.page("history.html.j2", user=user, title=f"Lịch sử của {slug}", commune=commune, slug=slug,
                       rows=rows)


async def guide_view(request: Request) -> Response:
    """A commune's guide read-only (the admin's grid links here): each value, and whether it is the
    library's or the commune's."""
    server = server_of(request)
    commune, user = _commune_user(request)
    slug = request.path_params["slug"]
    found = await to_thread.run_sync(overview.values_of, server.folder.project(commune), slug) \
        if SLUG_PATTERN.match(slug) else None
    if found is None:
        raise Refused(404, f"không có hướng dẫn '{slug}'")
    return server.page("guide_view.html.j2", user=user, title=found.title or slug, commune=commune, slug=slug,
                       guide=found)


async def restore(request: Request) -> Response:
    server = server_of(request)
    commune, user, slug = _guide_of(request)
    check_length(request.scope)
    form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
    number = str(form.get("version_id", ""))
    if not number.isdigit():
        raise Refused(404, "không có phiên bản này của hướng dẫn")
    try:
        await to_thread.run_sync(_restored, server, commune, slug, int(number), user)
    except OutreachError as exc:
        raise Refused(404, exc.format_message()) from None
    return RedirectResponse(f"/c/{commune}/guides/{slug}/history?restored=1", status_code=303)


def _restored(server: Server, commune: str, slug: str, number: int, user: Who) -> None:
    with server.database.session.begin() as db:
        history.restore(db, server.folder.project(commune), commune, slug, number, user.login)


# --- every commune's studio -------------------------------------------------------------------------

class Communes:
    """ASGI, mounted at /c/{commune}: the commune's studio for its users (and the admin); everyone
    else gets the sign-in page (not signed in) or the same 404 as for a commune that does not exist."""

    def __init__(self, server: Server):
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        commune = scope["path_params"]["commune"]
        try:
            allowed_user(scope, commune)
            if not self.server.folder.has_commune(commune):
                raise Refused(404, "không có trang này")
        except Refused as exc:
            await self._refuse(scope, receive, send, exc)
            return
        app = await to_thread.run_sync(self.server.studio, commune)
        if scope["method"] != "POST":
            await app(scope, receive, send)
            return
        await to_thread.run_sync(self._kept, commune, scope, history.OUTSIDE)  # not this officer's doing
        await app(scope, receive, self._keeping(commune, scope, send))

    def _keeping(self, commune: str, scope: Scope, send: Send) -> Send:
        """`send`, once the officer's changes are kept: before the answer leaves, so the page it
        leads to already shows them."""
        kept = False

        async def sending(message: Message) -> None:
            nonlocal kept
            if message["type"] == "http.response.start" and not kept:
                kept = True
                await to_thread.run_sync(self._kept, commune, scope, scope[USER].login)
            await send(message)
        return sending

    def _kept(self, commune: str, scope: Scope, author: str) -> None:
        """Each guide changed since its last kept version is a version by `author`; after a build's
        POST, the build is in the audit log."""
        with self.server.database.session.begin() as db:
            history.record_changes(db, self.server.folder.project(commune), commune, author)
            approvals.mirror(db, self.server.folder.project(commune), commune)
            if author != history.OUTSIDE and scope["path"].rstrip("/") == f"/c/{commune}/build":
                audit.record(db, audit.BUILD, author, scope["outreach.seen"].address, commune=commune)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: Refused) -> None:
        if exc.status == 401 and scope["method"] == "GET":
            response: Response = RedirectResponse(f"/login?next={quote(scope['path'])}", status_code=303)
        else:
            response = self.server.refusal(exc.status, exc.message)
        await response(scope, receive, send)


# --- errors -------------------------------------------------------------------------------------------

async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return server_of(request).refusal(exc.status, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "không có trang này", 405: "trang này không nhận kiểu yêu cầu đó"}.get(exc.status_code,
                                                                                         "yêu cầu không hợp lệ")
    return server_of(request).refusal(exc.status_code, message)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("máy chủ: lỗi không mong đợi ở %s", request.url.path)
    return server_of(request).refusal(500, "có lỗi không mong đợi; chưa có gì bị mất. Hãy tải lại trang; nếu lỗi "
                                           "còn, hãy báo quản trị của tỉnh.")


async def static_file(request: Request) -> Response:
    """The server's own style, or the studio's style and script (for the sign-in and admin pages)."""
    name = request.path_params["path"]
    path = inside(STATIC, name) if name == "server.css" else inside(STUDIO_DIR / "static", name)
    if not path.is_file():
        raise Refused(404, "không có tệp này")
    return FileResponse(path, headers={"cache-control": "private, max-age=3600"})


def create_server_app(folder: ServerFolder, allowed_hosts: frozenset[str] = frozenset({"127.0.0.1", "localhost"}),
                      trusted_proxies: frozenset[str] = frozenset()) -> Any:
    server = Server(folder, allowed_hosts, trusted_proxies)
    routes = [
        Route("/", home),
        Route("/login", login_page),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/health", health),
        Route("/admin", admin_page),
        Route("/static/{path:path}", static_file),
        Route("/c/{commune}/api/guides", guides_json),
        Route("/c/{commune}/guides/{slug}/approve", approve, methods=["POST"]),
        Route("/c/{commune}/guides/{slug}/history", history_page),
        Route("/c/{commune}/guides/{slug}/view", guide_view),
        Route("/c/{commune}/guides/{slug}/restore", restore, methods=["POST"]),
        Mount("/c/{commune}", app=Communes(server)),
    ]
    app = Starlette(routes=routes, exception_handlers={Refused: _refused, HTTPException: _http_error,
                                                       Exception: _unexpected})
    app.state.server = server
    return ServerMiddleware(app, server)


def run(folder: ServerFolder, host: str, port: int, allowed_hosts: tuple[str, ...], trusted_proxies: tuple[str, ...],
        say: Callable[[str], None]) -> None:
    database = Database(folder.database_url())
    settings = folder.settings()
    database.migrate()
    with database.session.begin() as db:
        sessions.purge(db, settings.idle_minutes)
        for commune in folder.commune_slugs():  # approvals of an earlier outreach named as this one names them
            approvals.mirror(db, folder.project(commune), commune)
    database.engine.dispose()
    names = frozenset({"127.0.0.1", "localhost", *allowed_hosts} | ({host} if host not in ("0.0.0.0", "::") else set()))
    app = create_server_app(folder, names, frozenset(trusted_proxies))
    logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("outreach.builds").setLevel(logging.INFO)  # one line per build, for the journal
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off",
                            proxy_headers=False, server_header=False, timeout_graceful_shutdown=5)
    say(f"Máy chủ outreach đang chạy: http://{host}:{port}/ (các tên được nhận: {', '.join(sorted(names))}). "
        "Bấm Ctrl+C để dừng.")
    uvicorn.Server(config).run()
