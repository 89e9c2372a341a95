"""The server's tables (SQLAlchemy 2) and the engine: a SQLite file in the server folder, or the
PostgreSQL that DATABASE_URL names. The schema is made and changed only by the Alembic migrations in
migrations/, run when the folder is made and each time the server starts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from outreach.errors import OutreachError

MIGRATIONS = Path(__file__).parent / "migrations"


def now() -> dt.datetime:
    """UTC, without tzinfo: SQLite and PostgreSQL then store and compare it alike."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))               # admin | editor | approver
    commune: Mapped[str | None] = mapped_column(String(64))     # None for an admin
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class SignIn(Base):
    """A session: only the hash of its id is stored, so a copy of the database opens no session."""

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditEntry(Base):
    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, index=True)
    event: Mapped[str] = mapped_column(String(32), index=True)
    login: Mapped[str] = mapped_column(String(64), default="", index=True)
    address: Mapped[str] = mapped_column(String(64), default="", index=True)
    commune: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class Approval(Base):
    """A version of a guide (the sha256 of its file) approved by a commune's approver."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune: Mapped[str] = mapped_column(String(64), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class Version(Base):
    """A saved version of a guide: its text (so it can be shown, compared and restored), its
    sha256 (what an approval names), who saved it and when."""

    __tablename__ = "versions"
    __table_args__ = (Index("ix_versions_commune_slug", "commune", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune: Mapped[str] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    text: Mapped[str] = mapped_column(Text)


def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _sqlite_pragmas(connection, _record) -> None:
    """WAL: readers do not wait for a writer (the studio's pages while a session is touched); with
    WAL, synchronous=NORMAL still never corrupts the file (a power cut may lose the last sign-in)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (nothing to do when it is already there)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise OutreachError(f"không mở được cơ sở dữ liệu {engine.url.render_as_string(hide_password=True)}: "
                            f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from exc


def reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


class Database:
    """The engine and a session factory, for one server folder."""

    def __init__(self, url: str):
        self.engine = engine_for(url)
        self.session = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        migrate(self.engine)
