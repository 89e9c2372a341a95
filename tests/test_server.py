"""`outreach server`, used as a province would: a server folder made by the CLI, two communes and
their users, the server run as its own process (restarted in one test), spoken to over HTTP exactly
as a browser or an attacker would, against SQLite and against a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import quote, urlencode

import postgres
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, update

from outreach.cli import main
from outreach.library import BUNDLED_DIR
from outreach.server.db import AuditEntry, SignIn
from outreach.server.folder import ServerFolder

OUTREACH = str(Path(sys.executable).parent / "outreach")
PASSWORDS = {"an.bien": "mat-khau-an-bien", "an.chutich": "mat-khau-an-chu-tich", "binh.bien": "mat-khau-binh-bien",
             "tinh.admin": "mat-khau-quan-tri", "an.nghi": "mat-khau-an-nghi"}
ROLES = {"an.bien": ("editor", "an-vien"), "an.chutich": ("approver", "an-vien"), "binh.bien": ("editor", "binh-loc"),
         "tinh.admin": ("admin", None), "an.nghi": ("editor", "an-vien")}
PROXY_NAME = "outreach.example.vn"


def cli(*args: str, env: dict | None = None, password: str | None = None):
    return CliRunner().invoke(main, list(args), env=env, input=None if password is None else password + "\n",
                              catch_exceptions=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pg_cluster():
    if postgres.binaries() is None:
        pytest.skip("PostgreSQL is installed by `make system` (Debian package postgresql)")
    with postgres.cluster() as url:
        yield url


@pytest.fixture(scope="session")
def made_folder(tmp_path_factory) -> Path:
    """A server folder with two communes, made once with the CLI (the communes are files; each
    database variant below copies them)."""
    root = tmp_path_factory.mktemp("province") / "srv"
    assert cli("server", "init", str(root), "--province", "tỉnh Đồng Nai").exit_code == 0
    for slug, name in (("an-vien", "xã An Viễn"), ("binh-loc", "xã Bình Lộc")):
        result = cli("server", "add-commune", str(root), slug, "--name", name)
        assert result.exit_code == 0, result.output
    # Bình Lộc's own recordings: what another commune must never hear.
    for folder in ("dang-ky-khai-sinh", "_common"):
        take = root / "communes" / "binh-loc" / "content" / "recordings" / folder / "loi-chao.wav"
        take.parent.mkdir(parents=True, exist_ok=True)
        take.write_bytes(b"RIFF binh-loc secret take")
    return root


class Deployment:
    """A server folder on one database, its users, and the server process."""

    def __init__(self, root: Path, env: dict[str, str], kind: str):
        self.root, self.env, self.kind = root, env, kind
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [OUTREACH, "server", "run", str(self.root), "--port", str(self.port), "--allowed-host", PROXY_NAME,
             "--trusted-proxy", "127.0.0.1"], env={**os.environ, **self.env}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/api/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the server did not start: {self.process.stdout.read() if self.process.stdout else ''}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(15)
            self.process = None

    def request(self, method: str, path: str, form: dict | None = None, cookie: str = "",
                headers: dict | None = None, origin: bool = True,
                timeout: float = 30) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if method == "POST" and origin:
            sent.setdefault("Origin", f"http://{sent['Host']}")
        if cookie:
            sent["Cookie"] = f"outreach_session={cookie}"
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        text = answer.read().decode("utf-8", "replace")
        got = {name.lower(): value for name, value in answer.getheaders()}
        got["set-cookie"] = "\n".join(answer.headers.get_all("set-cookie") or [])
        connection.close()
        return answer.status, got, text

    def sign_in(self, login: str, password: str | None = None, headers: dict | None = None) -> str:
        status, got, _ = self.request("POST", "/login", {"login": login, "password": password or PASSWORDS[login]},
                                      headers=headers)
        assert status == 303, (login, status)
        return re.search(r"outreach_session=([^;]+)", got["set-cookie"]).group(1)

    def rows(self, model, *where):
        engine = create_engine(ServerFolder(self.root).database_url() if not self.env else self.env["DATABASE_URL"])
        try:
            with engine.connect() as connection:
                return list(connection.execute(select(model).where(*where)))
        finally:
            engine.dispose()

    def execute(self, statement) -> None:
        engine = create_engine(self.env.get("DATABASE_URL") or ServerFolder(self.root).database_url())
        with engine.begin() as connection:
            connection.execute(statement)
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def deployment(request, made_folder, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param) / "srv"
    shutil.copytree(made_folder, root)
    env = {}
    if request.param == "postgresql":
        env = {"DATABASE_URL": postgres.create_database(request.getfixturevalue("pg_cluster"), "outreach")}
        assert cli("server", "init", str(root / "fresh"), env=env).exit_code == 0  # the schema, by the CLI
    for login, (role, commune) in ROLES.items():
        args = ["server", "add-user", str(root), login, "--role", role, "--password-stdin"]
        result = cli(*args, *(["--commune", commune] if commune else []), env=env, password=PASSWORDS[login])
        assert result.exit_code == 0, result.output
    running = Deployment(root, env, request.param)
    running.start()
    yield running
    running.stop()


# --- the CLI ------------------------------------------------------------------------------------------

def test_init_and_add_commune_make_a_project_the_cli_works_on(made_folder):
    assert (made_folder / "outreach-server.yaml").is_file() and (made_folder / "outreach.db").is_file()
    assert (made_folder / "library").is_dir()
    project = made_folder / "communes" / "an-vien"
    commune = (project / "content" / "commune.yaml").read_text(encoding="utf-8")
    assert "name: xã An Viễn" in commune and "# Tên xã" in commune, "the name written in, the comments kept"
    assert (project / "build" / ".preview" / "dang-ky-khai-sinh" / "handout.pdf").is_file(), "built as `init` builds"
    assert not (project / "build" / "dang-ky-khai-sinh").exists(), "nothing approved yet: only the preview is built"
    assert cli("--project", str(project), "validate").exit_code == 0
    again = cli("server", "add-commune", str(made_folder), "an-vien", "--name", "xã An Viễn")
    assert again.exit_code == 1 and "đã có xã 'an-vien'" in again.output
    assert cli("server", "init", str(made_folder)).exit_code == 1


def test_users_are_added_listed_disabled_and_reset_without_a_password_on_the_command_line(tmp_path):
    root = tmp_path / "srv"
    assert cli("server", "init", str(root)).exit_code == 0
    refused = cli("server", "add-user", str(root), "x.y", "--role", "editor", "--password", "mat-khau-dai-qua")
    assert refused.exit_code == 2, "there is no way to put a password in argv"
    lonely = cli("server", "add-user", str(root), "x.y", "--role", "editor", "--password-stdin", password="a" * 12)
    assert lonely.exit_code == 1 and "--commune" in lonely.output
    short = cli("server", "add-user", str(root), "tinh", "--role", "admin", "--password-stdin", password="ngan")
    assert short.exit_code == 1 and "quá ngắn" in short.output
    assert cli("server", "add-user", str(root), "tinh", "--role", "admin", "--password-stdin",
               password="mat-khau-rat-dai").exit_code == 0
    assert cli("server", "disable-user", str(root), "tinh").exit_code == 0
    reset = cli("server", "reset-password", str(root), "tinh", "--password-stdin", password="mat-khau-moi-dai")
    assert reset.exit_code == 0
    listed = cli("server", "list-users", str(root)).output
    assert re.search(r"tinh\s+admin\s+\(mọi xã\)\s+đã khóa", listed)
    stored = (root / "outreach.db").read_bytes()
    assert b"mat-khau-rat-dai" not in stored and b"mat-khau-moi-dai" not in stored and b"$argon2id$" in stored
    assert cli("server", "disable-user", str(root), "khong-co").exit_code == 1


# --- signing in ---------------------------------------------------------------------------------------

def test_sign_in_sets_a_lax_httponly_cookie_and_opens_the_own_commune(deployment):
    status, got, _ = deployment.request("POST", "/login", {"login": "an.bien", "password": PASSWORDS["an.bien"]})
    assert status == 303
    cookie = got["set-cookie"]
    assert "HttpOnly" in cookie and re.search(r"SameSite=lax", cookie, re.I) and "Secure" not in cookie
    session = re.search(r"outreach_session=([^;]+)", cookie).group(1)
    status, got, _ = deployment.request("GET", "/", cookie=session)
    assert status == 303 and got["location"] == "/c/an-vien/"
    status, _, page = deployment.request("GET", "/c/an-vien/", cookie=session)
    assert status == 200 and "Đăng ký khai sinh" in page and 'href="/c/an-vien/guides/dang-ky-khai-sinh"' in page
    assert "an.bien" in page and 'action="/logout"' in page
    assert deployment.rows(AuditEntry, AuditEntry.event == "signin_ok", AuditEntry.login == "an.bien")


def test_over_https_behind_the_proxy_the_cookie_is_secure(deployment):
    status, got, _ = deployment.request(
        "POST", "/login", {"login": "an.bien", "password": PASSWORDS["an.bien"]},
        headers={"Host": "127.0.0.1:8080", "X-Forwarded-Host": PROXY_NAME, "X-Forwarded-Proto": "https",
                 "Origin": f"https://{PROXY_NAME}"})
    assert status == 303 and "Secure" in got["set-cookie"]


def test_not_signed_in_a_page_leads_to_the_sign_in_and_back(deployment):
    status, got, _ = deployment.request("GET", "/c/an-vien/guides/dang-ky-khai-sinh")
    assert status == 303 and got["location"] == "/login?next=" + quote("/c/an-vien/guides/dang-ky-khai-sinh")
    status, _, page = deployment.request("GET", got["location"])
    assert status == 200 and "Đăng nhập" in page and 'value="/c/an-vien/guides/dang-ky-khai-sinh"' in page
    status, got, _ = deployment.request("POST", "/login", {"login": "an.bien", "password": PASSWORDS["an.bien"],
                                                           "next": "https://evil.example/"})
    assert status == 303 and got["location"] == "/", "never sent to another site after signing in"


def test_a_wrong_password_is_refused_in_vietnamese_and_logged(deployment):
    status, _, page = deployment.request("POST", "/login", {"login": "an.bien", "password": "sai-mat-khau-roi"},
                                         headers={"X-Forwarded-For": "10.1.1.1"})
    assert status == 401 and "Sai tên đăng nhập hoặc mật khẩu" in page and "Traceback" not in page
    failed = deployment.rows(AuditEntry, AuditEntry.event == "signin_failed", AuditEntry.login == "an.bien")
    assert failed and failed[-1].address == "10.1.1.1"


def test_repeated_failures_are_slowed_then_refused_with_429(deployment):
    address = {"X-Forwarded-For": "10.2.2.2"}
    times, statuses = [], []
    for _ in range(9):
        started = time.monotonic()
        statuses.append(deployment.request("POST", "/login", {"login": "an.nghi", "password": "doan-mo-mat-khau"},
                                           headers=address)[0])
        times.append(time.monotonic() - started)
    assert statuses[:8] == [401] * 8 and statuses[8] == 429
    assert times[7] > times[0] + 0.5, "the later tries wait"
    status, _, page = deployment.request("POST", "/login", {"login": "an.nghi", "password": PASSWORDS["an.nghi"]},
                                         headers=address)
    assert status == 429 and "tạm bị khóa 15 phút" in page, "refused even with the right password, for a while"
    assert deployment.rows(AuditEntry, AuditEntry.event == "signin_refused", AuditEntry.login == "an.nghi")


def test_logout_ends_the_session(deployment):
    session = deployment.sign_in("an.bien")
    assert deployment.request("GET", "/c/an-vien/", cookie=session)[0] == 200
    status, got, _ = deployment.request("POST", "/logout", cookie=session)
    assert status == 303 and got["location"] == "/login"
    assert deployment.request("GET", "/c/an-vien/", cookie=session)[0] == 303
    assert deployment.rows(AuditEntry, AuditEntry.event == "logout", AuditEntry.login == "an.bien")


def test_an_idle_session_ends(deployment):
    session = deployment.sign_in("an.bien")
    digest = hashlib.sha256(session.encode()).hexdigest()
    two_days_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=2)
    deployment.execute(update(SignIn).where(SignIn.id_hash == digest).values(last_seen=two_days_ago))
    status, got, _ = deployment.request("GET", "/c/an-vien/", cookie=session)
    assert status == 303 and got["location"].startswith("/login")


def test_a_disabled_user_is_signed_out_at_once(deployment):
    result = cli("server", "add-user", str(deployment.root), "an.tam", "--role", "editor", "--commune", "an-vien",
                 "--password-stdin", env=deployment.env, password="mat-khau-tam-thoi")
    assert result.exit_code == 0
    session = deployment.sign_in("an.tam", "mat-khau-tam-thoi")
    assert deployment.request("GET", "/c/an-vien/", cookie=session)[0] == 200
    assert cli("server", "disable-user", str(deployment.root), "an.tam", env=deployment.env).exit_code == 0
    assert deployment.request("GET", "/c/an-vien/", cookie=session)[0] == 303
    assert deployment.request("POST", "/login", {"login": "an.tam", "password": "mat-khau-tam-thoi"})[0] == 401


def test_a_session_survives_a_restart_of_the_server(deployment):
    session = deployment.sign_in("an.bien")
    deployment.stop()
    deployment.start()
    status, _, page = deployment.request("GET", "/c/an-vien/guides/dang-ky-khai-sinh", cookie=session)
    assert status == 200 and "Đăng ký khai sinh" in page


# --- what every request must show ---------------------------------------------------------------------

def test_host_and_origin_are_checked(deployment):
    session = deployment.sign_in("an.bien")
    status, _, page = deployment.request("GET", "/c/an-vien/", cookie=session, headers={"Host": "evil.example"})
    assert status == 421 and "--allowed-host" in page
    assert deployment.request("GET", "/login", headers={"Host": f"{PROXY_NAME}"})[0] == 200
    status, _, page = deployment.request("POST", "/c/an-vien/guides", {"title": "Thủ tục lạ"}, cookie=session,
                                         headers={"Origin": "http://evil.example"})
    assert status == 403 and "không đến từ trang của máy chủ" in page
    assert deployment.request("POST", "/logout", cookie=session, origin=False)[0] == 403
    assert not (deployment.root / "communes" / "an-vien" / "content" / "guides" / "thu-tuc-la.yaml").exists()


def test_a_body_over_the_cap_is_refused_before_it_is_read(deployment):
    status, _, page = deployment.request("POST", "/login", headers={"Content-Length": str(20 * 1024 * 1024)})
    assert status == 413 and "tối đa 10 MB" in page


def test_errors_are_vietnamese_pages_without_tracebacks(deployment):
    status, _, page = deployment.request("GET", "/khong-co-trang-nay")
    assert status == 404 and "Không có trang này" in page and "Traceback" not in page
    status, _, page = deployment.request("GET", "/logout")
    assert status == 405 and "không nhận kiểu yêu cầu" in page


def test_health_says_ok_with_the_database(deployment):
    status, _, body = deployment.request("GET", "/api/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert json.loads(body)["database"] == deployment.kind


def test_health_fails_when_postgresql_is_gone(pg_cluster, tmp_path):
    env = {"DATABASE_URL": postgres.create_database(pg_cluster, "health")}
    assert cli("server", "init", str(tmp_path / "srv"), env=env).exit_code == 0
    running = Deployment(tmp_path / "srv", env, "postgresql")
    running.start()
    try:
        assert running.request("GET", "/api/health")[0] == 200
        postgres.drop_database(pg_cluster, "health")
        status, _, body = running.request("GET", "/api/health")
        assert status == 503 and json.loads(body)["status"] != "ok"
        status, _, page = running.request("GET", "/c/an-vien/", cookie="mot-phien-nao-do")
        assert status == 503 and "cơ sở dữ liệu của máy chủ đang không trả lời" in page and "Traceback" not in page
    finally:
        running.stop()


# --- tenancy: every route of a commune, from the apps' own route tables -------------------------------

KNOWN_NOT_COMMUNE = {"/", "/login", "/logout", "/api/health", "/admin", "/static/{path:path}"}


def commune_routes(root: Path) -> list[tuple[str, str]]:
    """(method, path template under /c/{commune}) for every route of the server and of the studio it
    mounts; a route of the server outside /c/ must be one of KNOWN_NOT_COMMUNE, so a new route
    cannot be left out of the tenancy test."""
    from starlette.routing import Mount, Route

    from outreach.server.app import Communes, create_server_app
    from outreach.server.gate import CommuneGate
    from outreach.studio.app import create_app

    found = []
    for route in create_server_app(ServerFolder(root)).app.routes:
        if isinstance(route, Mount):
            assert route.path == "/c/{commune}" and isinstance(route.app, Communes)
            studio = create_app(ServerFolder(root).project("binh-loc"), CommuneGate("binh-loc")).app
            found += [(method, "/c/{commune}" + inner.path) for inner in studio.routes
                      for method in sorted(inner.methods - {"HEAD"})]
        elif route.path.startswith("/c/{commune}/"):
            found += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
        else:
            assert isinstance(route, Route) and route.path in KNOWN_NOT_COMMUNE, f"{route.path}: which commune's?"
    return found


def filled(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values[m.group(1)], template)


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".studio" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_a_user_of_another_commune_gets_404_and_no_data_on_every_route(deployment):
    owner, stranger = deployment.sign_in("binh.bien"), deployment.sign_in("an.bien")
    status, got, _ = deployment.request("POST", "/c/binh-loc/build", {"slug": "dang-ky-khai-sinh"}, cookie=owner)
    assert status == 303, "the owner starts a build, so its page and event stream exist"
    number = got["location"].rsplit("/", 1)[1]
    editor = deployment.request("GET", "/c/binh-loc/guides/dang-ky-khai-sinh", cookie=owner)[2]
    preview = re.search(r'/c/binh-loc/preview/dang-ky-khai-sinh/([^"?]+)', editor).group(1)
    values = {"commune": "binh-loc", "slug": "dang-ky-khai-sinh", "section": "loi-chao", "name": preview,
              "path": "index.html", "number": number}
    project = deployment.root / "communes" / "binh-loc"
    (project / "content" / "results.csv").write_text("month,code,online,total\n2026-11,1.001193,3,10\n",
                                                     encoding="utf-8")  # so the results page draws a chart
    results = deployment.request("GET", "/c/binh-loc/results", cookie=owner)[2]
    key, chart = re.search(r'/c/binh-loc/results/charts/([^/"]+)/([^"?]+)', results).groups()
    values_by_route = {"/c/{commune}/icons/{name}.svg": {**values, "name": "baby"},
                       "/c/{commune}/static/{path:path}": {**values, "path": "studio.css"},
                       "/c/{commune}/results/charts/{key}/{name}": {**values, "key": key, "name": chart}}
    before = tree_digest(project / "content")
    routes = commune_routes(deployment.root)
    assert len(routes) >= 25 and ("GET", "/c/{commune}/build/{number:int}/events") in routes
    checked = []
    for method, template in routes:
        path = filled(template, values_by_route.get(template, values))
        form = {"slug": "dang-ky-khai-sinh", "title": "Bị sửa", "text": "x", "version": "x", "base": "x"}
        status, _, body = deployment.request(method, path, form if method == "POST" else None, cookie=stranger)
        assert status == 404, (method, path, status)
        assert "Bình Lộc" not in body and "binh-loc secret" not in body and "dang-ky-khai-sinh" not in body, path
        if method == "GET":  # the same address opens for the commune's own officer: the test asked for real data
            assert deployment.request(method, path, cookie=owner)[0] == 200, path
        checked.append((method, path))
    assert tree_digest(project / "content") == before, "nothing of Bình Lộc was changed"
    assert deployment.rows(AuditEntry, AuditEntry.event == "build", AuditEntry.login == "binh.bien")
    assert any(path.endswith("/recordings/loi-chao") for _, path in checked)


def test_the_admin_sees_every_commune_and_its_page_lists_communes_and_users(deployment):
    admin, editor = deployment.sign_in("tinh.admin"), deployment.sign_in("an.bien")
    status, got, _ = deployment.request("GET", "/", cookie=admin)
    assert status == 303 and got["location"] == "/admin"
    status, _, page = deployment.request("GET", "/admin", cookie=admin)
    assert status == 200 and "an-vien" in page and "binh-loc" in page and "binh.bien" in page
    assert "duyệt (lãnh đạo xã)" in page and "<td>đăng nhập</td>" in page, "roles and the audit log in words"
    for commune in ("an-vien", "binh-loc"):
        assert deployment.request("GET", f"/c/{commune}/", cookie=admin)[0] == 200
    status, _, page = deployment.request("GET", "/admin", cookie=editor)
    assert status == 403 and "chỉ quản trị" in page and "binh.bien" not in page


def test_the_province_sees_every_communes_online_share_side_by_side(deployment):
    figures = "month,code,online,total\n2026-10,1.001193,2,10\n2026-11,1.001193,3,10\n"
    (deployment.root / "communes" / "binh-loc" / "content" / "results.csv").write_text(figures, encoding="utf-8")
    status, _, page = deployment.request("GET", "/admin", cookie=deployment.sign_in("tinh.admin"))
    row = re.search(r'<tr data-commune="binh-loc">(.*?)</tr>', page, re.S).group(1)
    assert status == 200 and "Tỉ lệ hồ sơ nộp trực tuyến của các xã" in page
    assert "T11/2026" in row and "30 %" in row and "(3/10 hồ sơ)" in row and "20 %" in row, row


# --- the province's library -------------------------------------------------------------------------

def overview_cell(page: str, slug: str, commune: str) -> str:
    row = re.search(rf'<tr id="overview-{slug}">(.*?)</tr>', page, re.S)
    assert row, slug
    cell = re.search(rf'<td class="cell (\w+)" data-commune="{commune}">(.*?)</td>', row.group(1), re.S)
    assert cell, (slug, commune)
    return " ".join([cell.group(1), *re.sub(r"<[^>]+>", " ", cell.group(2)).split()])


def test_init_gives_the_province_the_bundled_library_and_says_so(tmp_path):
    shipped = sorted(p.name for p in (BUNDLED_DIR / "guides").glob("*.yaml"))
    result = cli("server", "init", str(tmp_path / "srv"))
    assert result.exit_code == 0 and f"thư viện của tỉnh gồm {len(shipped)} hướng dẫn" in result.output
    assert sorted(p.name for p in (tmp_path / "srv" / "library" / "guides").glob("*.yaml")) == shipped


def test_every_commune_follows_the_province_library_and_the_admin_sees_each_guide_state(deployment):
    shipped = sorted(p.name for p in (BUNDLED_DIR / "guides").glob("*.yaml"))
    assert sorted(p.name for p in (deployment.root / "library" / "guides").glob("*.yaml")) == shipped
    editor, admin, stranger = (deployment.sign_in(name) for name in ("an.bien", "tinh.admin", "binh.bien"))
    status, _, page = deployment.request("GET", "/c/an-vien/", cookie=editor)
    assert status == 200 and f"{len(shipped)} hướng dẫn." in page, "the library's guides, the sample its own"
    assert 'href="/c/an-vien/guides/chung-thuc-ban-sao"' in page
    status, _, page = deployment.request("GET", "/c/an-vien/guides/chung-thuc-ban-sao", cookie=editor)
    assert status == 200 and 'id="f-fee-from">thư viện' in page
    # An Viễn changes the fee; the province changed it in the library since An Viễn last saw it; a guide it
    # changed wrongly has an error.
    content = deployment.root / "communes" / "an-vien" / "content"
    (content / "guides" / "chung-thuc-ban-sao.yaml").write_text("follows: chung-thuc-ban-sao\nfee: Hai nghìn đồng.\n",
                                                               encoding="utf-8")
    (content / "guides" / "dang-ky-khai-tu.yaml").write_text("follows: dang-ky-khai-tu\nsteps: không có\n",
                                                            encoding="utf-8")
    (content / "library-seen").mkdir(exist_ok=True)
    (content / "library-seen" / "chung-thuc-ban-sao.yaml").write_text("fee: Giá cũ của tỉnh\n", encoding="utf-8")
    status, _, page = deployment.request("GET", "/admin", cookie=admin)
    assert status == 200
    assert re.fullmatch(r"stale xã sửa 1 mục thư viện đã đổi chờ duyệt tạo: chưa tạo",
                        overview_cell(page, "chung-thuc-ban-sao", "an-vien"))
    assert overview_cell(page, "chung-thuc-ban-sao", "binh-loc").startswith("stale theo thư viện chờ duyệt")
    assert re.match(r"error xã sửa 1 mục chờ duyệt 1 lỗi", overview_cell(page, "dang-ky-khai-tu", "an-vien"))
    # Its own guide, never approved: only a preview was made, nothing is published ("chưa tạo").
    assert re.match(r"\w+ riêng của xã chờ duyệt tạo: chưa tạo", overview_cell(page, "dang-ky-khai-sinh", "binh-loc"))
    view = "/c/an-vien/guides/chung-thuc-ban-sao/view"
    assert f'href="{view}"' in page
    status, _, page = deployment.request("GET", view, cookie=admin)
    assert status == 200 and "<td>Hai nghìn đồng.</td>" in page and 'class="own">của xã' in page
    assert 'class="library">thư viện' in page and "<form" not in page.split("<main", 1)[1], "read-only"
    assert deployment.request("GET", view, cookie=stranger)[0] == 404


# --- approval -----------------------------------------------------------------------------------------

def guides_of(deployment, session: str) -> dict[str, dict]:
    status, _, body = deployment.request("GET", "/c/an-vien/api/guides", cookie=session)
    assert status == 200
    return {guide["slug"]: guide for guide in json.loads(body)["guides"]}


def test_an_approver_approves_the_version_shown_and_an_editor_cannot(deployment):
    approver, editor, admin = (deployment.sign_in(name) for name in ("an.chutich", "an.bien", "tinh.admin"))
    path = deployment.root / "communes" / "an-vien" / "content" / "guides" / "dang-ky-khai-sinh.yaml"
    guide = guides_of(deployment, editor)["dang-ky-khai-sinh"]
    assert guide["version"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert guide["title"] == "Đăng ký khai sinh" and guide["problems"] == 0 and guide["built_at"]
    assert set(guide) >= {"slug", "title", "problems", "version", "approved_version", "approved_by", "approved_at",
                          "built_at"}
    approve = "/c/an-vien/guides/dang-ky-khai-sinh/approve"
    for who in (editor, admin):
        status, _, page = deployment.request("POST", approve, {"version": guide["version"]}, cookie=who)
        assert status == 403 and "chỉ lãnh đạo xã" in page
    assert guides_of(deployment, editor)["dang-ky-khai-sinh"]["approved_version"] != guide["version"]
    status, _, page = deployment.request("POST", approve, {"version": "0" * 64}, cookie=approver)
    assert status == 409 and "đã được sửa" in page, "a version that is not the file's is not approved"
    status, got, _ = deployment.request("POST", approve, {"version": guide["version"]}, cookie=approver)
    assert status == 303
    went_out(deployment, approver, got["location"])  # its preview was built: the approval publishes it at once
    approved = guides_of(deployment, editor)["dang-ky-khai-sinh"]
    assert approved["approved_version"] == guide["version"] and approved["approved_by"] == "an.chutich"
    assert approved["approved"] and approved["approved_at"].startswith(str(dt.date.today().year))
    page = deployment.request("GET", "/c/an-vien/", cookie=editor)[2]
    assert re.search(r"đã duyệt bởi an\.chutich lúc \d\d:\d\d \d\d/\d\d/\d{4}", page)
    assert deployment.rows(AuditEntry, AuditEntry.event == "approved", AuditEntry.login == "an.chutich")
    # An officer edits the guide (here by hand: any change is a new version): approval is needed again.
    path.write_text(path.read_text(encoding="utf-8").replace("Đăng ký khai sinh", "Đăng ký khai sinh cho con", 1),
                    encoding="utf-8")
    changed = guides_of(deployment, editor)["dang-ky-khai-sinh"]
    assert not changed["approved"] and changed["approved_version"] == guide["version"]
    page = deployment.request("GET", "/c/an-vien/", cookie=approver)[2]
    assert "chờ duyệt" in page and f'name="version" value="{changed["version"]}"' in page, "the approver's button"
    assert "Duyệt bản này" not in deployment.request("GET", "/c/an-vien/", cookie=editor)[2]
    page = deployment.request("GET", "/c/an-vien/guides/dang-ky-khai-sinh", cookie=approver)[2]
    assert "chờ duyệt" in page and f'value="{changed["version"]}"' in page, "on the guide's own page too"
    back = "/c/an-vien/guides/dang-ky-khai-sinh"
    status, got, _ = deployment.request("POST", approve, {"version": changed["version"], "back": back}, cookie=approver)
    assert status == 303 and got["location"] == "/c/an-vien/guides/dang-ky-khai-sinh"
    assert "đã duyệt bởi an.chutich" in deployment.request("GET", got["location"], cookie=editor)[2]


# --- in a browser ---------------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Debian chromium is installed by `make test`")
def test_an_officer_signs_in_from_a_bookmark_and_edits_a_guide_of_their_commune(deployment, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    origin = f"http://127.0.0.1:{deployment.port}"
    path = deployment.root / "communes" / "an-vien" / "content" / "guides" / "dang-ky-khai-sinh.yaml"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{origin}/c/an-vien/guides/dang-ky-khai-sinh")  # a bookmark
        assert page.url.startswith(f"{origin}/login?next=")
        page.fill("#login", "an.bien")
        page.fill("#password", "sai-mat-khau-nhe")
        page.click("form button[type=submit]")
        assert "Sai tên đăng nhập hoặc mật khẩu" in page.inner_text(".notice.error")
        page.fill("#password", PASSWORDS["an.bien"])
        page.click("form button[type=submit]")
        page.wait_for_url(f"{origin}/c/an-vien/guides/dang-ky-khai-sinh")
        page.fill('[name="promise"]', "Khai sinh cho con ngay tại nhà, không phải xếp hàng")
        page.locator(".savebar button.primary").first.click()
        page.wait_for_url(re.compile(r".*/c/an-vien/guides/dang-ky-khai-sinh\?saved=1.*"))
        assert "promise: Khai sinh cho con ngay tại nhà, không phải xếp hàng" in path.read_text(encoding="utf-8")
        preview = page.locator(".preview img").first
        preview.wait_for()
        assert preview.get_attribute("src").startswith("/c/an-vien/preview/")
        assert preview.evaluate("img => img.complete && img.naturalWidth > 0"), "the A4 preview is shown"
        page.screenshot(path=str(tmp_path / "editor.png"))
        page.goto(f"{origin}/c/binh-loc/")
        assert "Không có trang này" in page.inner_text("main"), "another commune is not there for this officer"
        page.goto(f"{origin}/c/an-vien/")
        assert "chờ duyệt" in page.inner_text("table.guides")
        page.click("form.logout button")
        page.wait_for_url(f"{origin}/login")
        page.goto(f"{origin}/c/an-vien/")
        assert page.url.startswith(f"{origin}/login"), "signed out"
        browser.close()


# --- what is printed and aired: the approved version ---------------------------------------------------

SCHEDULE = """campaigns:
  - name: Tháng cao điểm dịch vụ công trực tuyến
    start: 01/12/2026
    end: 31/12/2026
    days: [thứ hai, thứ tư, thứ sáu]
    slots:
      - start: 06:00
        end: 06:10
        guides: [dang-ky-khai-sinh]
"""


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, as poppler reads it."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout for n in range(1, pages + 1)]


def with_fee(text: str, fee: str) -> str:
    return re.sub(r"^fee:.*\n(?:  .*\n)*", f'fee: "{fee}"\n', text, count=1, flags=re.M)


def saved(deployment, session: str, path: Path, text: str) -> None:
    """The editor's save of the guide's YAML (the studio's text editor)."""
    base = hashlib.sha256(path.read_bytes()).hexdigest()
    status, _, _ = deployment.request("POST", f"/c/an-vien/guides/{path.stem}/raw", {"text": text, "base": base},
                                      cookie=session)
    assert status == 303 and path.read_text(encoding="utf-8") == text


def approved(deployment, session: str, slug: str) -> str:
    """Where the approval leads: the guides page, or the build publishing a version already built."""
    version = guides_of(deployment, session)[slug]["version"]
    status, got, _ = deployment.request("POST", f"/c/an-vien/guides/{slug}/approve", {"version": version},
                                        cookie=session)
    assert status == 303
    if "/build/" in got["location"]:  # the approval started a build: the next step waits for it
        went_out(deployment, session, got["location"])
    return got["location"]


def went_out(deployment, session: str, location: str) -> None:
    """The build an approval started (the version was built as a preview), waited for to its end."""
    assert re.fullmatch(r"/c/an-vien/build/\d+", location), location
    events = deployment.request("GET", location + "/events", cookie=session, timeout=600)[2]
    assert '"ok": true' in events, events


def built(deployment, session: str, slug: str) -> None:
    """A build started in the studio, waited for through its event stream (which ends with it)."""
    status, got, _ = deployment.request("POST", "/c/an-vien/build", {"slug": slug}, cookie=session)
    assert status == 303
    events = deployment.request("GET", got["location"] + "/events", cookie=session, timeout=600)[2]
    assert '"ok": true' in events, events


def test_what_is_printed_and_aired_is_the_approved_version_and_a_newer_one_a_marked_preview(deployment):
    editor, approver = deployment.sign_in("an.bien"), deployment.sign_in("an.chutich")
    project = deployment.root / "communes" / "an-vien"
    path, build = project / "content" / "guides" / "dang-ky-khai-sinh.yaml", project / "build"
    (project / "content" / "schedule.yaml").write_text(SCHEDULE, encoding="utf-8")
    old = with_fee(path.read_text(encoding="utf-8"), "Lệ phí 11.000 đồng.")
    saved(deployment, editor, path, old)
    approved(deployment, approver, "dang-ky-khai-sinh")
    built(deployment, editor, "dang-ky-khai-sinh")
    assert "11.000" in pdf_pages(build / "dang-ky-khai-sinh" / "handout.pdf")[0]
    saved(deployment, editor, path, with_fee(old, "Lệ phí 22.000 đồng."))  # the editor changes the fee, and builds
    built(deployment, editor, "dang-ky-khai-sinh")
    [published] = pdf_pages(build / "dang-ky-khai-sinh" / "handout.pdf")
    assert "11.000" in published and "22.000" not in published and "CHƯA DUYỆT" not in published
    preview = build / ".preview" / "dang-ky-khai-sinh"
    assert "22.000" in pdf_pages(preview / "handout.pdf")[0]
    for pdf in preview.glob("*.pdf"):  # the handout, large print, poster and facilitator's sheet
        assert all("BẢN CHƯA DUYỆT" in page for page in pdf_pages(pdf)), pdf.name
    assert not (preview / "share").exists(), "nothing to forward is made of an unapproved version"
    playlist = (build / "schedule" / "01-0600.m3u").read_text(encoding="utf-8")
    assert "../dang-ky-khai-sinh/broadcast.mp3" in playlist and ".preview" not in playlist
    assert "11.000" in (build / "dang-ky-khai-sinh" / "broadcast.txt").read_text(encoding="utf-8"), "what is aired"
    joined = "".join(pdf_pages(build / "handouts.pdf"))
    assert "11.000" in joined and "22.000" not in joined and "CHƯA DUYỆT" not in joined
    with zipfile.ZipFile(build / "dang-ky-khai-sinh" / "share" / "dang-ky-khai-sinh.zip") as bundle:
        assert not [name for name in bundle.namelist() if "preview" in name]
    state = guides_of(deployment, editor)["dang-ky-khai-sinh"]
    assert not state["approved"] and state["built_at"]
    spoken = hashlib.sha256((preview / "broadcast.mp3").read_bytes()).hexdigest()
    went_out(deployment, approver, approved(deployment, approver, "dang-ky-khai-sinh"))  # built: out at once
    [published] = pdf_pages(build / "dang-ky-khai-sinh" / "handout.pdf")
    assert "22.000" in published and "11.000" not in published and "CHƯA DUYỆT" not in published
    assert "22.000" in (build / "dang-ky-khai-sinh" / "broadcast.txt").read_text(encoding="utf-8")
    assert hashlib.sha256((build / "dang-ky-khai-sinh" / "broadcast.mp3").read_bytes()).hexdigest() == spoken, \
        "the preview's bulletin was moved into place, not spoken again"
    assert "22.000" in "".join(pdf_pages(build / "handouts.pdf"))
    assert not preview.exists(), "the preview of a version now approved is gone"
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))["units"]
    record = manifest["dang-ky-khai-sinh/broadcast"]["files"]["dang-ky-khai-sinh/broadcast.mp3"]
    assert record["sha256"] == spoken, "the manifest says which bulletin is in place"


def test_a_change_of_the_province_library_waits_for_the_communes_approver(deployment):
    """An Viễn follows the library's guardianship guide with no file of its own; once its approver
    approved it, the province's new fee is a new version: published only when approved again."""
    editor, approver, slug = deployment.sign_in("an.bien"), deployment.sign_in("an.chutich"), "dang-ky-giam-ho"
    library = deployment.root / "library" / "guides" / f"{slug}.yaml"
    handout = deployment.root / "communes" / "an-vien" / "build" / slug / "handout.pdf"
    preview = deployment.root / "communes" / "an-vien" / "build" / ".preview" / slug / "handout.pdf"
    approved(deployment, approver, slug)
    first = guides_of(deployment, editor)[slug]
    assert first["approved"] and first["approved_by"] == "an.chutich"
    original = library.read_text(encoding="utf-8")
    library.write_text(with_fee(original, "Lệ phí 55.000 đồng."), encoding="utf-8")
    try:
        waiting = guides_of(deployment, editor)[slug]
        assert not waiting["approved"] and waiting["version"] != first["version"]
        assert waiting["approved_version"] == first["version"]
        page = deployment.request("GET", "/c/an-vien/", cookie=approver)[2]
        assert f'name="version" value="{waiting["version"]}"' in page, "chờ duyệt, with the approver's button"
        built(deployment, editor, slug)
        published = "".join(pdf_pages(handout))
        assert "55.000" not in published and "Lệ phí theo mức thu" in published
        assert "55.000" in pdf_pages(preview)[0] and "BẢN CHƯA DUYỆT" in pdf_pages(preview)[0]
        approved(deployment, approver, slug)
        built(deployment, editor, slug)
        assert "55.000" in "".join(pdf_pages(handout)) and not preview.exists()
    finally:
        library.write_text(original, encoding="utf-8")


def test_outreach_approve_on_a_commune_folder_of_the_server_goes_into_its_database(tmp_path):
    from outreach.server.db import Approval

    root = tmp_path / "srv"
    assert cli("server", "init", str(root)).exit_code == 0
    assert cli("server", "add-commune", str(root), "an-vien", "--name", "xã An Viễn").exit_code == 0
    project = root / "communes" / "an-vien"
    assert not (project / "build" / SLUG_BORN).exists(), "on the server, nothing is published before approval"
    result = cli("--project", str(project), "approve", SLUG_BORN, "--by", "an.chutich", "--no-audio")
    assert result.exit_code == 0, result.output
    assert "BẢN CHƯA DUYỆT" not in "".join(pdf_pages(project / "build" / SLUG_BORN / "handout.pdf"))
    deployment = Deployment(root, {}, "sqlite")
    [row] = deployment.rows(Approval)
    assert (row.slug, row.approved_by) == (SLUG_BORN, "an.chutich")
    guide = project / "content" / "guides" / f"{SLUG_BORN}.yaml"
    assert row.version == hashlib.sha256(guide.read_bytes()).hexdigest()
    assert deployment.rows(AuditEntry, AuditEntry.event == "approved", AuditEntry.login == "an.chutich")


SLUG_BORN = "dang-ky-khai-sinh"


# --- history ------------------------------------------------------------------------------------------

def test_every_save_is_a_version_with_its_author_changes_in_words_and_a_restore_needs_approval_again(deployment):
    editor, approver = deployment.sign_in("an.bien"), deployment.sign_in("an.chutich")
    path = deployment.root / "communes" / "an-vien" / "content" / "guides" / "dang-ky-ket-hon.yaml"
    status, got, _ = deployment.request("POST", "/c/an-vien/guides", {"title": "Đăng ký kết hôn"}, cookie=editor)
    assert status == 303 and path.is_file()
    first = path.read_text(encoding="utf-8")
    first_version = hashlib.sha256(first.encode()).hexdigest()
    status, _, _ = deployment.request("POST", "/c/an-vien/guides/dang-ky-ket-hon/approve",
                                      {"version": first_version}, cookie=approver)
    assert status == 303
    second = first.replace("title: Đăng ký kết hôn", "title: Đăng ký kết hôn lần đầu", 1)
    status, _, _ = deployment.request("POST", "/c/an-vien/guides/dang-ky-ket-hon/raw",
                                      {"text": second, "base": first_version}, cookie=editor)
    assert status == 303 and "lần đầu" in path.read_text(encoding="utf-8")
    status, _, page = deployment.request("GET", "/c/an-vien/guides/dang-ky-ket-hon/history", cookie=editor)
    assert status == 200
    newest = page.split('<li id="v', 2)[1]
    assert "an.bien" in newest and "(bản hiện tại)" in newest
    assert "Sửa «Tên thủ tục»: «Đăng ký kết hôn» → «Đăng ký kết hôn lần đầu»" in newest
    assert page.count("Khôi phục bản này") == 1 and "đã duyệt" in page
    older = re.findall(r'name="version_id" value="(\d+)"', page)[0]
    status, _, _ = deployment.request("POST", "/c/an-vien/guides/dang-ky-ket-hon/restore", {"version_id": older},
                                      cookie=editor)
    assert status == 303 and path.read_text(encoding="utf-8") == first, "the earlier text is back"
    restored = guides_of(deployment, editor)["dang-ky-ket-hon"]
    assert restored["version"] == first_version and restored["approved_version"] == first_version
    assert not restored["approved"], "the same text restored is a new version: it needs approving again"
    page = deployment.request("GET", "/c/an-vien/guides/dang-ky-ket-hon/history", cookie=editor)[2]
    assert "Sửa «Tên thủ tục»: «Đăng ký kết hôn lần đầu» → «Đăng ký kết hôn»" in page.split('<li id="v', 2)[1]
    assert deployment.request("POST", "/c/an-vien/guides/dang-ky-ket-hon/approve", {"version": first_version},
                              cookie=approver)[0] == 303
    assert guides_of(deployment, editor)["dang-ky-ket-hon"]["approved"]
    # A change made outside the server (a text editor, the CLI) is a version too, by "ngoài máy chủ".
    path.write_text(first.replace("title: Đăng ký kết hôn", "title: Kết hôn", 1), encoding="utf-8")
    page = deployment.request("GET", "/c/an-vien/guides/dang-ky-ket-hon/history", cookie=editor)[2]
    assert "ngoài máy chủ" in page.split('<li id="v', 2)[1]
    assert not guides_of(deployment, editor)["dang-ky-ket-hon"]["approved"]


def test_sessions_ended_long_ago_are_forgotten(tmp_path):
    from outreach.server import accounts, sessions
    from outreach.server.db import Database

    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    database.migrate()
    with database.session.begin() as db:
        user = accounts.add(db, "an.bien", "mat-khau-an-bien", "editor", "an-vien")
        db.flush()
        old, live = sessions.start(db, user), sessions.start(db, user)
        sessions.end(db, old)
    long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=40)
    with database.session.begin() as db:
        db.execute(update(SignIn).where(SignIn.id_hash == hashlib.sha256(old.encode()).hexdigest())
                   .values(ended_at=long_ago))
        assert sessions.purge(db, 480) == 1
    with database.session.begin() as db:
        assert sessions.user_of(db, live, 480) is not None and sessions.user_of(db, old, 480) is None
    database.engine.dispose()


def test_forwarded_headers_are_believed_only_from_a_trusted_proxy():
    from outreach.server.gate import seen

    scope = {"type": "http", "scheme": "http", "client": ("203.0.113.9", 5000),
             "headers": [(b"host", b"10.0.0.5:8080"), (b"x-forwarded-proto", b"https"),
                         (b"x-forwarded-host", b"outreach.example.vn"), (b"x-forwarded-for", b"198.51.100.7")]}
    direct = seen(scope, frozenset({"127.0.0.1"}))
    assert (direct.scheme, direct.host, direct.address) == ("http", "10.0.0.5:8080", "203.0.113.9")
    proxied = seen({**scope, "client": ("127.0.0.1", 5000)}, frozenset({"127.0.0.1"}))
    assert (proxied.scheme, proxied.host, proxied.address) == ("https", "outreach.example.vn", "198.51.100.7")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migrations_make_exactly_the_tables_the_code_uses_and_upgrade_an_older_database(kind, tmp_path, request):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext

    from outreach.server.db import MIGRATIONS, Base, Database

    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = postgres.create_database(request.getfixturevalue("pg_cluster"), "migrations")
    database = Database(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")  # a server installed before history was kept
    database.migrate()
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    database.engine.dispose()
