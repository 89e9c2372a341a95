"""The audit log: who signed in (or failed to), out, changed a user, approved a guide, built; when,
and from where. Rows are only added, never changed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.server.db import AuditEntry, now

SIGNIN_OK, SIGNIN_FAILED, SIGNIN_REFUSED, LOGOUT = "signin_ok", "signin_failed", "signin_refused", "logout"
USER_ADDED, USER_DISABLED, PASSWORD_RESET = "user_added", "user_disabled", "password_reset"
APPROVED, BUILD = "approved", "build"
# What the admin's page calls each event.
WORDS = {SIGNIN_OK: "đăng nhập", SIGNIN_FAILED: "đăng nhập sai", SIGNIN_REFUSED: "bị chặn đăng nhập",
         LOGOUT: "đăng xuất", USER_ADDED: "thêm tài khoản", USER_DISABLED: "khóa tài khoản",
         PASSWORD_RESET: "đặt lại mật khẩu", APPROVED: "duyệt hướng dẫn", BUILD: "tạo sản phẩm"}


def record(db: Session, event: str, login: str = "", address: str = "", commune: str = "", detail: str = "") -> None:
    """Add one row (committed with the caller's transaction)."""
    db.add(AuditEntry(at=now(), event=event, login=login[:64], address=address[:64], commune=commune[:64],
                      detail=detail))


def failures_since(db: Session, since: dt.datetime, *where) -> int:
    """Failed sign-ins since `since` matching `where` (a login, an address)."""
    query = select(func.count()).select_from(AuditEntry).where(AuditEntry.event == SIGNIN_FAILED,
                                                                 AuditEntry.at >= since, *where)
    return int(db.scalar(query) or 0)


def last_success(db: Session, login: str) -> dt.datetime | None:
    """The last good sign-in of this login: its failures before it no longer count."""
    return db.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.event == SIGNIN_OK, AuditEntry.login == login))


def entries(db: Session, limit: int = 200) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
