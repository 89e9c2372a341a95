"""What residents hear: bulletins and meeting clips measured with ffmpeg, engines chosen and cached."""

from __future__ import annotations

import json
import re
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from conftest import copy_project, duration_seconds, ffmpeg_loudness, run, starter, write_guide
from gtts_stub import Behaviour, StubServer
from outreach.sound import audio, loudness, mp3
from outreach.sound.engines.espeak import EspeakEngine
from outreach.sound.engines.gtts import GttsEngine


def probe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=channels,sample_rate,bit_rate,codec_name",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"][0]


@pytest.fixture(scope="module")
def espeak_build(tmp_path_factory) -> Path:
    """A one-guide project built with the offline engine."""
    root = copy_project(tmp_path_factory.mktemp("audio"), guides=False)
    write_guide(root, "thu-tuc", starter(root))
    result = run(root, "build", "--engine", "espeak-ng")
    assert result.exit_code == 0, result.output
    return root


def test_bulletin_is_loudspeaker_ready(espeak_build):
    mp3 = espeak_build / "build" / "thu-tuc" / "broadcast.mp3"
    stream = probe(mp3)
    assert (stream["codec_name"], stream["channels"], stream["sample_rate"]) == ("mp3", 1, "44100")
    assert int(stream["bit_rate"]) >= 64_000
    integrated, true_peak = ffmpeg_loudness(mp3)
    assert abs(integrated - (-16.0)) <= 1.0
    assert true_peak <= -1.0
    assert 45 <= duration_seconds(mp3) <= 240


def test_meeting_clips_one_per_step_same_loudness(espeak_build):
    folder = espeak_build / "build" / "thu-tuc" / "meeting"
    names = sorted(p.name for p in folder.glob("*.mp3"))
    assert names == ["00-gioi-thieu.mp3", "01-dang-nhap.mp3", "02-dien-to-khai.mp3", "03-nhan-ket-qua.mp3"]
    for name in names:
        integrated, true_peak = ffmpeg_loudness(folder / name)
        assert abs(integrated + 16.0) <= 1.0 and true_peak <= -1.0, name
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    assert [entry["file"] for entry in index] == names
    assert all(entry["draft"] and entry["duration_seconds"] > 1 for entry in index)


def test_sidecar_says_what_was_read_and_flags_the_draft(espeak_build):
    folder = espeak_build / "build" / "thu-tuc"
    sidecar = json.loads((folder / "broadcast.json").read_text(encoding="utf-8"))
    assert sidecar["engine"] == "espeak-ng" and sidecar["draft"] is True
    assert sidecar["priority"] == "thông thường"
    assert sidecar["voice"] == "vi"  # the draft voice, even though the sample commune is in the South
    assert abs(sidecar["duration_seconds"] - duration_seconds(folder / "broadcast.mp3")) < 0.2
    import hashlib
    assert sidecar["sha256"] == hashlib.sha256((folder / "broadcast.mp3").read_bytes()).hexdigest()
    text = sidecar["text"]
    assert not re.search(r"\d", text), "numbers must be spelled out"
    assert text.count("không hai năm một, một không hai hai") == 2, "the hotline is read twice"
    assert "https" not in text and "dichvucong" not in text


def test_sidecars_report_what_ffmpeg_measures(espeak_build):
    folder = espeak_build / "build" / "thu-tuc"
    entries = [json.loads((folder / "broadcast.json").read_text(encoding="utf-8"))]
    entries += [{**e, "file": f"meeting/{e['file']}"}
                for e in json.loads((folder / "meeting" / "index.json").read_text(encoding="utf-8"))]
    for entry in entries:
        errors = subprocess.run(["ffmpeg", "-v", "error", "-i", str(folder / entry["file"]), "-f", "null", "-"],
                                capture_output=True, text=True).stderr
        assert errors == "", f"{entry['file']} is a clean MP3 stream (its pieces joined frame by frame): {errors}"
        integrated, true_peak = ffmpeg_loudness(folder / entry["file"])
        assert abs(entry["loudness_lufs"] - integrated) <= 0.15, entry["file"]
        assert abs(entry["true_peak_dbtp"] - true_peak) <= 0.25, entry["file"]


def test_integrated_loudness_agrees_with_ffmpegs_meter_on_real_clips(espeak_build, tmp_path):
    """outreach's own gated loudness (numpy, no libebur128) against ffmpeg's ebur128 filter: the built
    clips at −16 LUFS, the same turned down 9 dB, and a take with long silences (the gates at work)."""
    folder = espeak_build / "build" / "thu-tuc"
    clips = [folder / "broadcast.mp3", *sorted((folder / "meeting").glob("*.mp3"))[:2]]
    samples = mp3.decode(clips[0].read_bytes(), audio.SAMPLE_RATE)
    quiet = (samples * 10 ** (-9 / 20)).astype(np.int16)
    rate = audio.SAMPLE_RATE
    gaps = np.concatenate([quiet[:rate * 20], np.zeros(rate * 30, np.int16), samples[:rate * 5]])
    for n, made in enumerate((quiet, gaps)):
        path = tmp_path / f"{n}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1), out.setsampwidth(2), out.setframerate(audio.SAMPLE_RATE)
            out.writeframes(made.tobytes())
        clips.append(path)
    for clip in clips:
        ours = loudness.integrated_lufs(_samples_of(clip), audio.SAMPLE_RATE)
        assert abs(ours - ffmpeg_loudness(clip)[0]) <= 0.1, clip.name


def _samples_of(clip: Path) -> np.ndarray:
    if clip.suffix == ".mp3":
        return mp3.decode(clip.read_bytes(), audio.SAMPLE_RATE)
    with wave.open(str(clip)) as source:
        return np.frombuffer(source.readframes(source.getnframes()), dtype=np.int16)


def test_true_peak_finds_the_peak_between_samples():
    # A quarter-sample-rate tone sampled 45° off its crests: every sample is at 0.707 of the crest.
    crest = 0.5
    tone = np.rint(32768 * crest * np.sin(np.pi / 2 * np.arange(4000) + np.pi / 4)).astype(np.int16)
    sample_peak = 20 * np.log10(np.abs(tone).max() / 32768)
    assert abs(sample_peak - (-9.0)) < 0.1
    assert abs(loudness.true_peak(tone) - 20 * np.log10(crest)) < 0.2  # −6.0 dBTP, as a BS.1770 meter reads it
    assert loudness.true_peak(np.zeros(100, dtype=np.int16)) == -np.inf


def test_a_clip_too_close_to_the_ceiling_is_encoded_again_quieter(tmp_path):
    # Tones peaking at −0.5 dBFS: joined frame by frame they would break the −1 dBTP ceiling.
    pieces, seconds = [], np.arange(audio.SAMPLE_RATE * 4) / audio.SAMPLE_RATE
    for n, freq in enumerate((440, 997, 1500)):
        tone = 32768 * 10 ** (-0.5 / 20) * np.sin(2 * np.pi * freq * seconds)
        audio.write_wav(tmp_path / f"{n}.wav", np.rint(tone).astype(np.int16), audio.SAMPLE_RATE)
        pieces.append(tmp_path / f"{n}.wav")
    target = tmp_path / "clip.mp3"
    [measured] = audio.assemble([(pieces, target)])
    integrated, true_peak = ffmpeg_loudness(target)
    assert true_peak <= -1.0 and measured.true_peak <= -1.0  # the platforms' ceiling
    assert abs(measured.true_peak - true_peak) <= 0.25 and abs(measured.lufs - integrated) <= 0.15
    assert abs(duration_seconds(target) - 12) < 0.2


def test_broadcast_script_is_written_for_people_to_read(espeak_build):
    script = (espeak_build / "build" / "thu-tuc" / "broadcast.txt").read_text(encoding="utf-8")
    assert script.startswith("Kính thưa bà con xã An Viễn.")
    assert script.count("(0251) 1022") == 2
    assert "Bước 1: Đăng nhập." in script


def test_build_summary_flags_drafts_in_one_line(espeak_build):
    result = run(espeak_build, "build", "--engine", "espeak-ng", "--force")
    assert "5 tệp âm thanh nháp" in result.output  # the bulletin and four meeting clips
    assert result.output.count("bản nháp") == 1
    assert "5 tệp âm thanh là bản nháp giọng máy espeak-ng (nghe thử trước khi phát loa); để có giọng thật:" in result.output
    assert "build/thu-tuc/broadcast.mp3" not in result.output
    verbose = run(espeak_build, "build", "--engine", "espeak-ng", "--force", "-v")
    assert "  bản nháp: build/thu-tuc/broadcast.mp3" in verbose.output


def test_second_build_synthesises_nothing(espeak_build, monkeypatch):
    calls = []
    original = EspeakEngine.synthesize
    monkeypatch.setattr(EspeakEngine, "synthesize", lambda self, text, wav: (calls.append(text), original(self, text, wav)))
    assert run(espeak_build, "build", "--engine", "espeak-ng", "--force", "-j", "1").exit_code == 0
    assert calls == []


def test_slower_speed_gives_a_longer_bulletin(tmp_path):
    lengths = {}
    for speed in (0.8, 1.2):
        root = copy_project(tmp_path / str(speed), guides=False)
        commune = root / "content" / "commune.yaml"
        commune.write_text(commune.read_text(encoding="utf-8") + f"audio:\n  speed: {speed}\n", encoding="utf-8")
        write_guide(root, "thu-tuc", starter(root))
        assert run(root, "build", "--engine", "espeak-ng").exit_code == 0
        lengths[speed] = duration_seconds(root / "build" / "thu-tuc" / "meeting" / "01-dang-nhap.mp3")
    assert lengths[0.8] > lengths[1.2] * 1.3


def test_auto_uses_gtts_when_it_answers_and_reuses_its_clips_offline(project, monkeypatch):
    write_guide(project, "thu-tuc", starter(project))
    behaviour = Behaviour("ok")
    with StubServer(behaviour) as server:
        monkeypatch.setenv("OUTREACH_GTTS_URL", server.url)
        assert run(project, "build").exit_code == 0
    sidecar = json.loads((project / "build" / "thu-tuc" / "broadcast.json").read_text(encoding="utf-8"))
    assert sidecar["engine"] == "gtts" and sidecar["draft"] is False
    assert all(len(text) <= 100 for text in behaviour.texts)

    monkeypatch.setenv("OUTREACH_GTTS_URL", "http://127.0.0.1:9")  # Google gone: offline now
    calls = []
    monkeypatch.setattr(EspeakEngine, "synthesize", lambda self, text, wav: calls.append(text))
    monkeypatch.setattr(GttsEngine, "synthesize", lambda self, text, wav: calls.append(text))
    result = run(project, "build", "--force", "-j", "1")
    assert result.exit_code == 0, result.output
    assert calls == []
    sidecar = json.loads((project / "build" / "thu-tuc" / "broadcast.json").read_text(encoding="utf-8"))
    assert sidecar["engine"] == "gtts"


def test_say_prints_the_reading(project):
    result = run(project, "say", "Gọi (0251) 1022 trước ngày 25/11/2026, lệ phí 50.000 đồng.")
    assert result.exit_code == 0
    assert result.output.strip() == ("Gọi không hai năm một, một không hai hai trước ngày hai mươi lăm tháng mười một "
                                     "năm hai ngàn không trăm hai mươi sáu, lệ phí năm mươi ngàn đồng.")


def test_commune_lexicon_changes_the_reading(project):
    (project / "content" / "lexicon.yaml").write_text("VNeID: vê nê ích\n", encoding="utf-8")
    assert run(project, "say", "tài khoản VNeID").output.strip() == "tài khoản vê nê ích"


def test_engines_lists_what_is_usable_here(project, monkeypatch):
    monkeypatch.setenv("OUTREACH_GTTS_URL", "http://127.0.0.1:9")
    result = run(project, "engines")
    lines = result.output.splitlines()
    assert lines[0].startswith("viettel") and "chưa có khóa" in lines[0] and "VIETTEL_TTS_TOKEN" in lines[0]
    assert lines[1].startswith("gtts") and "không dùng được: gTTS: không kết nối được" in lines[1]
    assert lines[2].startswith("piper") and "audio.piper.model" in lines[2]
    assert lines[3].startswith("espeak-ng") and "dùng được" in lines[3] and "bản nháp" in lines[3]


def test_facilitator_notes_list_the_clips_quiz_and_sign_in_sheet(espeak_build):
    from conftest import tool
    pdf = espeak_build / "build" / "thu-tuc" / "facilitator.pdf"
    pages = int(next(l for l in tool("pdfinfo", str(pdf)).splitlines() if l.startswith("Pages:")).split()[1])
    assert 2 <= pages <= 3  # one or two pages of notes, then the sign-in sheet
    text = " ".join(tool("pdftotext", str(pdf), "-").split())
    index = json.loads((espeak_build / "build" / "thu-tuc" / "meeting" / "index.json").read_text(encoding="utf-8"))
    for clip in index:
        assert f"{clip['file']} {clip['title']} {round(clip['duration_seconds'])} giây" in text
    assert "CÂU HỎI KIỂM TRA CUỐI BUỔI" in text and "5. Cần giúp đỡ thì gọi số nào? (0251) 1022" in text
    assert "DANH SÁCH THAM DỰ" in text and "Đã có tài khoản VNeID?" in text
    last_page = tool("pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-")
    assert "Họ và tên" in last_page and "Ấp / tổ" in last_page
