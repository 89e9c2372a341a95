"""A real, throw-away PostgreSQL for the server's tests: Debian's `postgresql` binaries, a cluster
made by initdb in a temp folder, started by pg_ctl on a free port of 127.0.0.1 (no Unix socket
outside the folder), run as the `postgres` system user since PostgreSQL refuses to run as root, and
stopped at the end."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl (/usr/lib/postgresql/<version>/bin), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the postgres user when we are root (PostgreSQL refuses root); as ourselves otherwise."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def cluster() -> Iterator[str]:
    """A running cluster; yields the base URL (postgresql+psycopg://postgres@127.0.0.1:PORT)."""
    bin_dir = binaries()
    assert bin_dir is not None, "apt-get install postgresql (make system does)"
    folder = Path(tempfile.mkdtemp(prefix="outreach-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                 "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} -c fsync=off"
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                                 str(folder / "log"), "-w", "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def create_database(base_url: str, name: str) -> str:
    """A new empty database in the cluster; its URL."""
    import psycopg

    with psycopg.connect(base_url.replace("+psycopg", "") + "/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{base_url}/{name}"


def drop_database(base_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base_url.replace("+psycopg", "") + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
