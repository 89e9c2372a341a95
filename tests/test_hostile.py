"""Attacks and bad luck, one test each, and what each gets.

Hostile content (files that never end, pictures that explode, schedules that multiply), a hostile
network (a Google stand-in that drips or babbles) and a faulty machine (a second build, a killed
build, a dead worker, an unwritable cache). Every case must end quickly with a message naming the
file and the cause, keep what was built before, and never print a traceback.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import line_of, run, starter, write_guide
from gtts_stub import Behaviour, StubServer

# A safety net only: the cases below must finish in seconds; this stops a regression from hanging CI.
HANG = 120


def run_bounded(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The CLI in its own process, so that a case that hangs fails instead of stopping the suite."""
    return subprocess.run([sys.executable, "-m", "outreach", "--project", str(project), *args],
                          capture_output=True, text=True, timeout=HANG, env={**os.environ, **(env or {})})


def out(done) -> str:
    return done.stdout + done.stderr


def no_traceback(text: str) -> bool:
    return "Traceback" not in text


# --- Files that never end, and files that are not files -----------------------------------------

def test_a_guide_that_is_a_fifo_is_refused_not_waited_on(project):
    write_guide(project, "tot", starter(project, "tot"))
    os.mkfifo(project / "content" / "guides" / "ong.yaml")
    done = run_bounded(project, "validate")
    assert done.returncode == 1 and no_traceback(out(done))
    assert "content/guides/ong.yaml:1: (tệp): không phải tệp thường" in out(done)


def test_commune_yaml_linked_to_dev_zero_is_refused(project):
    commune = project / "content" / "commune.yaml"
    commune.unlink()
    commune.symlink_to("/dev/zero")
    done = run_bounded(project, "validate")
    assert done.returncode == 1 and no_traceback(out(done))
    assert "content/commune.yaml:1: (tệp): không phải tệp thường" in out(done)


@pytest.mark.parametrize("name", ["lexicon.yaml", "schedule.yaml"])
def test_lexicon_or_schedule_as_a_fifo_is_refused(project, name):
    write_guide(project, "tot", starter(project, "tot"))
    os.mkfifo(project / "content" / name)
    done = run_bounded(project, "validate")
    assert done.returncode == 1 and no_traceback(out(done))
    assert f"content/{name}:1: (tệp): không phải tệp thường" in out(done)


def test_a_huge_words_txt_is_refused_after_one_megabyte(project):
    write_guide(project, "tot", starter(project, "tot"))
    with open(project / "content" / "words.txt", "wb") as words:
        words.truncate(405 * 1024 * 1024)  # sparse: 405 MB of zero bytes that take no disk
    done = run_bounded(project, "check")
    assert done.returncode == 1 and no_traceback(out(done))
    assert "content/words.txt:1: (tệp): tệp quá lớn (414720 KB), tối đa 1 MB" in out(done)


def test_words_txt_as_a_fifo_is_refused(project):
    write_guide(project, "tot", starter(project, "tot"))
    os.mkfifo(project / "content" / "words.txt")
    done = run_bounded(project, "check")
    assert done.returncode == 1 and no_traceback(out(done))
    assert "content/words.txt:1: (tệp): không phải tệp thường" in out(done)


def test_words_txt_not_in_utf8_is_named_with_its_line(project):
    write_guide(project, "tot", starter(project, "tot"))
    windows_1258 = b"B\xecnh D\xfd\xf5ng\n"  # as an old editor saves "Bình Dương"
    (project / "content" / "words.txt").write_bytes("An Viễn\nĐồng Nai\n".encode() + windows_1258)
    for command in ("check", "validate"):
        result = run(project, command)
        assert result.exit_code == 1
        assert "content/words.txt:3: (tệp): tệp không phải mã UTF-8" in result.output


def test_a_guide_linked_out_of_content_is_refused_and_counted_failed(project, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text(starter(project, "tam"), encoding="utf-8")
    (project / "content" / "guides" / "tam.yaml").unlink()
    write_guide(project, "tot", starter(project, "tot"))
    (project / "content" / "guides" / "lien-ket.yaml").symlink_to(outside)
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    assert "content/guides/lien-ket.yaml:1: (tệp): tệp là liên kết tới nơi ngoài thư mục content/" in result.output
    assert "1 hướng dẫn lỗi" in result.output
    assert not (project / "build" / "lien-ket").exists()
    assert (project / "build" / "tot" / "handout.pdf").is_file()


# --- The lexicon: one bad entry ------------------------------------------------------------------

LEXICON = "VNeID: vê en e i đi\nOCOP:\n  - ô\n  - cốp\nHTX: hợp tác xã\n"


def test_one_bad_lexicon_entry_is_named_and_the_others_still_apply(project):
    (project / "content" / "lexicon.yaml").write_text(LEXICON, encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert (f"content/lexicon.yaml:{line_of(LEXICON, 'OCOP')}: OCOP: cách đọc phải là một đoạn chữ"
            in result.output)
    reading = run(project, "say", "Tài khoản VNeID của HTX").output
    assert "vê en e i đi" in reading and "hợp tác xã" in reading


def test_no_audio_is_remade_from_a_half_read_lexicon(project):
    write_guide(project, "tot", starter(project, "tot"))
    assert run(project, "build", "--engine", "espeak-ng").exit_code == 0
    bulletin = (project / "build" / "tot" / "broadcast.mp3").read_bytes()
    (project / "content" / "lexicon.yaml").write_text(LEXICON, encoding="utf-8")
    result = run(project, "build", "--engine", "espeak-ng")
    assert result.exit_code == 1
    assert "OCOP: cách đọc phải là một đoạn chữ" in result.output
    assert "content/lexicon.yaml:1: (âm thanh): chưa tạo lại âm thanh của tot" in result.output
    assert "1 hướng dẫn lỗi" in result.output
    assert (project / "build" / "tot" / "broadcast.mp3").read_bytes() == bulletin
    (project / "content" / "lexicon.yaml").write_text("VNeID: vê en e i đi\n", encoding="utf-8")
    assert run(project, "build", "--engine", "espeak-ng").exit_code == 0


# --- Two builds, a killed build, a dead worker ---------------------------------------------------

def test_a_second_build_is_refused_while_the_first_runs(project, monkeypatch):
    from outreach import buildlock
    write_guide(project, "tot", starter(project, "tot"))
    (project / "build" / ".cache").mkdir(parents=True)
    monkeypatch.setattr(buildlock, "LOCK_WAIT", 0.3)
    with open(project / "build" / buildlock.LOCK_FILE, "w") as first:
        fcntl.flock(first, fcntl.LOCK_EX)
        first.write("4242\n")
        first.flush()
        result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    assert "một lần tạo khác (tiến trình 4242) đang chạy" in result.output
    assert not (project / "build" / "tot").exists()


def test_the_lock_of_a_killed_build_is_taken_over(project):
    write_guide(project, "tot", starter(project, "tot"))
    (project / "build" / ".cache").mkdir(parents=True)
    (project / "build" / ".cache" / "build.lock").write_text("999999\n")  # its holder is long gone
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 0, result.output
    assert (project / "build" / ".cache" / "build.lock").read_text().strip() == str(os.getpid())


def children_of(pid: int) -> set[int]:
    kids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.add(int(stat.parent.name))
    return kids


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_die_with_a_build_killed_by_sigkill(project):
    for slug in ("mot", "hai", "ba"):
        write_guide(project, slug, starter(project, slug))
    build = subprocess.Popen([sys.executable, "-m", "outreach", "--project", str(project), "build", "-j", "2",
                              "--engine", "espeak-ng"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline and build.poll() is None:
        workers = {p for p in children_of(build.pid)
                   if "multiprocessing" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")
                   or Path(f"/proc/{p}/exe").resolve() == Path(sys.executable).resolve()}
        time.sleep(0.05)
    assert len(workers) == 2, "the build did not start its workers"
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(w) for w in workers)


def test_a_worker_killed_mid_guide_fails_that_guide_only(project, monkeypatch):
    from outreach import guidebuild
    for slug in ("mot", "hai", "ba", "bon"):
        write_guide(project, slug, starter(project, slug))
    real = guidebuild.build_guide

    def oom_killer(ctx, job):  # runs in the forked workers
        if job.slug == "hai":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(ctx, job)

    monkeypatch.setattr(guidebuild, "build_guide", oom_killer)
    result = run(project, "build", "--no-audio", "-j", "2")
    assert result.exit_code == 1
    assert "content/guides/hai.yaml:1: (tiến trình): tiến trình tạo bản in của hướng dẫn này bị dừng đột ngột" in result.output
    assert no_traceback(result.output)
    manifest = json.loads((project / "build" / "manifest.json").read_text())["units"]
    for slug in ("mot", "ba", "bon"):
        assert (project / "build" / slug / "handout.pdf").is_file()
        assert f"{slug}/handout" in manifest
    assert not any(unit.startswith("hai/") for unit in manifest)
    assert "hướng dẫn lỗi" in result.output


# --- A schedule that multiplies ------------------------------------------------------------------

SLOT = '    - {start: "06:00", end: "06:30", guides: [tot]}\n'


def schedule_with(campaigns: int, slots: int) -> str:
    campaign = "- name: Đợt {}\n  start: 2026-12-01\n  end: 2026-12-31\n  slots:\n"
    return "campaigns:\n" + "".join(campaign.format(n) + SLOT * slots for n in range(campaigns))


def test_3792_identical_slots_are_refused_in_a_few_lines(project):
    write_guide(project, "tot", starter(project, "tot"))
    (project / "content" / "schedule.yaml").write_text(schedule_with(316, 12), encoding="utf-8")
    done = run_bounded(project, "validate")
    assert done.returncode == 1 and no_traceback(out(done))
    assert "content/schedule.yaml:1: campaigns: nhiều nhất 50 mục" in out(done)
    assert len(out(done).splitlines()) < 150


def test_overlaps_of_thousands_of_slots_are_counted_not_listed():
    from outreach.model import Campaign, Schedule, Slot
    import datetime as dt
    slot = Slot(start="06:00", end="06:30", guides=["tot"])
    campaign = Campaign.model_construct(name="Đợt", start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31),
                                        days=["thứ hai"], slots=[slot] * 3792)
    problems = Schedule.model_construct(campaigns=[campaign]).problems({"tot"})
    assert len(problems) == 21
    assert problems[0] == (("campaigns", 0, "slots", 1, "start"), "trùng giờ với khung 06:00–06:30 của đợt 'Đợt'")
    assert problems[-1][1] == "và 3771 chỗ trùng giờ khác"


def test_many_slots_in_one_campaign_are_named(project):
    write_guide(project, "tot", starter(project, "tot"))
    text = schedule_with(1, 40)
    (project / "content" / "schedule.yaml").write_text(text, encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert "campaigns[0].slots: nhiều nhất 12 mục" in result.output


# --- A hostile Google: it drips, babbles, or turns after a good start ----------------------------

@pytest.fixture
def google(monkeypatch):
    """Start the loopback stand-in with a behaviour; gTTS is pointed at it and given short limits."""
    from outreach.sound.engines import gtts
    monkeypatch.setattr(gtts, "GTTS_DEADLINE", 1.0)
    monkeypatch.setattr(gtts, "GTTS_BACKOFF", 0.01)
    servers = []

    def start(mode: str, **kwargs) -> Behaviour:
        behaviour = Behaviour(mode, **kwargs)
        servers.append(StubServer(behaviour).__enter__())
        monkeypatch.setenv("OUTREACH_GTTS_URL", servers[-1].url)
        return behaviour

    yield start
    for server in servers:
        server.__exit__()


def bulletin_engine(project: Path, slug: str = "tot") -> str:
    return json.loads((project / "build" / slug / "broadcast.json").read_text(encoding="utf-8"))["engine"]


def test_google_dripping_a_byte_at_a_time_is_given_up_on(google, tmp_path):
    from outreach.errors import SpeechError
    from outreach.sound.engines.gtts import GttsEngine
    google("drip")
    with pytest.raises(SpeechError, match="quá chậm"):
        GttsEngine().synthesize("Xin chào bà con.", tmp_path / "a.wav")
    assert not (tmp_path / "a.wav").exists()


def test_probe_of_a_dripping_google_ends_and_says_why(google):
    from outreach.sound.engines.gtts import GttsEngine
    google("drip")
    assert "quá chậm" in GttsEngine().unusable_reason()


@pytest.mark.parametrize("mode", ["binary", "bad-base64", "not-mp3"])
def test_a_garbage_answer_is_this_engine_failing_once(google, tmp_path, mode):
    from outreach.errors import SpeechError
    from outreach.sound.engines.gtts import GttsEngine
    behaviour = google(mode)
    with pytest.raises(SpeechError, match="gTTS: máy chủ Google trả lời sai định dạng"):
        GttsEngine().synthesize("Xin chào bà con.", tmp_path / "a.wav")
    assert len(behaviour.texts) == 1  # garbage once is garbage again: not asked four times


@pytest.mark.parametrize("mode", ["binary", "drip"])
def test_auto_falls_back_to_espeak_when_google_is_garbage_from_the_start(google, project, mode):
    write_guide(project, "tot", starter(project, "tot"))
    google(mode)
    result = run(project, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    assert bulletin_engine(project) == "espeak-ng"


@pytest.mark.parametrize("mode", ["then-throttle", "then-hang", "then-garbage"])
def test_auto_falls_back_when_google_turns_after_a_good_probe(google, project, mode):
    write_guide(project, "tot", starter(project, "tot"))
    google(mode, good=1)  # the probe is answered well, nothing after it
    result = run(project, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    assert no_traceback(result.output)
    assert bulletin_engine(project) == "espeak-ng"
    assert "bản nháp" in result.output


def test_forced_gtts_with_garbage_fails_the_guide_with_the_cause(google, project):
    write_guide(project, "tot", starter(project, "tot"))
    google("binary")
    result = run(project, "build", "--engine", "gtts", "-j", "1")
    assert result.exit_code == 1
    assert ("content/guides/tot.yaml:1: (âm thanh): không tạo được tot/broadcast.json, tot/meeting/index.json: "
            "không có công cụ đọc nào dùng được — gtts: gTTS: máy chủ Google trả lời sai định dạng") in result.output
    assert (project / "build" / "tot" / "handout.pdf").is_file()


def test_the_stand_in_address_is_the_engines_not_a_patch_of_gtts(tmp_path):
    import gtts.tts
    from outreach.sound.engines.gtts import GttsEngine
    original = gtts.tts._translate_url
    behaviour = Behaviour("ok")
    with StubServer(behaviour) as server:
        GttsEngine(address=server.url).synthesize("Xin chào bà con.", tmp_path / "a.wav")
    assert behaviour.texts == ["Xin chào bà con."]
    assert gtts.tts._translate_url is original


# --- The speech cache: unwritable, raced, never pruned --------------------------------------------

def test_an_unwritable_speech_cache_is_named_not_blamed_on_espeak(project):
    write_guide(project, "tot", starter(project, "tot"))
    (project / "build" / ".cache" / "speech").mkdir(parents=True)
    (project / "build" / ".cache" / "speech" / "espeak-ng").write_text("not a folder")
    result = run(project, "build", "--engine", "espeak-ng", "-j", "1")
    assert result.exit_code == 1
    assert ("content/guides/tot.yaml:1: (âm thanh): không tạo được tot/broadcast.json, tot/meeting/index.json: "
            "không ghi được build/.cache/speech/espeak-ng/") in result.output
    assert "vào bộ nhớ đệm giọng đọc: một tệp thường nằm ở chỗ của thư mục" in result.output
    assert "espeak-ng không tạo được" not in result.output
    assert (project / "build" / "tot" / "handout.pdf").is_file()


def test_a_temp_file_removed_by_another_build_is_said_so(project, monkeypatch):
    from outreach.sound.engines.espeak import EspeakEngine
    write_guide(project, "tot", starter(project, "tot"))
    real = EspeakEngine.synthesize

    def raced(self, text, wav):  # another build's clean-up removes our temp file meanwhile
        real(self, text, wav)
        wav.unlink()

    monkeypatch.setattr(EspeakEngine, "synthesize", raced)
    result = run(project, "build", "--engine", "espeak-ng", "-j", "1")
    assert result.exit_code == 1 and no_traceback(result.output)
    assert "bị xóa trong khi đang ghi (có lẽ một lần tạo khác đang chạy cùng lúc" in result.output
    assert "espeak-ng không tạo được" not in result.output


def cache_files(project: Path) -> set[Path]:
    return {p for p in (project / "build" / ".cache" / "speech").rglob("*") if p.is_file()}


def test_the_speech_cache_drops_what_no_build_used_lately_but_keeps_other_guides(project, monkeypatch):
    from outreach.sound import cache as speech
    write_guide(project, "mot", starter(project, "mot"))
    write_guide(project, "hai", starter(project, "hai").replace("Đăng ký khai sinh", "Đăng ký kết hôn"))
    assert run(project, "build", "--engine", "espeak-ng").exit_code == 0
    everything = cache_files(project)
    long_ago = time.time() - 10 * 24 * 3600
    for path in everything:
        os.utime(path, (long_ago, long_ago))
    assert run(project, "build", "--only", "mot", "--force", "--engine", "espeak-ng").exit_code == 0
    assert cache_files(project) == everything  # under the cap: another guide's sections are kept

    monkeypatch.setattr(speech, "SPEECH_CACHE_MAX_BYTES", 1)  # a full disk's worth: over the cap
    assert run(project, "build", "--only", "mot", "--force", "--engine", "espeak-ng").exit_code == 0
    left = cache_files(project)
    assert left < everything
    assert all(path.stat().st_mtime > long_ago for path in left if path.suffix == ".wav")
    calls = []
    from outreach.sound.engines.espeak import EspeakEngine
    real = EspeakEngine.synthesize
    monkeypatch.setattr(EspeakEngine, "synthesize",
                        lambda self, text, wav: (calls.append(text), real(self, text, wav)))
    assert run(project, "build", "--only", "mot", "--force", "--engine", "espeak-ng", "-j", "1").exit_code == 0
    assert calls == []  # what the last build used is still there

    monkeypatch.setattr(speech, "SPEECH_CACHE_MAX_BYTES", 2 * 1024 ** 3)
    monkeypatch.setattr(speech, "SPEECH_CACHE_MAX_AGE", 0.0)
    for path in cache_files(project):
        os.utime(path, (long_ago, long_ago))
    before = cache_files(project)
    assert run(project, "build", "--only", "hai", "--force", "--engine", "espeak-ng").exit_code == 0
    after = cache_files(project)
    assert before - after  # what only 'mot' used, unused for longer than the age limit, is gone
    assert all(path.stat().st_mtime > long_ago for path in after if path.suffix == ".wav")


# --- Pictures that are not pictures, or explode when decoded ------------------------------------

def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header and a tiny IDAT that claims `width` × `height` pixels: a decompression bomb."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    from PIL import Image
    whole = io.BytesIO()
    Image.effect_noise((800, 600), 64).convert("RGB").save(whole, "JPEG", quality=90)
    return whole.getvalue()[: len(whole.getvalue()) // 2]


ENTITY_BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">\n'
               + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(6))
               + ']>\n<svg xmlns="http://www.w3.org/2000/svg"><text>&g;</text></svg>\n')

PICTURES = {
    "text-named.png": (b"this is a text file, not a picture\n", "không phải là ảnh"),
    "half.jpg": (truncated_jpeg(), "bị hỏng hoặc không đầy đủ"),
    "bomb.png": (png_claiming(100_000, 100_000), "quá lớn, tối đa 50 triệu điểm ảnh"),
    "big.png": (png_claiming(9_000, 7_000), "quá lớn (9000 × 7000 điểm ảnh), tối đa 50 triệu điểm ảnh"),
    "laughs.svg": (ENTITY_BOMB.encode(), "có khai báo DOCTYPE/ENTITY, không được phép"),
    "huge.svg": (b"<svg xmlns='http://www.w3.org/2000/svg'>" + b" " * (2 * 1024 * 1024) + b"</svg>",
                 "tệp quá lớn (2048 KB), tối đa 1 MB"),
    "not.svg": (b"<html><body>hello</body></html>", "không phải ảnh SVG hợp lệ"),
}


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_a_step_picture_that_is_not_a_safe_picture_is_a_problem_at_its_key(project, name):
    data, message = PICTURES[name]
    (project / "content" / "images").mkdir()
    (project / "content" / "images" / name).write_bytes(data)
    text = starter(project, "anh").replace("    icon: login\n", f"    icon: login\n    image: images/{name}\n", 1)
    write_guide(project, "anh", text)
    write_guide(project, "tot", starter(project, "tot"))
    done = run_bounded(project, "build", "--no-audio")
    assert done.returncode == 1 and no_traceback(out(done))
    assert f"content/guides/anh.yaml:{line_of(text, f'image: images/{name}')}: steps[" in out(done)
    assert f"content/images/{name}" in out(done) and message in out(done)
    assert (project / "build" / "tot" / "handout.pdf").is_file()
    assert not (project / "build" / "anh").exists()


def test_a_commune_logo_bomb_is_a_problem_of_commune_yaml(project):
    (project / "content" / "images").mkdir()
    (project / "content" / "images" / "logo.png").write_bytes(png_claiming(60_000, 60_000))
    commune = project / "content" / "commune.yaml"
    text = commune.read_text(encoding="utf-8") + "logo: images/logo.png\n"
    commune.write_text(text, encoding="utf-8")
    done = run_bounded(project, "validate")
    assert done.returncode == 1 and no_traceback(out(done))
    assert f"content/commune.yaml:{line_of(text, 'logo:')}: logo: ảnh content/images/logo.png quá lớn" in out(done)


def test_a_picture_damaged_after_validation_is_an_error_naming_it(tmp_path):
    from outreach import assets
    from outreach.errors import OutreachError
    picture = tmp_path / "content" / "images" / "half.jpg"
    picture.parent.mkdir(parents=True)
    picture.write_bytes(truncated_jpeg())
    with pytest.raises(OutreachError, match="content/images/half.jpg"):
        assets.image_data_uri(picture)


def test_an_ffmpeg_run_that_does_not_end_is_stopped_with_a_message(monkeypatch):
    from outreach.sound import ffmpeg
    monkeypatch.setattr(ffmpeg, "FFMPEG_SECONDS", 1)
    started = time.monotonic()
    with pytest.raises(ffmpeg.AudioError, match="quá 1 giây"):  # -re: 30 s of input take 30 s to read
        ffmpeg.ffmpeg("-re", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "30", "-f", "null", "-")
    assert time.monotonic() - started < 10
