"""Users and roles. Passwords are hashed with argon2id; a password is never written anywhere else,
nor logged."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.errors import OutreachError
from outreach.server import audit
from outreach.server.db import SignIn, User, now
from outreach.server.folder import MIN_PASSWORD, ROLE_NAMES, ROLES

__all__ = ["ROLE_NAMES", "ROLES"]

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# OWASP's argon2id setting (19 MiB, 2 passes, 1 lane): a guess costs an attacker as much as with
# the library's heavier default, while 20 officers signing in at once do not queue for seconds on a
# 2-core server. A stored hash made with other settings is remade at the next good sign-in.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Checked when the login is unknown, so an unknown login costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash("outreach: no such user")


def check_login(login: str) -> str:
    if not LOGIN_PATTERN.match(login):
        raise OutreachError(f"tên đăng nhập '{login}' không dùng được: 2 đến 64 ký tự, chữ thường không dấu, số, "
                            "dấu chấm, gạch dưới hoặc gạch ngang, ví dụ nguyen.van.a")
    return login


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise OutreachError(f"mật khẩu quá ngắn: cần ít nhất {MIN_PASSWORD} ký tự")
    if len(password) > 1024:
        raise OutreachError("mật khẩu quá dài: tối đa 1024 ký tự")
    return password


def check_role(role: str, commune: str | None) -> None:
    if role == "admin" and commune:
        raise OutreachError("tài khoản quản trị (admin) là của tỉnh, xem được mọi xã: bỏ --commune")
    if role != "admin" and not commune:
        raise OutreachError(f"tài khoản '{role}' phải thuộc một xã: thêm --commune TÊN_XÃ")


def add(db: Session, login: str, password: str, role: str, commune: str | None) -> User:
    check_login(login)
    check_role(role, commune)
    if find(db, login) is not None:
        raise OutreachError(f"đã có tài khoản '{login}'; đổi mật khẩu bằng 'outreach server reset-password'")
    user = User(login=login, password_hash=HASHER.hash(check_password(password)), role=role, commune=commune,
                disabled=False, created_at=now())
    db.add(user)
    audit.record(db, audit.USER_ADDED, login, commune=commune or "", detail=role)
    return user


def find(db: Session, login: str) -> User | None:
    return db.scalar(select(User).where(User.login == login))


def existing(db: Session, login: str) -> User:
    user = find(db, login)
    if user is None:
        raise OutreachError(f"không có tài khoản '{login}'; xem danh sách bằng 'outreach server list-users'")
    return user


def disable(db: Session, login: str) -> None:
    """The user can no longer sign in, and every session they have ends now."""
    user = existing(db, login)
    user.disabled = True
    for session in db.scalars(select(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))):
        session.ended_at = now()
    audit.record(db, audit.USER_DISABLED, login, commune=user.commune or "")


def reset_password(db: Session, login: str, password: str) -> None:
    user = existing(db, login)
    user.password_hash = HASHER.hash(check_password(password))
    audit.record(db, audit.PASSWORD_RESET, login, commune=user.commune or "")


def all_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.commune, User.login)))


def authenticated(db: Session, login: str, password: str) -> User | None:
    """The user when the password is theirs and they are not disabled; None otherwise."""
    user = find(db, login)
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return user


def may_open(user: User, commune: str) -> bool:
    """An admin opens every commune; anyone else only their own."""
    return user.role == "admin" or user.commune == commune
