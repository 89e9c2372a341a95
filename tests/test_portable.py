"""outreach where Debian is not: no Unix-only call on the normal path (simulated here by taking the
Unix modules away), and the worker's portable death-with-parent."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import wave
from pathlib import Path

import lameenc
import numpy as np
import pytest

from conftest import REPO, starter, write_guide
from outreach.sound import mp3

# What Windows lacks, taken away before outreach is imported.
WITHOUT_UNIX = textwrap.dedent("""
    import os, sys
    sys.modules["fcntl"] = None
    sys.modules["resource"] = None
    del os.O_NONBLOCK
    sys.argv[0] = "outreach"
    from outreach.cli import main
    main()
""")


def outreach_without_unix(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_UNIX, *args], capture_output=True, text=True, timeout=60,
                          cwd=REPO)


def test_outreach_starts_and_reads_without_unix_only_modules(project):
    assert outreach_without_unix("--version").returncode == 0
    write_guide(project, "tot", starter(project, "tot"))
    os.mkfifo(project / "content" / "guides" / "ong.yaml")  # refused by a look before opening, not O_NONBLOCK
    done = outreach_without_unix("--project", str(project), "validate")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "content/guides/ong.yaml:1: (tệp): không phải tệp thường" in done.stdout + done.stderr


ORPHAN = textwrap.dedent("""
    import multiprocessing, os, sys, time
    from outreach import workers

    def worker(pids):
        workers._parent = os.getppid()
        workers._kernel_kills_orphans = lambda: False  # as on Windows and macOS: no prctl
        workers._die_with_parent()
        pids.put(os.getpid())
        time.sleep(60)  # a long job

    if __name__ == "__main__":
        context = multiprocessing.get_context("spawn")
        pids = context.Queue()
        context.Process(target=worker, args=(pids,)).start()
        print(pids.get(), flush=True)
        os._exit(0)  # the build dies without a word to its worker
""")


def test_a_worker_without_prctl_dies_mid_job_with_its_build(tmp_path: Path):
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    worker = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/stat")
    try:
        return status.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


# --- Each program or library from a wheel when the system's is missing ------------------------------

@pytest.fixture
def without_system_programs(monkeypatch):
    """As on a machine without Debian's packages: nothing on the PATH, no libmpg123, no hunspell-vi."""
    from outreach import programs
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(programs, "SYSTEM_DICTIONARY", Path("/nonexistent/vi_VN.dic"))
    monkeypatch.setattr(programs, "MPG123_NAMES", {})
    for found in (programs.ffmpeg, programs.libmpg123, mp3._libmpg123):
        found.cache_clear()
    yield programs
    for found in (programs.ffmpeg, programs.libmpg123, mp3._libmpg123):
        found.cache_clear()


def test_espeak_ng_speaks_through_its_library_as_the_program_does(tmp_path, monkeypatch):
    from outreach.sound.engines.espeak import EspeakEngine
    text = "Gọi (0251) 1022 trước ngày 25/11/2026, lệ phí 8.000 đ/bản."
    EspeakEngine(speed=0.9).synthesize(text, tmp_path / "program.wav")
    monkeypatch.setenv("PATH", "")
    assert EspeakEngine().unusable_reason() is None
    EspeakEngine(speed=0.9).synthesize(text, tmp_path / "library.wav")
    program, library = (_samples(tmp_path / f"{name}.wav") for name in ("program", "library"))
    # espeakng-loader's 1.52 against Debian's 1.51 program: the same voice, pace and words, a few ms apart
    assert abs(len(library) - len(program)) / len(program) < 0.01
    assert abs(_rms(library) - _rms(program)) / _rms(program) < 0.05


def _samples(wav: Path) -> np.ndarray:
    with wave.open(str(wav)) as source:
        assert source.getframerate() == 22050 and source.getnchannels() == 1
        return np.frombuffer(source.readframes(source.getnframes()), dtype=np.int16)


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(float) ** 2)))


def test_mp3s_decode_alike_without_libmpg123(without_system_programs):
    tone = (np.sin(np.arange(3 * 44100) * 2 * np.pi * 440 / 44100) * 8000).astype(np.int16)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(96)
    encoder.set_in_sample_rate(44100)
    encoder.set_channels(1)
    stream = bytes(encoder.encode(tone.tobytes()) + encoder.flush())
    by_miniaudio = mp3.decode(stream, 44100)
    without_system_programs.libmpg123.cache_clear()
    mp3._libmpg123.cache_clear()
    without_system_programs.MPG123_NAMES = {sys.platform: "libmpg123.so.0"}
    by_libmpg123 = mp3.decode(stream, 44100)
    assert len(by_miniaudio) == len(by_libmpg123) == mp3.frame_count(stream) * mp3.SAMPLES_PER_FRAME
    assert np.abs(by_miniaudio.astype(int) - by_libmpg123).max() <= 1


def test_ffmpeg_comes_from_imageio_ffmpeg_and_cleans_a_take(without_system_programs, tmp_path):
    from outreach.sound.ffmpeg import ffmpeg
    assert "imageio_ffmpeg" in without_system_programs.ffmpeg()
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=1", "-af", "highpass=f=80,afftdn=nr=12:nf=-40", str(tmp_path / "t.wav"))
    assert (tmp_path / "t.wav").stat().st_size > 44100


def test_the_shipped_dictionary_judges_as_debians_hunspell(without_system_programs):
    from outreach import spelling
    from outreach.content import load_content
    from outreach.project import Project
    content = load_content(Project(REPO))
    words = {word for source in content.sources for _, text in spelling._texts(source.data, None, ())
             for word in spelling.WORD.findall(text)}
    words |= {"khơi", "Uỷ", "Ủy", "xoá", "ĐĂNG", "dangky", "nhàaa", "Tân", "Phú", "quẩy"}
    words = {w for w in words if len(w) > 1}  # single letters are never asked (spelling.py)
    hunspell = subprocess.run(["/usr/bin/hunspell", "-d", "vi_VN", "-l", "-i", "utf-8"], input="\n".join(sorted(words)),
                              capture_output=True, text=True, check=True, env={"PATH": "/usr/bin"}).stdout.split()
    spelling._dictionary.cache_clear()
    assert without_system_programs.dictionary().is_relative_to(REPO / "outreach")
    assert spelling._unknown(words) == set(hunspell) and "dangky" in hunspell and len(words) > 500


# --- What is missing is named, in Vietnamese, with the package that brings it --------------------------

WITHOUT_PANGO = textwrap.dedent("""
    import builtins, sys
    real_import = builtins.__import__
    def without_pango(name, *args, **kwargs):  # what importing WeasyPrint does where Pango is not installed
        if name.split(".")[0] == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)
    builtins.__import__ = without_pango
    sys.argv[0] = "outreach"
    from outreach.cli import main
    main()
""")


def test_without_pango_a_build_says_what_to_install(project):
    write_guide(project, "tot", starter(project, "tot"))
    done = subprocess.run([sys.executable, "-c", WITHOUT_PANGO, "--project", str(project), "build", "--no-audio"],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    said = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in said and "WeasyPrint could not" not in said, said
    assert "thiếu thư viện Pango" in said and "apt-get install libpango-1.0-0" in said and "brew install pango" in said


def test_without_any_ffmpeg_the_message_names_both_packages(without_system_programs, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(without_system_programs.ProgramMissing) as refused:
        without_system_programs.ffmpeg()
    assert refused.value.format_message() == ("thiếu chương trình ffmpeg: cài gói pip imageio-ffmpeg (pip install "
                                              "imageio-ffmpeg) hoặc gói hệ thống ffmpeg (apt-get install ffmpeg)")
