"""build/index.html as an officer sees it: opened from the folder in a real browser (Chromium)."""

from __future__ import annotations

import html.parser
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import copy_project, run, starter, write_guide
from outreach.products import JOINED, UNITS

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is installed by `make test`")
# Flags for a closed network and a root user: see the machine notes; a fresh profile every time.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Loads every player's metadata and writes the outcome into the DOM, which Chromium then dumps.
PROBE = ('<script>document.querySelectorAll("audio").forEach(a => {a.preload = "metadata";'
         'a.addEventListener("loadedmetadata", () => a.dataset.ok = a.duration);'
         'a.addEventListener("error", () => a.dataset.ok = "error"); a.load();});</script>')


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets: list[str] = []
        self.audio: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and not attrs["href"].startswith("#"):  # in-page anchors of the table of contents
            self.targets.append(attrs["href"])
        if tag == "audio":
            self.audio.append(attrs)
            self.targets.append(attrs["src"])


def chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "profile"
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)
    return done.stdout


# What the catalog plays of each guide: every voiced unit's clips (the bulletin; the meeting's intro and
# one clip for each of the starter guide's 3 steps).
PLAYED = sum(1 if "{clip}" not in u.sound else 1 + 3 for u in UNITS if u.voice)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("catalog"), guides=False)
    text = starter(root, "mot").replace("title: Đăng ký khai sinh", "title: Đăng ký <script>alert(1)</script> khai sinh")
    write_guide(root, "mot", text)
    write_guide(root, "hai", starter(root, "hai"))
    write_guide(root, "hong", "title: [\n")
    run(root, "build", "--engine", "espeak-ng")
    return root / "build" / "index.html"


def test_every_link_and_player_points_at_a_file(catalog):
    links = Links()
    links.feed(catalog.read_text(encoding="utf-8"))
    # per guide: its PDFs and shared files (pictures, the named MP3, the ZIP) and what it plays; then the
    # joined PDFs (handouts.pdf, posters.pdf)
    files = [u for u in UNITS if u.kind in ("pdf", "picture", "file") and not u.print_shop]
    assert len(links.targets) == 2 * (len(files) + PLAYED) + len(JOINED)
    for target in links.targets:
        assert not target.startswith(("http", "/", "file:")), "links stay relative to the folder"
        assert (catalog.parent / target).is_file(), target


def test_chromium_loads_the_page_and_every_audio_from_file_urls(catalog, tmp_path):
    probe = catalog.with_name("probe.html")
    probe.write_text(catalog.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = chromium(tmp_path, "--virtual-time-budget=15000", "--dump-dom", probe.as_uri())
    probe.unlink()
    links = Links()
    links.feed(dom)
    assert len(links.audio) == 2 * PLAYED
    for player in links.audio:
        assert float(player.get("data-ok", "0")) > 1.0, player


def test_page_is_vietnamese_marks_drafts_and_escapes_text(catalog, tmp_path):
    page = catalog.read_text(encoding="utf-8")
    assert '<html lang="vi">' in page
    assert "Đăng ký &lt;script&gt;alert(1)&lt;/script&gt; khai sinh" in page
    assert "<script>alert" not in page
    assert page.count("BẢN NHÁP") == 2 + 8  # both bulletins and every meeting clip are espeak-ng drafts
    assert "content/guides/hong.yaml" in page  # the broken guide is named, not silently missing
    assert "Thông tin kiểm tra ngày" in page


def test_screenshot_on_a_phone_screen(catalog, tmp_path):
    shot = tmp_path / "phone.png"
    chromium(tmp_path, "--window-size=412,915", f"--screenshot={shot}", catalog.as_uri())
    assert shot.stat().st_size > 10_000
