"""From a library guide to a printed, approved handout (issue 21): the officer's journey on the province
server, in Debian's Chromium, timed (figures, not pass/fail).

A server folder is made as the province does (`outreach server init`: the bundled library copied into
library/; `add-commune an-vien`; an editor and an approver). Then in the browser: the editor signs in
at the library guide's address, confirms its unconfirmed facts (removes each item of «Các mục chưa xác
nhận» and saves: the commune's file gets `unconfirmed: []`), builds the guide's products; the approver
signs in and approves the version saved. Prints the seconds each step took on this machine (the
officer's reading and typing time is not in it), the server's CPU seconds, and the number of fields
the officer had to touch. Run: `.venv/bin/python scripts/bench_library_studio.py [SLUG]`."""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from outreach.products import BY_NAME

OUTREACH = str(Path(sys.executable).parent / "outreach")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PASSWORDS = {"an.bien": "mat-khau-an-bien", "an.chutich": "mat-khau-an-chu-tich"}


def outreach(*args: str, stdin: str | None = None) -> None:
    subprocess.run([OUTREACH, *args], input=stdin, text=True, check=True, capture_output=True)


def server_folder(root: Path) -> None:
    outreach("server", "init", str(root), "--province", "tỉnh Đồng Nai")
    outreach("server", "add-commune", str(root), "an-vien", "--name", "xã An Viễn")
    for login, role in (("an.bien", "editor"), ("an.chutich", "approver")):
        outreach("server", "add-user", str(root), login, "--role", role, "--commune", "an-vien", "--password-stdin",
                 stdin=PASSWORDS[login] + "\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Steps:
    """Wall seconds of each named step."""

    def __init__(self) -> None:
        self.seconds: list[tuple[str, float]] = []
        self.started = 0.0

    def __call__(self, name: str):
        steps = self

        class Timed:
            def __enter__(self):
                steps.started = time.perf_counter()

            def __exit__(self, *exc):
                steps.seconds.append((name, time.perf_counter() - steps.started))
        return Timed()


def sign_in(page, origin: str, login: str, path: str) -> None:
    page.goto(f"{origin}{path}")
    page.fill("#login", login)
    page.fill("#password", PASSWORDS[login])
    page.click("form button[type=submit]")
    page.wait_for_url(f"{origin}{path}")


def confirm_all(page) -> int:
    """Remove every unconfirmed item (each a click), then save; the number of items removed."""
    removed = 0
    while page.locator('button[value^="remove:unconfirmed."]').count():
        page.locator('button[value^="remove:unconfirmed."]').first.click()
        page.wait_for_load_state()
        removed += 1
    page.locator(".savebar button.primary").first.click()
    page.wait_for_url(re.compile(r".*\?saved=1.*"))
    return removed


def journey(origin: str, slug: str, steps: Steps) -> int:
    from playwright.sync_api import sync_playwright

    guide = f"/c/an-vien/guides/{slug}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(120_000)
        with steps("biên tập viên đăng nhập, mở hướng dẫn của thư viện"):
            sign_in(page, origin, "an.bien", guide)
        with steps("xác nhận các mục chưa xác nhận, lưu"):
            touched = confirm_all(page)
        with steps("tạo sản phẩm của hướng dẫn"):
            page.click("text=Tạo sản phẩm của hướng dẫn này")
            page.wait_for_function("() => document.getElementById('build').dataset.done === 'yes'", timeout=600_000)
        page.click("form.logout button")
        with steps("lãnh đạo xã đăng nhập và duyệt"):
            sign_in(page, origin, "an.chutich", guide)
            page.locator("form.approve button").first.click()
            page.wait_for_load_state()
            assert "đã duyệt bởi an.chutich" in page.content()
        browser.close()
    return touched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("slug", nargs="?", default="chung-thuc-ban-sao", help="the library guide to take through")
    slug = parser.parse_args().slug
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "srv"
        started = time.perf_counter()
        server_folder(root)
        setup = time.perf_counter() - started
        port = free_port()
        server = subprocess.Popen([OUTREACH, "server", "run", str(root), "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(2)
            before = cpu_seconds(server.pid)
            steps = Steps()
            touched = journey(f"http://127.0.0.1:{port}", slug, steps)
            cpu = cpu_seconds(server.pid) - before
        finally:
            server.terminate()
            server.wait(15)
        project = root / "communes" / "an-vien"
        written = yaml.safe_load((project / "content" / "guides" / f"{slug}.yaml").read_text(encoding="utf-8"))
        handout = project / "build" / slug / BY_NAME["handout"].file
        text = subprocess.run(["pdftotext", str(handout), "-"], capture_output=True, text=True, check=True).stdout
    print(f"Hướng dẫn {slug} của thư viện, xã an-vien (máy chủ: {setup:.1f} s để init + add-commune + 2 tài khoản)")
    for name, seconds in steps.seconds:
        print(f"  {name:<52} {seconds:6.1f} s")
    print(f"  {'cộng (thời gian máy, không tính lúc cán bộ đọc, gõ)':<52} {sum(s for _, s in steps.seconds):6.1f} s")
    print(f"  CPU của máy chủ: {cpu:.1f} s")
    print(f"Ô cán bộ phải chạm: {touched} (mỗi mục chưa xác nhận một lần «Xóa»), rồi «Lưu», «Tạo sản phẩm», «Duyệt»")
    print(f"Tệp của xã: {written}")
    print(f"Tờ hướng dẫn: {handout.name}, {len(text.split())} từ, "
          f"{'có' if 'CHƯA DUYỆT' in text.upper() else 'không có'} dấu «BẢN CHƯA DUYỆT»")


if __name__ == "__main__":
    main()
