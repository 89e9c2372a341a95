"""The server's own parts on a commune's studio pages: who is signed in and the sign-out button in
the header; on the guides page, each guide's approval ("chờ duyệt" or "đã duyệt bởi … lúc …") and,
for an approver, the button that approves the version shown."""

from __future__ import annotations

import datetime as dt
import re

from markupsafe import escape
from starlette.types import Scope

from outreach import approvals as publication
from outreach.server import approvals
from outreach.server.accounts import ROLE_NAMES
from outreach.server.db import Database
from outreach.server.folder import ServerFolder
from outreach.server.gate import USER, Who

VIETNAM = dt.timezone(dt.timedelta(hours=7))


def added(folder: ServerFolder, database: Database, states: approvals.States, commune: str, scope: Scope,
          body: bytes) -> bytes:
    user: Who | None = scope.get(USER)
    if user is None:
        return body
    body = body.replace(b"</head>", b'<link rel="stylesheet" href="/static/server.css">\n</head>', 1)
    body = body.replace(b"</nav>", b"</nav>" + _signed_in(user), 1)
    if scope["path"].rstrip("/") == f"/c/{commune}" and scope["method"] == "GET":
        body = _with_approvals(folder, database, states, commune, user, body)
    guide = re.fullmatch(rf"/c/{re.escape(commune)}/guides/([a-z0-9][a-z0-9-]*)", scope["path"])
    text = publication.text_of(folder.project(commune), guide.group(1)) if guide else None
    if guide is not None and text is not None:
        body = body.replace(b"<main>", b"<main>" + _guide_box(database, commune, guide.group(1), text.version,
                                                              user).encode(), 1)
    return body


def _guide_box(database: Database, commune: str, slug: str, version: str, user: Who) -> str:
    """On a guide's page: whether the saved version is approved, the approver's button, its history."""
    with database.session.begin() as db:
        approved = approvals.latest(db, commune).get(slug)
    state = _approval(commune, slug, version, approved, user, back=f"/c/{commune}/guides/{slug}")
    return (f'<div class="approval-box">Bản đã lưu: {state.removeprefix("<br>")} '
            f'<a href="/c/{commune}/guides/{slug}/history">Lịch sử sửa đổi và bản đã duyệt</a></div>')


def _signed_in(user: Who) -> bytes:
    admin = ' <a href="/admin">Quản trị</a>' if user.role == "admin" else ""
    return (f'<span class="signed-in">{escape(user.login)} ({ROLE_NAMES[user.role]}){admin}</span>'
            '<form class="logout" method="post" action="/logout"><button type="submit" class="quiet">Đăng xuất'
            '</button></form>').encode()


def _with_approvals(folder: ServerFolder, database: Database, states: approvals.States, commune: str, user: Who,
                    body: bytes) -> bytes:
    with database.session.begin() as db:
        approved = approvals.latest(db, commune)
    for state in states.of(folder.project(commune), approved):
        marker = f'<small class="slug">{state.slug}.yaml</small>'.encode()
        body = body.replace(marker, marker + _approval(commune, state.slug, state.version, approved.get(state.slug),
                                                       user).encode(), 1)
    return body


def _approval(commune: str, slug: str, version: str, approved: approvals.Approved | None, user: Who,
              back: str = "") -> str:
    if approved is not None and approvals.is_current(approved, version):
        return (f'<br><span class="approval ok">đã duyệt bởi {escape(approved.approval.approved_by)} lúc '
                f'{when(approved.approval.approved_at)}</span>')
    button = ""
    if user.role == "approver":
        button = (f'<form class="approve" method="post" action="/c/{commune}/guides/{slug}/approve">'
                  f'<input type="hidden" name="version" value="{version}">'
                  f'<input type="hidden" name="back" value="{back}">'
                  '<button type="submit">Duyệt bản này</button></form>')
    earlier = " (bản mới, chưa duyệt; bản trước đã duyệt)" if approved is not None else ""
    return f'<br><span class="approval waiting">chờ duyệt{earlier}</span>{button}'


def when(moment: dt.datetime) -> str:
    """A stored UTC time as an officer reads it: Vietnam's time, day first."""
    return moment.replace(tzinfo=dt.UTC).astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")
