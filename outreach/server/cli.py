"""`outreach server …`: make a server folder, its communes and users, and run it. Passwords are read
from standard input (or typed, hidden), never from the command line, which other users of the
machine and the shell's history can read."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from outreach.clitext import Group
from outreach.errors import OutreachError
from outreach.server.folder import MIN_PASSWORD, ROLE_NAMES, ROLES, ServerFolder, Settings
from outreach.verbosity import tell, verbosity_options

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FOLDER = click.argument("directory", metavar="THƯ_MỤC", type=click.Path(file_okay=False, path_type=Path))


@click.group(cls=Group, help="Máy chủ của tỉnh: mọi xã trên một máy, cán bộ đăng nhập bằng trình duyệt.")
@verbosity_options
def server() -> None:
    pass


@contextlib.contextmanager
def _database(directory: Path) -> Iterator[tuple[ServerFolder, Session]]:
    """The folder (checked), its database brought up to date, one transaction committed at the end."""
    from outreach.server.db import Database  # here: `outreach --help` does not load SQLAlchemy

    folder = ServerFolder(directory.resolve())
    folder.settings()
    database = Database(folder.database_url())
    database.migrate()
    try:
        with database.session.begin() as db:
            yield folder, db
    finally:
        database.engine.dispose()


@server.command(help="Tạo thư mục máy chủ: tệp cài đặt, cơ sở dữ liệu, library/ và communes/.")
@FOLDER
@click.option("--province", default="", metavar="TÊN_TỈNH", help="Tên tỉnh, ví dụ \"tỉnh Đồng Nai\".")
@verbosity_options
def init(directory: Path, province: str) -> None:
    folder = ServerFolder(directory.resolve())
    if folder.settings_path.exists():
        raise OutreachError(f"{folder.root} đã là thư mục máy chủ (có {folder.settings_path.name})")
    for path in (folder.root, folder.library, folder.communes):
        path.mkdir(parents=True, exist_ok=True)
    folder.write_settings(Settings(province=province.strip()))
    copied = folder.start_library()
    with _database(directory):
        pass
    tell(f"Đã tạo thư mục máy chủ {folder.root}, với thư viện của tỉnh gồm {copied} hướng dẫn chép từ thư viện có "
         f"sẵn ({folder.library / 'guides'}): mọi xã thêm vào đều theo thư viện này; sửa một tệp ở đó là mọi xã "
         f"nhận. Tiếp theo: 'outreach server add-commune {directory} TÊN_XÃ --name \"xã …\"', rồi "
         "'outreach server add-user'.")


@server.command("add-commune", help="Thêm một xã: thư mục dự án communes/TÊN_XÃ như 'outreach init' tạo.")
@FOLDER
@click.argument("slug", metavar="TÊN_XÃ")
@click.option("--name", required=True, metavar="TÊN", help="Tên xã như in trên giấy, ví dụ \"xã An Viễn\".")
@verbosity_options
def add_commune(directory: Path, slug: str, name: str) -> None:
    from outreach.server import communes

    folder = ServerFolder(directory.resolve())
    project, report = communes.add(folder, slug, name, folder.settings().province)
    tell(f"Đã thêm {name} ({project.root}); đã tạo {len(report.built)} tệp của hướng dẫn mẫu. Cán bộ của xã "
               f"sửa content/commune.yaml ở trang «Thông tin của xã» sau khi đăng nhập.")


@server.command("add-user", help="Thêm tài khoản; mật khẩu đọc từ đầu vào chuẩn (--password-stdin) hoặc gõ ẩn.")
@FOLDER
@click.argument("login", metavar="TÊN_ĐĂNG_NHẬP")
@click.option("--role", required=True, type=click.Choice(ROLES),
              help="admin: quản trị của tỉnh; editor: soạn thảo; approver: lãnh đạo xã, duyệt bản phát.")
@click.option("--commune", metavar="TÊN_XÃ", help="Xã của tài khoản (mọi vai trò trừ admin).")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ dòng đầu của đầu vào chuẩn.")
@verbosity_options
def add_user(directory: Path, login: str, role: str, commune: str | None, password_stdin: bool) -> None:
    accounts = _accounts()
    with _database(directory) as (folder, db):
        if commune is not None and not folder.has_commune(commune):
            raise OutreachError(f"không có xã '{commune}'; thêm bằng 'outreach server add-commune'")
        accounts.add(db, login, _password(password_stdin), role, commune)
    tell(f"Đã thêm tài khoản {login} ({ROLE_NAMES[role]}{f', {commune}' if commune else ''}).")


@server.command("disable-user", help="Khóa một tài khoản: không đăng nhập được nữa, mọi phiên đang mở kết thúc.")
@FOLDER
@click.argument("login", metavar="TÊN_ĐĂNG_NHẬP")
@verbosity_options
def disable_user(directory: Path, login: str) -> None:
    with _database(directory) as (_, db):
        _accounts().disable(db, login)
    tell(f"Đã khóa tài khoản {login}; mọi phiên đăng nhập của tài khoản này đã kết thúc.")


@server.command("reset-password", help="Đặt mật khẩu mới cho một tài khoản.")
@FOLDER
@click.argument("login", metavar="TÊN_ĐĂNG_NHẬP")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ dòng đầu của đầu vào chuẩn.")
@verbosity_options
def reset_password(directory: Path, login: str, password_stdin: bool) -> None:
    with _database(directory) as (_, db):
        _accounts().reset_password(db, login, _password(password_stdin))
    tell(f"Đã đặt mật khẩu mới cho {login}.")


@server.command("list-users", help="Liệt kê các tài khoản: tên, vai trò, xã, còn dùng hay đã khóa.")
@FOLDER
@verbosity_options
def list_users(directory: Path) -> None:
    with _database(directory) as (_, db):
        for user in _accounts().all_users(db):
            state = "đã khóa" if user.disabled else "đang dùng"
            click.echo(f"{user.login:<24} {user.role:<9} {user.commune or '(mọi xã)':<24} {state}")


@server.command(help="Chạy máy chủ: mọi xã, tại /c/TÊN_XÃ/ sau khi đăng nhập.")
@FOLDER
@click.option("--host", default="127.0.0.1", metavar="ĐỊA_CHỈ", help="Địa chỉ để nghe (mặc định 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, metavar="CỔNG", help="Cổng (mặc định 8080).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="TÊN",
              help="Tên máy mà trình duyệt dùng để mở máy chủ (ví dụ outreach.dongnai.gov.vn); lặp lại được.")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="ĐỊA_CHỈ",
              help="Địa chỉ của reverse proxy; chỉ tin X-Forwarded-Proto/Host/For từ địa chỉ này.")
@verbosity_options
def run(directory: Path, host: str, port: int, allowed_hosts: tuple[str, ...],
        trusted_proxies: tuple[str, ...]) -> None:
    from outreach.server import app  # here: the other commands do not load the web stack

    app.run(ServerFolder(directory.resolve()), host, port, allowed_hosts, trusted_proxies, say=click.echo)


@server.command(help="Chạy một máy tạo tệp: nhận việc tạo của các xã từ hàng đợi (Redis) và tạo trong THƯ_MỤC "
                     "(máy khác dùng chung thư mục máy chủ cũng chạy được).")
@FOLDER
@click.option("--heartbeat", type=click.IntRange(1, 300), default=10, metavar="GIÂY",
              help="Mỗi bao nhiêu giây báo còn sống; việc của máy im lặng quá 3 lần như vậy được máy khác làm lại.")
@click.option("--burst", is_flag=True, help="Làm hết việc đang chờ rồi dừng (cho thử nghiệm và đo).")
@verbosity_options
def worker(directory: Path, heartbeat: int, burst: bool) -> None:
    from outreach.server import worker as workers  # here: only this command loads RQ

    workers.work(ServerFolder(directory.resolve()), heartbeat, burst)


def _accounts() -> Any:
    from outreach.server import accounts  # argon2 and SQLAlchemy: loaded by these commands only

    return accounts


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Gõ lại mật khẩu")
    if len(password) < MIN_PASSWORD:
        raise OutreachError(f"mật khẩu quá ngắn: cần ít nhất {MIN_PASSWORD} ký tự")
    return password
