"""`outreach serve`, used as an officer would: Debian's chromium driven by Playwright against a
studio started on a free port, and plain HTTP requests for what a hostile page or client might try."""

from __future__ import annotations

import html
import http.client
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import pytest
from conftest import FILLED, copy_project, run

from outreach.project import Project
from outreach.yamlsource import load_yaml

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Debian chromium is installed by `make test`")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Screenshots of the studio land here to be looked at (STUDIO_SHOTS=folder to keep them).
SHOTS = os.environ.get("STUDIO_SHOTS")


class Running:
    """A studio serving `project` in a thread of this process."""

    def __init__(self, project: Path):
        from outreach.studio.server import bound_socket, make_server

        self.sock = bound_socket(0)
        self.port = self.sock.getsockname()[1]
        self.server, self.address = make_server(Project(project), self.sock)
        self.token = self.address.rsplit("=", 1)[1]
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
                cookie: bool = True) -> tuple[int, str]:
        """A plain HTTP request (any Host, Origin or path, unlike a browser)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if cookie:
            sent["Cookie"] = f"outreach_studio_{self.port}={self.token}"
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        text = answer.read().decode("utf-8", "replace")
        connection.close()
        return answer.status, text

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The sample project, voiced by espeak-ng (offline), with one guide built so its clips can be played."""
    root = copy_project(tmp_path_factory.mktemp("studio"), guides=True)
    commune = root / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + "audio:\n  engine: espeak-ng\n", encoding="utf-8")
    assert run(root, "build", "--only", "dang-ky-khai-sinh", "-j", "1").exit_code == 0
    return root


@pytest.fixture(scope="module")
def studio(project):
    running = Running(project)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def playwright():
    with playwright_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser, studio):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(studio.address)
    yield page
    context.close()


def shot(page, name: str, tmp_path: Path) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{name}-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def field(page, name: str):
    return page.locator(f'[name="{name}"]')


def problems_of(page, anchor: str) -> str:
    box = page.locator(f"#f-{anchor}-problems")
    return box.inner_text() if box.count() else ""


def save(page) -> None:
    page.locator(".savebar button.primary").first.click()
    page.wait_for_load_state()


# --- the browser story ------------------------------------------------------------------------

def test_the_token_opens_the_studio_and_becomes_a_cookie(page, studio, tmp_path):
    assert re.fullmatch(rf"http://127\.0\.0\.1:{studio.port}/\?token=[\w-]{{20,}}", studio.address)
    assert page.url == f"{studio.origin}/", "the token is traded for a cookie and leaves the address bar"
    assert page.locator("table.guides tbody tr").count() == 6
    assert "Đăng ký khai sinh" in page.inner_text("table.guides")
    page.fill("#search", "khai sinh")
    assert page.locator("table.guides tbody tr:visible").count() == 1
    page.fill("#search", "")
    shot(page, "guides", tmp_path)


def test_a_new_guide_from_the_starter_filled_checked_saved_and_previewed(page, studio, project, tmp_path):
    page.fill("#new-title", "Thủ tục mới")
    page.click("form.new-guide button")
    page.wait_for_url(re.compile(r".*/guides/thu-tuc-moi\?.*"))
    path = project / "content" / "guides" / "thu-tuc-moi.yaml"
    assert field(page, "title").input_value() == "Thủ tục mới", "the file is named after the title, written in"
    assert "còn nội dung mẫu chưa sửa" in problems_of(page, "field"), "the starter's placeholders are named"
    # The officer writes a note by hand in the file meanwhile, then reloads.
    path.write_text(path.read_text(encoding="utf-8").replace("steps:\n", "# ghi chú viết tay của cán bộ\nsteps:\n"),
                    encoding="utf-8")
    page.reload()
    for placeholder, value in FILLED.items():
        for box in page.locator("input[type=text], textarea").all():
            if box.input_value() == placeholder.removeprefix('code: "').removesuffix('"'):
                box.fill(value.removeprefix('code: "').removesuffix('"'))
    field(page, "code").fill("1001193")
    page.wait_for_function("() => (document.getElementById('f-code-problems') || {}).textContent?.includes('sai dạng')")
    assert "1 lỗi" in page.inner_text("#live-status"), "while typing, before any save"
    save(page)
    assert "sai dạng" in problems_of(page, "code"), "the same message as outreach validate, next to its field"
    listed = re.search(r'<tr data-search="thu-tuc-moi.*?</tr>', studio.request("GET", "/")[1], re.S)
    assert listed and "1 lỗi" in listed.group(0), "saved with its problem, and listed as such"
    assert page.locator(".page-image").count() == 0
    field(page, "code").fill("1.001193")
    save(page)
    assert page.locator("#problems").count() == 0, page.inner_text("main")[:2000]
    first = page.locator(".page-image").first.get_attribute("src")
    assert first
    field(page, "promise").fill("Khai sinh ngay tại nhà")
    save(page)
    assert page.locator(".page-image").first.get_attribute("src") != first, "the preview follows the save"
    assert page.locator(".page-image").first.evaluate("img => img.complete && img.naturalWidth > 300")
    assert page.locator(".sections .reading").count() >= 1, "the bulletin shows how numbers will be read"
    text = path.read_text(encoding="utf-8")
    assert "# ghi chú viết tay của cán bộ" in text and "# Giấy tờ cần chuẩn bị" in text
    assert "promise: Khai sinh ngay tại nhà" in text
    result = run(project, "validate", "--only", "thu-tuc-moi")
    assert result.exit_code == 0, result.output
    assert "bị bỏ qua" not in result.output, "a comment after a longer value stays a comment"
    shot(page, "editor", tmp_path)


def _titles(project: Path, slug: str) -> list[str]:
    path = project / "content" / "guides" / f"{slug}.yaml"
    return [step["title"] for step in load_yaml(path, path.name).data["steps"]]


def test_two_steps_swap_places(page, studio, project):
    page.goto(f"{studio.origin}/guides/dang-ky-ket-hon")
    before = _titles(project, "dang-ky-ket-hon")
    page.click('button[value="down:steps.0"]')
    page.wait_for_load_state()
    assert _titles(project, "dang-ky-ket-hon") == before, "a list button changes the form, not the file"
    save(page)
    assert _titles(project, "dang-ky-ket-hon") == [before[1], before[0], *before[2:]]
    assert page.locator('[name="steps.0.title"]').input_value() == before[1]


def test_a_picture_is_uploaded_into_content_images(page, studio, project):
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(picture, "PNG")
    page.goto(f"{studio.origin}/guides/dang-ky-khai-tu")
    page.set_input_files('[name="steps.0.image.upload"]', files=[
        {"name": "Ảnh màn hình.png", "mimeType": "image/png", "buffer": picture.getvalue()}])
    save(page)
    assert (project / "content" / "images" / "anh-man-hinh.png").is_file()
    assert field(page, "steps.0.image").input_value() == "images/anh-man-hinh.png"
    assert problems_of(page, "steps-0-image") == ""
    page.goto(f"{studio.origin}/guides/dang-ky-khai-tu")
    page.set_input_files('[name="steps.1.image.upload"]', files=[
        {"name": "tai-lieu.png", "mimeType": "image/png", "buffer": b"not a picture"}])
    save(page)
    assert "không đúng là ảnh" in page.inner_text(".notice.error")


def test_a_clip_plays(page, studio):
    page.goto(f"{studio.origin}/guides/dang-ky-khai-sinh#audio")
    audio = page.locator("audio").first
    audio.evaluate("a => { a.muted = true; return a.play(); }")
    page.wait_for_function("() => document.querySelector('audio').readyState >= 2")
    assert audio.evaluate("a => a.duration") > 10
    assert page.locator("audio").count() >= 4, "the bulletin and every meeting clip"
    assert "bản nháp giọng máy" in page.inner_text("#audio"), "espeak-ng clips are labelled drafts"
    assert "Tờ hướng dẫn A4" in page.inner_text("#outputs")
    page.goto(f"{studio.origin}/files/index.html")  # the catalog of the build, through the studio
    page.fill("#search", "khai sinh")
    assert page.evaluate("() => [...document.querySelectorAll('[data-search]')].some(e => e.hidden)"), \
        "its own search script runs"


def test_a_build_streams_its_progress(page, studio, project):
    page.goto(f"{studio.origin}/guides/thu-tuc-moi")
    page.click("text=Tạo sản phẩm của hướng dẫn này")
    page.wait_for_url(re.compile(r".*/build/\d+$"))
    page.wait_for_function("() => document.getElementById('build').dataset.done === 'yes'", timeout=60_000)
    assert "Xong" in page.inner_text("#build-state")
    assert (project / "build" / "thu-tuc-moi" / "broadcast.mp3").is_file()
    page.click("text=Về hướng dẫn thu-tuc-moi")
    assert page.locator("audio").count() >= 1


def test_a_save_over_a_newer_file_is_refused(page, studio, project):
    page.goto(f"{studio.origin}/guides/dang-ky-thuong-tru")
    path = project / "content" / "guides" / "dang-ky-thuong-tru.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# sửa tay trong lúc trang đang mở\n", encoding="utf-8")
    field(page, "promise").fill("Đổi trong trình duyệt")
    save(page)
    assert page.locator("#stale").is_visible()
    assert "đã được sửa ở nơi khác" in page.inner_text("#stale")
    assert field(page, "promise").input_value() == "Đổi trong trình duyệt", "the officer's edit is still there"
    assert "# sửa tay trong lúc trang đang mở" in path.read_text(encoding="utf-8")
    assert "Đổi trong trình duyệt" not in path.read_text(encoding="utf-8")
    save(page)  # the officer's choice: save again over the newer file
    assert "Đổi trong trình duyệt" in path.read_text(encoding="utf-8")
    assert "# sửa tay trong lúc trang đang mở" in path.read_text(encoding="utf-8"), "values change, comments stay"


def spoken_wav(text: str, path: Path) -> float:
    """`text` read by espeak-ng into a WAV, as a microphone would hear an officer read it; its seconds."""
    subprocess.run(["espeak-ng", "-v", "vi", "-s", "150", "-w", str(path), text], check=True)
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def test_without_a_microphone_the_officer_is_told_what_to_do(page, studio):
    page.goto(f"{studio.origin}/guides/dang-ky-ket-hon#bulletin")
    panel = page.locator(".recorder").nth(1)
    panel.locator("button.record").click()
    playwright_api.expect(panel.locator(".take-message")).to_contain_text(re.compile(r"Không thấy micrô|chưa cho dùng micrô"))
    assert "bad" in (panel.locator(".take-message").get_attribute("class") or "")
    assert "recording" not in (panel.get_attribute("class") or ""), "nothing is being recorded"


def test_a_section_recorded_with_the_microphone_is_heard_in_the_rebuilt_bulletin(playwright, studio, project, tmp_path):
    slug = "dang-ky-khai-sinh"
    first = json.loads((project / "build" / slug / "broadcast.json").read_text(encoding="utf-8"))["sections"][0]
    seconds = spoken_wav(first["text"], tmp_path / "microphone.wav")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={tmp_path / 'microphone.wav'}"])
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        page.goto(studio.address)
        page.goto(f"{studio.origin}/guides/{slug}#bulletin")
        panel = page.locator(f"#rec-{first['id']}")
        assert "Chưa thu" in panel.inner_text()
        panel.locator("button.record").click()
        playwright_api.expect(panel).to_have_class(re.compile(r"\brecording\b"))
        time.sleep(seconds + 0.5)
        panel.locator("button.stop").click()
        playwright_api.expect(panel.locator(".take-message")).to_contain_text("Đã lưu bản thu")
        assert "Đã thu" in panel.locator(".take-state").inner_text(), "the panel is drawn anew with its take"

        take = project / "content" / "recordings" / slug / f"{first['id']}.webm"
        assert take.read_bytes()[:4] == b"\x1a\x45\xdf\xa3", "saved as MediaRecorder made it (WebM)"
        codec = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                                str(take)], capture_output=True, text=True, check=True).stdout.strip()
        assert codec == "opus"
        assert json.loads(Path(f"{take}.json").read_text(encoding="utf-8"))["text"] == first["text"]
        mine = panel.locator("audio.take")
        mine.evaluate("a => { a.muted = true; return a.play(); }")
        page.wait_for_function(f"() => document.querySelector('#rec-{first['id']} audio.take').readyState >= 2")

        page.click("text=Tạo sản phẩm của hướng dẫn này")
        page.wait_for_url(re.compile(r".*/build/\d+$"))
        page.wait_for_function("() => document.getElementById('build').dataset.done === 'yes'", timeout=120_000)
        sections = json.loads((project / "build" / slug / "broadcast.json").read_text(encoding="utf-8"))["sections"]
        assert sections[0]["source"] == "recording", sections[0]
        assert abs(sections[0]["duration_seconds"] - seconds) < 2.0, "the take, trimmed, not the engine's reading"
        assert all(s["source"] == "espeak-ng" for s in sections[1:])
        page.goto(f"{studio.origin}/guides/{slug}#audio")
        assert f"1/{len(sections)} đoạn giọng thu" in page.inner_text("#audio")
        bulletin = page.locator("#audio audio").first
        bulletin.evaluate("a => { a.muted = true; return a.play(); }")
        page.wait_for_function("() => document.querySelector('#audio audio').readyState >= 2")
        assert bulletin.evaluate("a => a.duration") > seconds

        title = field(page, "title").input_value()
        field(page, "title").fill(f"{title} cho trẻ em")
        save(page)
        assert "Cần thu lại" in page.inner_text(f"#rec-{first['id']}"), "the text it was recorded for changed"
        field(page, "title").fill(title)
        save(page)
        assert "Đã thu" in page.inner_text(f"#rec-{first['id']}"), "the same text again: the take is current again"

        page.once("dialog", lambda dialog: dialog.accept())
        page.locator(f"#rec-{first['id']} form.delete button").click()
        page.wait_for_load_state()
        assert "Chưa thu" in page.inner_text(f"#rec-{first['id']}")
        assert not take.exists() and not Path(f"{take}.json").exists()
    finally:
        browser.close()


# --- plain requests ---------------------------------------------------------------------------

def _untouched_form(path: Path, schema) -> bytes:
    from urllib.parse import urlencode

    from outreach.studio import forms, yamledit

    fields = forms.fields_of(schema, load_yaml(path, path.name).data)
    return urlencode({"base": yamledit.version_of(path), **forms.submitted(fields)}).encode()


@pytest.mark.parametrize("name", ["commune", "chung-thuc-ban-sao", "dang-ky-khai-sinh", "xac-nhan-tinh-trang-hon-nhan"])
def test_saving_an_untouched_form_leaves_the_file_as_it_was(studio, project, name):
    from outreach.studio.app import COMMUNE_SCHEMA, GUIDE_SCHEMA

    path = project / "content" / ("commune.yaml" if name == "commune" else f"guides/{name}.yaml")
    before = path.read_bytes()
    status, _ = studio.request("POST", "/commune" if name == "commune" else f"/guides/{name}",
                               body=_untouched_form(path, COMMUNE_SCHEMA if name == "commune" else GUIDE_SCHEMA),
                               headers={"Origin": studio.origin, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 303
    assert path.read_bytes() == before


class Opened:
    """The files this process opens while `watching` (an audit hook: it sees the studio's thread too)."""

    def __init__(self):
        self.watching = False
        self.paths: list[Path] = []
        sys.addaudithook(self._seen)

    def _seen(self, event: str, args: tuple) -> None:
        if self.watching and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            self.paths.append(Path(os.fsdecode(args[0])))


def test_a_check_while_typing_judges_the_form_alone_with_the_lexicon_as_it_is_now(studio, project):
    """A keystroke's check reads the guide and the lexicon, not every guide: another guide, broken, is
    neither opened nor reported; a word the lexicon gains is no longer strange at the next check."""
    from urllib.parse import parse_qsl, urlencode

    from outreach.studio.app import GUIDE_SCHEMA

    guides, lexicon = project / "content" / "guides", project / "content" / "lexicon.yaml"
    values = dict(parse_qsl(_untouched_form(guides / "dang-ky-khai-sinh.yaml", GUIDE_SCHEMA).decode()))
    values["title"] = "Đăng ký khai sinh cho trẻ blorp"
    body = urlencode(values).encode()
    headers = {"Origin": studio.origin, "Content-Type": "application/x-www-form-urlencoded"}
    (guides / "hong.yaml").write_text("title: [chưa đóng\n", encoding="utf-8")
    opened = Opened()
    try:
        opened.watching = True
        status, answer = studio.request("POST", "/guides/dang-ky-khai-sinh/check", body=body, headers=headers)
        opened.watching = False
        judged = json.loads(answer)
        assert status == 200 and judged["count"] == 0 and "hong.yaml" not in answer
        assert "từ lạ 'blorp'" in " ".join(judged["fields"]["f-title"]["warnings"])
        read = {p.name for p in opened.paths if p.parent.name == "guides"}
        assert read == {"dang-ky-khai-sinh.yaml"}, "the guide checked is read, and no other"
        lexicon.write_text("blorp: bờ lọp\n", encoding="utf-8")
        status, answer = studio.request("POST", "/guides/dang-ky-khai-sinh/check", body=body, headers=headers)
        assert status == 200 and "blorp" not in answer
    finally:
        opened.watching = False
        (guides / "hong.yaml").unlink()
        lexicon.unlink(missing_ok=True)


def _take_form(text: str, take: bytes, kind: str) -> tuple[bytes, dict]:
    """The form studio.js posts: the text the officer read and the take."""
    boundary = "take-boundary-1b2c"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n{text}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="take"; filename="take"\r\n'
            f"Content-Type: {kind}\r\n\r\n").encode() + take + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def _panels(body: str) -> dict[str, tuple[str, str]]:
    """Each recording panel of a page: its address → (the text to read, its state)."""
    found = re.finditer(r'<div class="recorder [^"]*" id="rec-[^"]+" data-url="([^"]+)" data-text="([^"]*)".*?'
                        r'<span class="take-kind">([^<]*)</span>', body, re.S)
    return {m.group(1): (html.unescape(m.group(2)), html.unescape(m.group(3))) for m in found}


def test_a_take_that_fails_the_checks_is_refused_and_nothing_is_kept(studio, project, tmp_path):
    slug = "chung-thuc-ban-sao"
    url, (text, _) = next(iter(_panels(studio.request("GET", f"/guides/{slug}")[1]).items()))
    silence = tmp_path / "silence.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "5",
                    str(silence)], check=True)
    origin = {"Origin": studio.origin}
    body, headers = _take_form(text, silence.read_bytes(), "audio/wav")
    status, answer = studio.request("POST", url, headers={**headers, **origin}, body=body)
    assert status == 422 and "bản thu trống" in json.loads(answer)["message"]
    body, headers = _take_form("lời cũ của đoạn", silence.read_bytes(), "audio/wav")
    status, answer = studio.request("POST", url, headers={**headers, **origin}, body=body)
    assert status == 422 and "vừa đổi" in json.loads(answer)["message"]
    body, headers = _take_form(text, b"%PDF-1.7", "application/pdf")
    status, answer = studio.request("POST", url, headers={**headers, **origin}, body=body)
    assert status == 422 and "chưa đọc được" in json.loads(answer)["message"]
    status, _ = studio.request("POST", url, headers=headers, body=body)
    assert status == 403, "a take too must come from the studio's own page"
    for path in (f"/guides/{slug}/recordings/..%2f..%2fcommune.yaml", f"/guides/{slug}/recordings/..",
                 "/guides/..%2f..%2fcontent/recordings/x"):
        assert studio.request("GET", path)[0] in (403, 404), path
    assert not (project / "content" / "recordings" / slug).exists() or \
        not any((project / "content" / "recordings" / slug).iterdir()), "nothing refused is left behind"


def test_a_common_section_recorded_once_serves_every_guide(studio, project, tmp_path):
    panels = _panels(studio.request("GET", "/commune")[1])
    url, (text, state) = next((u, p) for u, p in panels.items() if p[0].startswith("Xin trân trọng cảm ơn"))
    assert state.startswith("Chưa thu")
    spoken_wav(text, tmp_path / "closing.wav")
    body, headers = _take_form(text, (tmp_path / "closing.wav").read_bytes(), "audio/wav")
    status, answer = studio.request("POST", url, headers={**headers, "Origin": studio.origin}, body=body)
    assert status == 200 and json.loads(answer)["ok"], answer
    section_id = url.rsplit("/", 1)[1]
    assert (project / "content" / "recordings" / "_common" / f"{section_id}.wav").is_file()
    assert _panels(studio.request("GET", "/commune")[1])[url][1].startswith("Đã thu: mọi hướng dẫn")
    for slug in ("dang-ky-ket-hon", "dang-ky-thuong-tru"):
        states = [state for t, state in _panels(studio.request("GET", f"/guides/{slug}")[1]).values() if t == text]
        assert states and states[0].startswith("Dùng bản thu chung của xã"), (slug, states)
    assert studio.request("GET", url)[0] == 200, "the take can be played"
    status, _ = studio.request("POST", f"{url}/delete", headers={"Origin": studio.origin})
    assert status == 303 and not (project / "content" / "recordings" / "_common" / f"{section_id}.wav").exists()


def test_the_bulletin_read_in_one_take_is_the_whole_bulletin_and_not_a_draft(studio, project, tmp_path):
    slug = "dang-ky-thuong-tru"
    page = studio.request("GET", f"/guides/{slug}")[1]
    url = f"/guides/{slug}/recordings/broadcast"
    text, state = _panels(page)[url]
    assert state.startswith("Chưa thu") and text.count("Bước 1") == 1
    spoken_wav(text, tmp_path / "bulletin.wav")
    body, headers = _take_form(text, (tmp_path / "bulletin.wav").read_bytes(), "audio/wav")
    status, answer = studio.request("POST", url, headers={**headers, "Origin": studio.origin}, body=body)
    assert status == 200 and json.loads(answer)["ok"], answer
    assert _panels(studio.request("GET", f"/guides/{slug}")[1])[url][1].startswith("Đã thu: bản tin phát đúng")
    assert run(project, "build", "--only", slug, "-j", "1").exit_code == 0
    bulletin = json.loads((project / "build" / slug / "broadcast.json").read_text(encoding="utf-8"))
    assert not bulletin["draft"], "no engine speaks any of it"
    assert {s["source"] for s in bulletin["sections"]} == {"recording"}
    audio = re.search(r'<section class="audio" id="audio">.*?</section>', studio.request("GET", f"/guides/{slug}")[1],
                      re.S).group(0)
    assert re.search(r"Bản tin loa <small>\([^)]*\)</small>\s*<span class=\"state ok\">giọng thu của xã", audio), audio


def test_requests_without_the_token_are_refused(studio):
    status, body = studio.request("GET", "/", cookie=False)
    assert status == 401 and "mã truy cập" in body
    status, _ = studio.request("GET", "/?token=wrong", cookie=False)
    assert status == 401


def test_a_foreign_host_is_refused(studio):
    status, body = studio.request("GET", "/", headers={"Host": f"evil.example:{studio.port}"})
    assert status == 421 and "địa chỉ" in body


def test_a_post_from_another_origin_or_none_is_refused(studio, project):
    body = b"slug=tu-noi-khac"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _ = studio.request("POST", "/guides", headers={**form, "Origin": "http://evil.example"}, body=body)
    assert status == 403
    status, _ = studio.request("POST", "/guides", headers=form, body=body)
    assert status == 403
    status, _ = studio.request("POST", "/guides", headers={**form, "Referer": "http://evil.example/x"}, body=body)
    assert status == 403
    assert not (project / "content" / "guides" / "tu-noi-khac.yaml").exists()
    status, _ = studio.request("POST", "/guides", headers={**form, "Origin": studio.origin}, body=body)
    assert status == 303 and (project / "content" / "guides" / "tu-noi-khac.yaml").exists()


@pytest.mark.parametrize("path", ["/files/../content/commune.yaml", "/files/%2e%2e/content/commune.yaml",
                                  "/files/..%2f..%2f..%2fetc/passwd", "/static/../app.py",
                                  "/preview/dang-ky-khai-sinh/..%2f..%2f..%2fcontent%2fcommune.yaml",
                                  "/guides/..%2fcommune"])
def test_paths_outside_the_project_are_refused(studio, path):
    status, body = studio.request("GET", path)
    assert status in (403, 404), (path, status)
    assert "committee" not in body and "root:" not in body and "Traceback" not in body


def test_a_body_over_the_cap_is_refused(studio):
    status, body = studio.request("POST", "/guides/dang-ky-khai-sinh", body=b"x" * 64, headers={
        "Origin": studio.origin, "Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(11 << 20)})
    assert status == 413 and "quá lớn" in body


def test_hostile_text_stays_text(studio, project):
    path = project / "content" / "guides" / "doc-hai.yaml"
    text = (project / "content" / "guides" / "dang-ky-khai-tu.yaml").read_text(encoding="utf-8")
    path.write_text(re.sub(r"^title: .*$", 'title: "<script>alert(1)</script>"', text, count=1, flags=re.M),
                    encoding="utf-8")
    for where in ("/", "/guides/doc-hai"):
        status, body = studio.request("GET", where)
        assert status == 200
        assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    path.unlink()


def test_error_pages_are_vietnamese_without_tracebacks(studio):
    status, body = studio.request("GET", "/khong-co")
    assert status == 404 and "không có trang này" in body.lower() and "Traceback" not in body


def test_the_cli_starts_it_and_refuses_a_public_host(project):
    refused = run(project, "serve", "--host", "0.0.0.0", "--no-browser")
    assert refused.exit_code == 1 and "chỉ chạy trên chính máy này" in refused.output
    command = [sys.executable, "-m", "outreach", "--project", str(project), "serve", "--no-browser", "--port", "8765"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline().strip()
        second = process.stdout.readline()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", first), first
        assert "Ctrl+C" in second
    finally:
        process.terminate()
        process.wait(10)
