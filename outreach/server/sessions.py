"""Sessions in the database: a random id in the cookie, its sha256 in the table. A session ends on
logout, after `idle_minutes` unused, and when its user is disabled; it survives a server restart."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from outreach.server.db import SignIn, User, now

COOKIE = "outreach_session"
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen is written at most this often: reading a page is no write


def _hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def start(db: Session, user: User) -> str:
    """A new session for `user`; the id to put in the cookie (shown nowhere else)."""
    session_id = secrets.token_urlsafe(32)
    db.add(SignIn(id_hash=_hashed(session_id), user_id=user.id, created_at=now(), last_seen=now()))
    return session_id


def user_of(db: Session, session_id: str, idle_minutes: int) -> User | None:
    """The user of a live session, or None (unknown, ended, idle too long, user disabled)."""
    if not session_id or len(session_id) > 128:
        return None
    row = db.execute(select(SignIn, User).join(User, User.id == SignIn.user_id)
                     .where(SignIn.id_hash == _hashed(session_id))).first()
    if row is None:
        return None
    session, user = row
    moment = now()
    if session.ended_at is not None or user.disabled:
        return None
    if moment - session.last_seen > dt.timedelta(minutes=idle_minutes):
        session.ended_at = moment
        return None
    if moment - session.last_seen > TOUCH_EVERY:
        session.last_seen = moment
    return user


def end(db: Session, session_id: str) -> User | None:
    """Log out: the session ends (its user, for the audit log)."""
    session = db.get(SignIn, _hashed(session_id)) if session_id else None
    if session is None or session.ended_at is not None:
        return None
    session.ended_at = now()
    return db.get(User, session.user_id)


KEPT_AFTER_END = dt.timedelta(days=30)


def purge(db: Session, idle_minutes: int) -> int:
    """Forget sessions ended (or idle past their end) more than a month ago; how many."""
    moment = now()
    gone = db.execute(delete(SignIn).where(or_(
        SignIn.ended_at < moment - KEPT_AFTER_END,
        SignIn.last_seen < moment - KEPT_AFTER_END - dt.timedelta(minutes=idle_minutes))))
    return int(getattr(gone, "rowcount", 0) or 0)
