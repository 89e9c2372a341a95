"""Safe to share a machine (issue 23): what one commune's template, content file or studio client
can cost the machine every commune shares. Each case is bounded in time and memory and ends in a
Vietnamese message naming the file, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run, starter, tool, write_guide

# A safety net only: the cases below end in seconds; this stops a regression from hanging CI.
HANG = 90


def run_bounded(project: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI in its own process, so that a case that hangs fails instead of stopping the suite."""
    return subprocess.run([sys.executable, "-m", "outreach", "--project", str(project), *args],
                          capture_output=True, text=True, timeout=HANG)


def out(done: subprocess.CompletedProcess) -> str:
    return done.stdout + done.stderr


def template_with(project: Path, name: str, snippet: str) -> None:
    """The project's template `name` with `snippet` at the start of its body."""
    path = project / "templates" / name
    path.write_text(path.read_text(encoding="utf-8").replace("{% block body %}", "{% block body %}" + snippet, 1),
                    encoding="utf-8")


# --- What WeasyPrint opens -----------------------------------------------------------------------

def test_the_fetcher_refuses_a_fifo_and_a_huge_sparse_file_without_reading_them(tmp_path):
    from outreach.fetcher import ConfinedFetcher
    os.mkfifo(tmp_path / "pipe.png")
    with open(tmp_path / "sparse.png", "wb") as sparse:
        sparse.truncate(2 * 1024 ** 3)  # 2 GB of zero bytes that take no disk
    (tmp_path / "folder.svg").mkdir()
    fetcher = ConfinedFetcher([tmp_path])
    with pytest.raises(ValueError, match="không phải tệp thường"):
        fetcher.fetch((tmp_path / "pipe.png").as_uri())
    with pytest.raises(ValueError, match="tệp quá lớn"):
        fetcher.fetch((tmp_path / "sparse.png").as_uri())
    with pytest.raises(ValueError, match="không phải tệp thường"):
        fetcher.fetch((tmp_path / "folder.svg").as_uri())


def test_a_template_linking_a_fifo_in_the_project_does_not_hang_the_build(project):
    write_guide(project, "thu-tuc", starter(project))
    os.mkfifo(project / "content" / "pipe.png")
    template_with(project, "poster.html.j2", f'<img src="{(project / "content" / "pipe.png").as_uri()}">')
    done = run_bounded(project, "build", "--no-audio")
    assert "Traceback" not in out(done)
    assert "không phải tệp thường" in out(done)
    assert (project / "build" / "thu-tuc" / "poster.pdf").is_file()


# --- The templates' image() ----------------------------------------------------------------------

SVG = b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><text>SECRET-OUTSIDE</text></svg>"


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "missing"])
def test_image_in_a_template_cannot_embed_or_probe_a_file_outside_content(project, tmp_path, how):
    outside = tmp_path / "outside.svg"
    outside.write_bytes(SVG)
    (project / "content" / "images").mkdir()
    (project / "content" / "images" / "link.svg").symlink_to(outside)
    named = {"absolute": str(outside), "dotdot": "../../outside.svg", "symlink": "images/link.svg",
             "missing": str(tmp_path / "nothing-here.svg")}[how]
    write_guide(project, "thu-tuc", starter(project))
    template_with(project, "poster.html.j2", f"<img src=\"{{{{ image('{named}') }}}}\">")
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    assert "mẫu trình bày gọi image(" in result.output
    assert "Traceback" not in result.output
    # the same answer for a file that exists and one that does not: nothing learnt about the disk
    assert "không tìm thấy" not in result.output
    assert not (project / "build" / "thu-tuc" / "poster.pdf").exists()
    assert (project / "build" / "thu-tuc" / "handout.pdf").is_file()


# --- Pasted characters that reorder text ---------------------------------------------------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidirectional_controls_never_reach_the_bulletin_the_sms_or_the_catalog(project):
    text = starter(project).replace("title: Đăng ký khai sinh", "title: Đăng ký \u202ekhai sinh\u202c\u2066\u2069")
    text = text.replace("Miễn lệ phí", "Miễn\u2067 lệ phí\u2069\u202b")
    write_guide(project, "thu-tuc", text)
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 0, result.output
    for name in ("thu-tuc/sms.txt", "thu-tuc/broadcast.txt", "index.html"):
        made = (project / "build" / name).read_text(encoding="utf-8")
        assert not set(made) & set(BIDI), name
    assert "Đăng ký khai sinh" in (project / "build" / "thu-tuc" / "sms.txt").read_text(encoding="utf-8")


def test_a_second_build_names_the_project_folder_not_a_dot(project, monkeypatch):
    import fcntl

    from outreach import buildlock
    write_guide(project, "tot", starter(project, "tot"))
    (project / "build" / ".cache").mkdir(parents=True)
    monkeypatch.setattr(buildlock, "LOCK_WAIT", 0.2)
    with open(project / "build" / buildlock.LOCK_FILE, "w") as first:
        fcntl.flock(first, fcntl.LOCK_EX)
        result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    assert f"đang chạy trong dự án {project.resolve()};" in result.output


# --- What a template may allocate, and for how long ----------------------------------------------

# Each builds a string of about 1 GB with a different operator or filter; none may be made.
GREEDY = {
    "handout.html.j2": "{{ ('x' | center(1000000000)) | length }}",
    "handout-large.html.j2": "{% set ns = namespace(s='x' * 1000000) %}{% for i in range(12) %}"
                             "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}",
    "poster.html.j2": "{{ (('x' * 10000) | replace('x', 'y' * 100000)) | length }}",
    "facilitator.html.j2": "{{ ([('y' * 1000000)] * 1000) | join | length }}",
}


def test_no_operator_or_filter_lets_a_template_allocate_a_gigabyte(project):
    import resource
    write_guide(project, "thu-tuc", starter(project))
    for name, snippet in GREEDY.items():
        template_with(project, name, snippet)
    done = run_bounded(project, "build", "--no-audio", "-j", "1")
    assert done.returncode == 1 and "Traceback" not in out(done)
    for name in GREEDY:
        assert f"templates/{name}:" in out(done) and "mẫu dùng quá nhiều bộ nhớ (tối đa 256 MB)" in out(done), name
    assert (project / "build" / "thu-tuc" / "sms.txt").is_file()  # the rest of the guide is built
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < 900, peak_mb  # no process of the build (nor any child of this test run) held a gigabyte


def test_a_template_looping_where_the_sandbox_cannot_look_is_killed_in_time(project, monkeypatch):
    from outreach import templating
    monkeypatch.setattr(templating, "RENDER_SECONDS", 1.0)
    write_guide(project, "thu-tuc", starter(project))
    # no call, attribute or output inside the loops: nothing the sandbox's own clock sees
    template_with(project, "poster.html.j2", "{% set xs = range(100000) %}{% for i in xs %}{% for j in xs %}"
                                             "{% endfor %}{% endfor %}")
    started = __import__("time").monotonic()
    result = run(project, "build", "--no-audio", "-j", "1")
    assert result.exit_code == 1
    assert "templates/poster.html.j2:1: (mẫu): lỗi trong mẫu trình bày: mẫu chạy quá 1 giây" in result.output
    assert (project / "build" / "thu-tuc" / "handout.pdf").is_file()
    assert __import__("time").monotonic() - started < 60


# --- The studio, over real HTTP against a real uvicorn ------------------------------------------

class Studio:
    """A studio serving `project` in a thread of this process (uvicorn on a free loopback port)."""

    def __init__(self, project: Path):
        import threading
        import time

        from outreach.project import Project
        from outreach.studio.server import bound_socket, make_server

        self.sock = bound_socket(0)
        self.port = self.sock.getsockname()[1]
        self.server, address = make_server(Project(project), self.sock)
        self.token = address.rsplit("=", 1)[1]
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Host": f"127.0.0.1:{self.port}", "Origin": f"http://127.0.0.1:{self.port}",
                "Cookie": f"outreach_studio_{self.port}={self.token}", **extra}

    def post(self, path: str, body: bytes, content_type: str = "application/x-www-form-urlencoded") -> int:
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("POST", path, body=body, headers=self.headers(**{"Content-Type": content_type}))
        answer = connection.getresponse()
        self.location = answer.getheader("Location", "")
        connection.close()
        return answer.status

    def first_lines(self, path: str, headers: dict[str, str], count: int) -> tuple[int, list[str]]:
        """The status and the first `count` lines of a (streamed) answer."""
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request("GET", path, headers=self.headers(**headers))
        answer = connection.getresponse()
        lines = [answer.readline().decode("utf-8").rstrip("\n") for _ in range(count if answer.status == 200 else 0)]
        connection.close()
        return answer.status, lines

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def studio_project(tmp_path_factory) -> Path:
    from conftest import copy_project
    root = copy_project(tmp_path_factory.mktemp("studio"), guides=False)
    write_guide(root, "thu-tuc", starter(root))
    commune = root / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + "audio:\n  engine: espeak-ng\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def studio(studio_project):
    running = Studio(studio_project)
    yield running
    running.stop()


def guide_form(path: Path, **changes: str) -> dict[str, str]:
    """The editor's form of the guide at `path` as the browser would post it, with `changes`."""
    from outreach.studio import forms, yamledit
    from outreach.studio.app import GUIDE_SCHEMA
    from outreach.yamlsource import load_yaml
    fields = forms.fields_of(GUIDE_SCHEMA, load_yaml(path, path.name).data)
    return {"base": yamledit.version_of(path), **forms.submitted(fields), **changes}


def test_of_four_saves_at_the_same_moment_one_is_kept_and_the_others_refused(studio, studio_project):
    import threading
    from urllib.parse import urlencode
    path = studio_project / "content" / "guides" / "thu-tuc.yaml"
    for round_ in range(6):
        form = guide_form(path)
        barrier = threading.Barrier(4)
        statuses: dict[int, int] = {}

        def client(n: int, form=form, barrier=barrier, statuses=statuses, round_=round_) -> None:
            body = urlencode({**form, "promise": f"Lần {round_} người {n}"}).encode()
            barrier.wait()
            statuses[n] = studio.post("/guides/thu-tuc", body)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(statuses.values()) == [303, 409, 409, 409], (round_, statuses)
        [kept] = [n for n, status in statuses.items() if status == 303]
        assert f"promise: Lần {round_} người {kept} " in path.read_text(encoding="utf-8"), round_
    assert not list(path.parent.glob(".*.tmp*"))


def test_a_save_refused_as_stale_leaves_no_uploaded_picture(studio, studio_project):
    import uuid
    path = studio_project / "content" / "guides" / "thu-tuc.yaml"
    form = {**guide_form(path), "base": "an-older-version"}
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in form.items()]
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="steps.0.image.upload"; '
                 f'filename="anh-cu.png"\r\nContent-Type: image/png\r\n\r\n'.encode() + png + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    assert studio.post("/guides/thu-tuc", body, f"multipart/form-data; boundary={boundary}") == 409
    assert not (studio_project / "content" / "images" / "anh-cu.png").exists()


@pytest.fixture(scope="module")
def build_events(studio) -> str:
    """The events address of a build started in the studio."""
    assert studio.post("/build", b"slug=thu-tuc") == 303
    return f"{studio.location}/events"


@pytest.mark.parametrize("last", ["abc", "-50", "1e3", "0x10", "9" * 5000])
def test_a_garbled_last_event_id_gets_the_build_events_from_the_start(studio, build_events, last):
    status, lines = studio.first_lines(build_events, {"Last-Event-ID": last}, 2)
    assert status == 200 and lines[0] == "id: 0" and lines[1].startswith("data: {")


def test_slow_clients_are_closed_in_time_and_capped_in_number(studio, monkeypatch):
    import socket
    import time

    from outreach.studio import connections
    monkeypatch.setattr(connections, "HEAD_SECONDS", 1.0)
    clients = []
    for _ in range(50):  # each sends half a request head, then nothing
        client = socket.create_connection(("127.0.0.1", studio.port))
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1")
        clients.append(client)
    started, busy = time.monotonic(), 0
    for client in clients:
        client.settimeout(15)
        answer = b""
        try:
            while chunk := client.recv(4096):  # until the server closes it
                answer += chunk
        except ConnectionResetError:  # closed at once, before it read what this client sent
            answer = b"HTTP/1.1 503"
        busy += answer.startswith(b"HTTP/1.1 503")
        client.close()
    assert time.monotonic() - started < 8
    assert busy >= 50 - connections.CONNECTIONS_PER_CLIENT
    assert studio.post("/guides/thu-tuc/check", b"") == 200  # and the studio still answers


# --- Recordings ----------------------------------------------------------------------------------

def tone(path: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=f=300:d=3",
                    *args, str(path)], check=True)
    return path


def test_a_take_that_is_a_playlist_does_not_make_ffmpeg_open_what_it_lists(tmp_path):
    from outreach.errors import SpeechError
    from outreach.sound.recordings import Take, clean
    outside = tone(tmp_path / "outside.ts", "-c:a", "aac")  # anywhere on the disk
    take = tmp_path / "content" / "recordings" / "thu-tuc" / "gioithieu.m4a"
    take.parent.mkdir(parents=True)
    take.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3,\n{outside}\n#EXT-X-ENDLIST\n")
    with pytest.raises(SpeechError, match="gioithieu.m4a: không phải tệp âm thanh"):
        clean(Take(take), tmp_path / "out.wav")
    take.write_text(f"ffconcat version 1.0\nfile '{outside}'\n")
    with pytest.raises(SpeechError, match="không phải tệp âm thanh"):
        clean(Take(take), tmp_path / "out.wav")


@pytest.mark.parametrize("kind", ["wav", "mp3", "m4a", "ogg", "webm", "flac", "aac"])
def test_every_recording_format_is_still_cleaned(tmp_path, kind):
    from outreach.sound.recordings import Take, clean
    take = tone(tmp_path / f"take.{kind}", *(["-c:a", "libopus"] if kind in ("ogg", "webm") else []))
    assert 2.5 < clean(Take(take), tmp_path / "out.wav").seconds < 3.5


def test_a_recordings_folder_linked_out_of_the_project_is_not_used(project, tmp_path):
    from outreach.sound.recordings import Takes
    write_guide(project, "thu-tuc", starter(project))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    tone(elsewhere / "gioithieu.wav")
    (project / "content" / "recordings").mkdir()
    (project / "content" / "recordings" / "thu-tuc").symlink_to(elsewhere)
    takes = Takes(project / "content" / "recordings", "thu-tuc")
    assert not takes and takes.choose("gioithieu", "Lời giới thiệu").take is None
    done = run_bounded(project, "validate")
    assert "content/recordings/thu-tuc:1: (tệp): thư mục là liên kết tới nơi ngoài thư mục content/" in out(done)


# --- A full disk, a stopped build ----------------------------------------------------------------

def manifest_is_true(project: Path) -> bool:
    """Every file build/manifest.json records is there with the bytes it records."""
    import hashlib
    import json
    units = json.loads((project / "build" / "manifest.json").read_text(encoding="utf-8"))["units"]
    return all(hashlib.sha256((project / "build" / name).read_bytes()).hexdigest() == record["sha256"]
               for unit in units.values() for name, record in unit["files"].items())


@pytest.mark.parametrize("writes_left", [0, 6, 12])
def test_a_disk_that_fills_during_a_build_is_said_in_vietnamese_and_the_manifest_stays_true(project, monkeypatch,
                                                                                             writes_left):
    import errno

    from outreach import atomic
    text = starter(project)
    assert run(project, "build", "--no-audio", "-j", "1").exit_code == 0
    write_guide(project, "thu-tuc", text.replace("Miễn lệ phí", "Lệ phí 8.000 đồng/bản"))
    real, calls = atomic.atomically_all, []

    def filling(targets, make):  # the write layer every output goes through
        calls.append(targets)
        if len(calls) > writes_left:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(targets, make)

    monkeypatch.setattr(atomic, "atomically_all", filling)
    result = run(project, "build", "--no-audio", "-j", "1", "--force")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "ổ đĩa đã đầy" in result.output and "giải phóng chỗ trống" in result.output
    assert not list((project / "build").rglob(".*.tmp*"))
    monkeypatch.setattr(atomic, "atomically_all", real)  # space freed: the next build puts everything right
    again = run(project, "build", "--no-audio", "-j", "1")
    assert again.exit_code == 0, again.output
    assert manifest_is_true(project)
    assert "8.000 đồng/bản" in tool("pdftotext", str(project / "build" / "thu-tuc" / "handout.pdf"), "-")


def test_sigterm_stops_a_build_like_ctrl_c(project):
    import signal
    import time
    for slug in ("mot", "hai", "ba"):
        write_guide(project, slug, starter(project, slug))
    build = subprocess.Popen([sys.executable, "-m", "outreach", "--project", str(project), "build", "-j", "1",
                              "--engine", "espeak-ng"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (project / "build" / "mot").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    build.send_signal(signal.SIGTERM)
    stdout, stderr = build.communicate(timeout=HANG)
    assert build.returncode == 1
    assert "Đã dừng." in stderr and "Traceback" not in stdout + stderr
