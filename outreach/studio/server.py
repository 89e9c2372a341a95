"""Starting the studio: a free port on the loopback address, a fresh token, the browser, uvicorn."""

from __future__ import annotations

import contextlib
import socket
import threading
import webbrowser
from collections.abc import Callable

import uvicorn

from outreach.errors import OutreachError
from outreach.project import Project
from outreach.studio.app import create_app
from outreach.studio.connections import GuardedH11Protocol
from outreach.studio.security import LOOPBACK_NAMES, Guard, new_token

PORTS_TRIED = 50  # from the asked port upwards, when it is taken


def check_host(host: str) -> None:
    if host not in LOOPBACK_NAMES:
        raise OutreachError(f"không mở xưởng trên địa chỉ '{host}': xưởng chỉ chạy trên chính máy này (127.0.0.1), "
                            "vì ai vào được địa chỉ đó đều sửa được hướng dẫn của xã; hãy bỏ --host hoặc dùng "
                            "--host 127.0.0.1")


def bound_socket(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 at `port` or the next free one."""
    for candidate in range(port, min(port + PORTS_TRIED, 65536)):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", candidate))
        except OSError:
            sock.close()
            continue
        sock.listen(64)
        return sock
    raise OutreachError(f"không có cổng trống từ {port} đến {port + PORTS_TRIED - 1}; hãy chọn cổng khác bằng --port")


def make_server(project: Project, sock: socket.socket, token: str | None = None) -> tuple[uvicorn.Server, str]:
    """The server (not started) and the address with its token."""
    port = sock.getsockname()[1]
    guard = Guard(port, token or new_token())
    config = uvicorn.Config(create_app(project, guard), log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2, http=GuardedH11Protocol)
    return uvicorn.Server(config), f"http://127.0.0.1:{port}/?token={guard.token}"


def serve(project: Project, port: int, host: str, open_browser: bool, say: Callable[[str], None]) -> None:
    check_host(host)
    if not project.content_dir.is_dir():
        raise OutreachError(f"{project.root} không phải thư mục dự án (không có content/); hãy chạy lệnh trong thư "
                            "mục dự án, hoặc tạo dự án bằng 'outreach init'")
    sock = bound_socket(port)
    server, address = make_server(project, sock)
    say(address)  # the first line: what to open (scripts and officers read it)
    say(f"Xưởng soạn hướng dẫn đang chạy cho {project.root}. Mở địa chỉ trên trong trình duyệt. "
        "Bấm Ctrl+C để dừng.")
    if open_browser:
        threading.Timer(0.5, _open, args=(address,)).start()
    server.run(sockets=[sock])
    say("Đã dừng xưởng soạn hướng dẫn.")


def _open(address: str) -> None:
    with contextlib.suppress(webbrowser.Error):  # no browser here: the address is printed
        webbrowser.open(address)
