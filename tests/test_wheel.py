"""The proof that `pip install outreach` is enough: the wheel built from this tree, installed in a new
virtual environment whose PATH holds only that environment (its python3 included) — no ffmpeg,
espeak-ng, poppler, pdfunite or hunspell to be found — then `outreach init`, `build`, `check` and
`serve` as an officer runs them. Every dependency must come as a wheel (--only-binary): no compiler.

pip takes what it can from its cache (filled by `make install` on the same machine); what it lacks
it fetches from the package index, the one place CI reaches."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from conftest import REPO
from outreach.sound import audio, loudness, mp3

PIP_SECONDS = 900


def newest_python() -> str:
    """The newest CPython 3 here (pyenv's 3.13 on this machine; neither Debian nor a registry offers one
    newer than 3.11), else the one running the tests, on which the rest of the suite runs."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(f"python3.{n}") for n in range(11, 20)] + [str(p) for p in pyenv.glob("3.*/bin/python3")]
    versions = {}
    for path in filter(None, candidates):
        done = subprocess.run([path, "-c", "import sys, venv, ensurepip; print(sys.version_info[1])"],
                              capture_output=True, text=True)
        if done.returncode == 0:
            versions[path] = int(done.stdout)
    return max(versions, key=versions.__getitem__) if versions else sys.executable


NO_GOOGLE = "http://127.0.0.1:9/"  # gTTS answered by a closed loopback port: `auto` falls back at once


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """(the new environment's bin/, the environment to run its commands with)."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root / "dist"), str(REPO)],
                   check=True, capture_output=True, timeout=PIP_SECONDS)
    [wheel] = (root / "dist").glob("outreach-*.whl")
    subprocess.run([newest_python(), "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    bin_dir = root / "venv" / "bin"
    env = {"PATH": str(bin_dir), "HOME": os.environ.get("HOME", str(root)), "LANG": "C.UTF-8",
           "OUTREACH_GTTS_URL": NO_GOOGLE, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    # pip from this environment installs into the new one (--python): the new one needs no pip of its own.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install", "-q",
                    "--only-binary=:all:", str(wheel)], check=True, capture_output=True, timeout=PIP_SECONDS)
    for program in ("ffmpeg", "espeak-ng", "pdftoppm", "pdfunite", "hunspell"):
        assert shutil.which(program, path=env["PATH"]) is None, program
    return bin_dir, env


def outreach(installed, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    bin_dir, env = installed
    return subprocess.run([str(bin_dir / "outreach"), *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=600)


@pytest.fixture(scope="module")
def built(installed, tmp_path_factory) -> Path:
    """`outreach init t` (with its own build, audio included) in the new environment."""
    here = tmp_path_factory.mktemp("commune")
    named = ["--name", "xã Tân Phú"] if "--name" in outreach(installed, "init", "--help", cwd=here).stdout else []
    done = outreach(installed, "init", "t", *named, cwd=here)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    return here / "t"


def test_the_wheel_builds_tagged_pdfs_joined_ones_too(built):
    slug = min(p.parent.name for p in (built / "build").glob("*/handout.pdf"))
    for pdf in (built / "build" / slug / "handout.pdf", built / "build" / "handouts.pdf", built / "build" / "posters.pdf"):
        with pikepdf.open(pdf) as document:
            assert document.Root.MarkInfo.Marked and str(document.Root.Lang) == "vi", pdf.name
            assert "/StructTreeRoot" in document.Root and str(document.docinfo.Title), pdf.name


def test_the_wheel_speaks_mp3s_at_minus_16_lufs(built):
    clips = sorted((built / "build").glob("*/broadcast.mp3")) + sorted((built / "build").glob("*/meeting/*.mp3"))
    assert len(clips) >= 3
    for clip in clips:
        samples = mp3.decode(clip.read_bytes(), audio.SAMPLE_RATE)
        assert abs(loudness.integrated_lufs(samples, audio.SAMPLE_RATE) + 16) <= 1.0, clip.name


def test_the_wheel_makes_share_pictures(built):
    for picture in ("handout.jpg", "poster.jpg", "card.jpg"):
        path = min((built / "build").glob(f"*/share/{picture}"))
        assert Image.open(path).format == "JPEG" and Image.open(path).width >= 1080


def test_the_wheel_checks_spelling_and_builds_again(installed, built):
    assert outreach(installed, "build", cwd=built).returncode == 0
    assert outreach(installed, "check", cwd=built).returncode == 0
    guide = built / "content" / "guides" / "dang-ky-khai-sinh.yaml"  # the commune's change to a library guide
    guide.write_text("follows: dang-ky-khai-sinh\ntitle: Hướngg dẫn đăng ký khai sinh\n", encoding="utf-8")
    done = outreach(installed, "check", cwd=built)
    assert done.returncode == 1 and "từ lạ 'Hướngg'" in done.stdout + done.stderr, done.stdout + done.stderr
    guide.unlink()


def test_the_wheel_serves_the_studio(installed, built):
    bin_dir, env = installed
    server = subprocess.Popen([str(bin_dir / "outreach"), "serve", "--port", "8391", "--no-browser"], cwd=built,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        address = re.search(r"http://127\.0\.0\.1:(\d+)(/\?token=\S+)", first)
        assert address, first
        connection = http.client.HTTPConnection("127.0.0.1", int(address.group(1)), timeout=30)
        connection.request("GET", address.group(2), headers={"Host": f"127.0.0.1:{address.group(1)}"})
        answer = connection.getresponse()
        assert answer.status in (200, 303), answer.status
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_wheel_runs_on_the_newest_python_here(installed):
    bin_dir, env = installed
    asked = [newest_python(), "-c", "import sys; print(sys.version_info[:2])"]
    used = [str(bin_dir / "python"), "-c", "import sys; print(sys.version_info[:2])"]
    assert subprocess.run(used, capture_output=True, text=True, env=env).stdout == \
        subprocess.run(asked, capture_output=True, text=True).stdout
    assert outreach(installed, "--version", cwd=bin_dir).stdout.startswith("outreach ")
