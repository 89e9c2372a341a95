"""Guessing passwords made slow, then refused: counted from the audit log's failed sign-ins of the
last WINDOW, per login and per address, so the count survives a restart and holds across workers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from outreach.server import audit
from outreach.server.db import AuditEntry, now

WINDOW = dt.timedelta(minutes=15)
SLOW_AFTER = 3        # failures before each further try waits
REFUSE_AFTER = 8      # failures of one login before sign-in is refused for the rest of the window
REFUSE_ADDRESS = 30   # from one address (a commune office shares one)
MAX_DELAY = 4.0


@dataclass(frozen=True)
class Verdict:
    delay: float          # seconds to wait before answering
    refused: bool


def verdict(db: Session, login: str, address: str) -> Verdict:
    since = now() - WINDOW
    last_ok = audit.last_success(db, login)
    by_login = audit.failures_since(db, max(since, last_ok) if last_ok else since, AuditEntry.login == login)
    by_address = audit.failures_since(db, since, AuditEntry.address == address)  # never reset: any login counts
    if by_login >= REFUSE_AFTER or by_address >= REFUSE_ADDRESS:
        return Verdict(0.0, True)
    worst = max(by_login, by_address * REFUSE_AFTER // REFUSE_ADDRESS)
    return Verdict(min(0.25 * (worst - SLOW_AFTER + 1), MAX_DELAY) if worst >= SLOW_AFTER else 0.0, False)


REFUSED_MESSAGE = ("Đăng nhập sai quá nhiều lần nên tạm bị khóa 15 phút. Hãy đợi rồi thử lại; nếu quên mật khẩu, "
                   "hãy nhờ quản trị của tỉnh đặt lại.")
