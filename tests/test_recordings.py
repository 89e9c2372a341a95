"""The officer's own recordings in the bulletins, tried the way an officer would: phone-like takes
(48 kHz stereo AAC, pink noise, two seconds of silence at each end) dropped into content/recordings/."""

from __future__ import annotations

import errno
import json
import re
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import copy_project, duration_seconds, ffmpeg_loudness, run, starter, write_guide

SLUG = "thu-tuc"


def make_take(path: Path, text: str | None, voice_volume: float = 0.5, noise: float = 0.01) -> Path:
    """A phone recording of `text` read by espeak-ng (None: no voice at all, only the room); the noise is
    seeded, so a take is the same on every run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        source = ["-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude={noise}:duration=6:seed=14"] if noise else \
            ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "6"]
        subprocess.run(["ffmpeg", "-v", "error", "-y", *source, "-af", "aresample=48000,pan=stereo|c0=c0|c1=c0",
                        "-c:a", "aac", str(path)], check=True)
        return path
    voice = path.with_suffix(".voice.wav")
    subprocess.run(["espeak-ng", "-v", "vi", "-w", str(voice), text], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(voice), "-f", "lavfi", "-i",
                    f"anoisesrc=color=pink:amplitude={noise}:duration=60:seed=14", "-filter_complex",
                    f"[0:a]volume={voice_volume},aresample=48000,adelay=2000,apad=pad_dur=2[v];[1:a]aresample=48000[n];"
                    "[v][n]amix=inputs=2:duration=first:normalize=0,pan=stereo|c0=c0|c1=c0",
                    "-c:a", "aac", str(path)], check=True)
    voice.unlink()
    return path


def record_sheet(project: Path) -> dict[str, tuple[str, str, str]]:
    """section id → (state, file, text), as `outreach record` prints them."""
    result = run(project, "record", SLUG)
    assert result.exit_code == 0, result.output
    found = re.findall(r"^\[(\S+)\] [^\n]*?: ([^\n]*)\n  lưu vào: (\S+)\n  ([^\n]*)$", result.output, re.M)
    return {section: (state, file, text) for section, state, file, text in found}


def sidecar(project: Path) -> dict:
    return json.loads((project / "build" / SLUG / "broadcast.json").read_text(encoding="utf-8"))


def section(project: Path, section_id: str) -> dict:
    return next(s for s in sidecar(project)["sections"] if s["id"] == section_id)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, object, dict]:
    """A guide with one good take and one of each kind a build must refuse, built once."""
    project = copy_project(tmp_path_factory.mktemp("recordings"), guides=False)
    starter(project, SLUG)
    sheet = record_sheet(project)
    folder = project / "content" / "recordings" / SLUG
    short = sheet["bantin-steps"][2]  # "Cách làm gồm 3 bước."
    make_take(folder / "bantin-step-1.m4a", sheet["bantin-step-1"][2])                     # step 1, well read
    make_take(folder / "bantin-greeting.m4a", sheet["bantin-greeting"][2], voice_volume=12)   # clipped
    make_take(folder / "bantin-steps.m4a", short, voice_volume=0.02, noise=0.0005)  # far too quiet
    make_take(folder / "bantin-step-2.m4a", None, noise=0.05)                          # only the room
    make_take(folder / "bantin-step-3.m4a", None, noise=0)                             # nothing at all
    make_take(folder / "bantin-why-online.m4a", short)                                     # the wrong, short text
    result = run(project, "build", "--engine", "espeak-ng", "--only", SLUG)
    assert result.exit_code == 0, result.output
    return project, result, sheet


def test_a_good_take_is_heard_trimmed_and_levelled(recorded):
    project, _, _ = recorded
    heard = section(project, "bantin-step-1")
    assert heard["source"] == "recording"
    take = project / "content" / "recordings" / SLUG / "bantin-step-1.m4a"
    assert heard["duration_seconds"] < duration_seconds(take) - 3  # the four seconds of silence are cut
    assert section(project, "bantin-documents")["source"] == "espeak-ng"
    lufs, peak = ffmpeg_loudness(project / "build" / SLUG / "broadcast.mp3")
    assert abs(lufs + 16) <= 1 and peak <= -1
    assert sidecar(project)["draft"] is True  # espeak-ng still speaks most of it
    # The meeting clip of step 1 says the same words: the one take voices it too, and nothing else.
    meeting = json.loads((project / "build" / SLUG / "meeting" / "index.json").read_text(encoding="utf-8"))
    step1 = next(clip for clip in meeting if clip["file"].startswith("01-"))
    assert step1["engine"] == "recording" and step1["draft"] is False


def test_each_bad_take_is_named_with_the_reason(recorded):
    project, result, _ = recorded
    warned = {line.split("bantin-")[1].split(".m4a")[0]: line for line in result.output.splitlines()
              if "content/recordings/thu-tuc/bantin-" in line}
    assert "rè vì quá to" in warned["greeting"]
    assert "độ dài bản thu không khớp" in warned["why-online"]
    assert "quá nhỏ" in warned["steps"]
    assert "chỉ có tiếng ồn" in warned["step-2"]
    assert "trống" in warned["step-3"]
    for refused in ("bantin-greeting", "bantin-why-online", "bantin-steps", "bantin-step-2", "bantin-step-3"):
        assert section(project, refused)["source"] == "espeak-ng"
        assert f"{refused}.m4a: không dùng được" in section(project, refused)["problem"]


def test_record_lists_each_section_with_its_file_and_state(recorded):
    project, _, _ = recorded
    sheet = record_sheet(project)
    assert sheet["bantin-step-1"][0] == "đã thu: bantin-step-1.m4a"
    assert sheet["bantin-documents"][0] == "chưa thu"
    assert sheet["bantin-documents"][1] == "content/recordings/thu-tuc/bantin-documents.m4a"


def test_catalog_says_which_recordings_to_make_again(recorded):
    project, _, _ = recorded
    catalog = (project / "build" / "index.html").read_text(encoding="utf-8")
    assert "Bản thu cần làm lại hoặc nghe lại" in catalog and "bantin-step-2.m4a" in catalog


def test_unchanged_recordings_build_nothing_and_an_edit_marks_the_take_out_of_date(recorded):
    project, _, _ = recorded
    again = run(project, "build", "--engine", "espeak-ng", "--only", SLUG)
    assert again.exit_code == 0 and "Không có gì thay đổi" in again.output, again.output
    guide = project / "content" / "guides" / f"{SLUG}.yaml"
    guide.write_text(guide.read_text(encoding="utf-8").replace("VNeID mức độ 2.", "VNeID mức độ 2 của mình."),
                     encoding="utf-8")
    rebuilt = run(project, "build", "--engine", "espeak-ng", "--only", SLUG)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert section(project, "bantin-step-1")["source"] == "espeak-ng"
    assert "bantin-step-1.m4a: cần thu lại" in rebuilt.output
    assert record_sheet(project)["bantin-step-1"][0].startswith("cần thu lại")


def test_a_bulletin_recorded_whole_is_not_a_draft(recorded):
    project, _, _ = recorded
    text = (project / "build" / SLUG / "broadcast.txt").read_text(encoding="utf-8")
    make_take(project / "content" / "recordings" / SLUG / "broadcast.m4a", " ".join(text.split()))
    result = run(project, "build", "--engine", "espeak-ng", "--only", SLUG)
    assert result.exit_code == 0, result.output
    bulletin = sidecar(project)
    assert bulletin["draft"] is False and bulletin["engine"] == "recording"
    assert [s["source"] for s in bulletin["sections"]] == ["recording"]
    lufs, peak = ffmpeg_loudness(project / "build" / SLUG / "broadcast.mp3")
    assert abs(lufs + 16) <= 1 and peak <= -1


def test_a_clip_wholly_recorded_needs_no_engine(tmp_path):
    """With every section recorded, a clip is made even where no engine can speak at all."""
    from outreach.script import Script
    from outreach.sound.recordings import Takes
    from outreach.sound.speech import Speaker

    texts = ["Kính thưa bà con xã An Viễn.", "Xin cảm ơn bà con đã lắng nghe."]
    for number, text in enumerate(texts, 1):
        make_take(tmp_path / "recordings" / SLUG / f"gioithieu-{number:02d}.m4a", text)
    speaker = Speaker([], tmp_path / "build" / ".cache" / "speech", "north", {}, 0.9)
    clip = speaker.make_clip(Script("00-gioi-thieu", "Giới thiệu", texts, "gioithieu"), tmp_path / "clip.mp3", False,
                         takes=Takes(tmp_path / "recordings", SLUG))
    assert clip.engine == "recording" and not clip.draft
    assert [s["source"] for s in clip.sections] == ["recording", "recording"]
    assert (tmp_path / "clip.mp3").stat().st_size > 0


def test_a_take_too_quiet_to_survive_trimming_is_called_quiet_not_empty():
    """Trimming at -42 dB can cut a whispered take almost whole; the officer must hear "speak louder"."""
    from outreach.sound.recordings import Measured, refusal
    whispered = Measured(seconds=5.5, speech_seconds=0.0, clipped=0.0, lufs=-50.7, speech_over_noise=31.7)
    assert "quá nhỏ" in refusal(whispered, "Cách làm gồm ba bước.")
    silent = Measured(seconds=6.0, speech_seconds=0.0, clipped=0.0, lufs=float("-inf"), speech_over_noise=0.0)
    assert "trống" in refusal(silent, "Cách làm gồm ba bước.")


THANKS = "Xin trân trọng cảm ơn bà con đã lắng nghe."  # the bulletin's last section, in every guide


def audio_files(project: Path, slug: str) -> dict[str, int]:
    """Each audio output of a guide (the clips and their sidecars) → its mtime: what a build remade."""
    folder = project / "build" / slug
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in
            [folder / "broadcast.mp3", folder / "broadcast.json", *sorted((folder / "meeting").iterdir())]}


def test_a_common_take_voices_its_section_in_every_guide_and_remakes_only_the_clips_saying_it(project):
    write_guide(project, "mot", starter(project, "mot"))
    write_guide(project, "hai", starter(project, "hai").replace("Đăng ký khai sinh", "Đăng ký kết hôn"))
    assert run(project, "build", "--engine", "espeak-ng").exit_code == 0
    before = {slug: audio_files(project, slug) for slug in ("mot", "hai")}
    common = run(project, "record", "--common").output
    file = re.search(r"lưu vào: (\S+)\n  " + re.escape(THANKS) + "\n", common).group(1)
    assert file.startswith("content/recordings/_common/chung-xin-tran-trong-cam-on-")
    make_take(project / file, THANKS)

    result = run(project, "build", "--engine", "espeak-ng")
    assert result.exit_code == 0, result.output
    for slug in ("mot", "hai"):
        bulletin = json.loads((project / "build" / slug / "broadcast.json").read_text(encoding="utf-8"))
        closing = next(s for s in bulletin["sections"] if s["text"] == THANKS)
        assert closing["source"] == "recording", slug
        assert [s["source"] for s in bulletin["sections"]].count("recording") == 1
        after = audio_files(project, slug)
        remade = {name for name in after if after[name] != before[slug][name]}
        assert remade == {"broadcast.mp3", "broadcast.json"}, f"{slug}: the meeting clips do not say it"
    again = run(project, "build", "--engine", "espeak-ng")
    assert "Không có gì thay đổi" in again.output, again.output


def test_a_take_that_cannot_be_noted_is_used_and_said_so_at_every_build_until_it_can(project, monkeypatch):
    """A read-only recordings folder (a shared or synced folder, say): the note beside a take only
    serves to notice a later edit of its text, so the take is used, and the officer is told what is
    at stake at every build until the note is written."""
    starter(project, SLUG)
    folder = project / "content" / "recordings" / SLUG
    make_take(folder / "bantin-step-1.m4a", record_sheet(project)["bantin-step-1"][2])
    folder.chmod(0o555)
    real = __import__("outreach.sound.recordings", fromlist=["write_atomic"]).write_atomic

    def as_for_anyone_but_root(target: Path, data: bytes) -> None:
        """The tests run as root, whom a folder's mode does not stop: refuse as the kernel would."""
        if not target.parent.stat().st_mode & stat.S_IWUSR:
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        real(target, data)

    monkeypatch.setattr("outreach.sound.recordings.write_atomic", as_for_anyone_but_root)
    warning = ("Cảnh báo: content/recordings/thu-tuc/bantin-step-1.m4a: không ghi được ghi chú của bản thu vào thư mục "
               "content/recordings/thu-tuc/: không có quyền ghi; bản thu vẫn được dùng, nhưng thiếu ghi chú này thì "
               "khi lời đoạn bantin-step-1 đổi, công cụ sẽ không biết bản thu đã cũ — hãy cho phép ghi vào thư mục "
               "content/recordings/thu-tuc/ rồi chạy lại outreach build")
    for _ in range(2):
        result = run(project, "build", "--engine", "espeak-ng", "-j", "1")
        assert result.exit_code == 0, result.output
        assert warning in result.output.splitlines()
        assert "bộ nhớ đệm" not in result.output
        assert section(project, "bantin-step-1")["source"] == "recording"
    assert not (folder / "bantin-step-1.m4a.json").exists()

    folder.chmod(0o755)
    mended = run(project, "build", "--engine", "espeak-ng", "-j", "1")
    assert mended.exit_code == 0 and "ghi chú" not in mended.output, mended.output
    assert json.loads((folder / "bantin-step-1.m4a.json").read_text(encoding="utf-8"))["text"].startswith("Bước 1:")
    meeting = json.loads((project / "build" / SLUG / "meeting" / "index.json").read_text(encoding="utf-8"))
    step1 = next(clip for clip in meeting if clip["file"].startswith("01-"))
    assert step1["engine"] == "recording", "once noted, the take voices the meeting clip with its words too"
    again = run(project, "build", "--engine", "espeak-ng", "-j", "1")
    assert "Không có gì thay đổi" in again.output, again.output


# --- Sections keep their names -----------------------------------------------------------------

def test_whitespace_in_a_template_moves_no_section(project):
    """The bug names fix: a `{% endfor %}` at a line's end (trim_blocks) ran the fee into the documents
    section. With names, lines and blank lines around a section change nothing of the sections."""
    starter(project, SLUG)
    before = record_sheet(project)
    template = project / "templates" / "broadcast.txt.j2"
    squeezed = re.sub(r"\n\s*\n", "\n", template.read_text(encoding="utf-8"))  # every blank line gone
    template.write_text(squeezed.replace("{% endfor %}\n", "{% endfor %}"), encoding="utf-8")
    after = record_sheet(project)
    assert after == before
    assert [key for key in after if key.startswith("bantin-")][6:10] == [
        "bantin-documents", "bantin-fee", "bantin-help-desk", "bantin-thanks"]
    assert after["bantin-fee"][2].startswith("Lệ phí:") and "Lệ phí" not in after["bantin-documents"][2]


def test_a_take_named_by_place_is_renamed_to_its_section_and_keeps_its_words(project):
    starter(project, SLUG)
    sheet = record_sheet(project)
    folder = project / "content" / "recordings" / SLUG
    noted = make_take(folder / "bantin-08.m4a", sheet["bantin-help-desk"][2])  # the help desk, before names
    digest = __import__("hashlib").sha256(noted.read_bytes()).hexdigest()
    noted.with_name("bantin-08.m4a.json").write_text(json.dumps({"text": sheet["bantin-help-desk"][2],
                                                                  "sha256": digest}), encoding="utf-8")
    make_take(folder / "bantin-09.m4a", sheet["bantin-thanks"][2])  # no note: by its place then (thanks)
    renamed = record_sheet(project)
    assert renamed["bantin-help-desk"][0] == "đã thu: bantin-help-desk.m4a"
    assert renamed["bantin-thanks"][0] == "đã thu: bantin-thanks.m4a"
    assert (folder / "bantin-help-desk.m4a.json").is_file() and not list(folder.glob("bantin-0*"))


def test_a_template_that_drops_a_section_with_a_take_fails_naming_it(project):
    starter(project, SLUG)
    folder = project / "content" / "recordings" / SLUG
    make_take(folder / "bantin-fee.m4a", record_sheet(project)["bantin-fee"][2])
    template = project / "templates" / "broadcast.txt.j2"
    template.write_text(template.read_text(encoding="utf-8").replace('{{ section("fee") }}\n', ""), encoding="utf-8")
    result = run(project, "build", "--engine", "espeak-ng", "--only", SLUG)
    assert result.exit_code == 1
    assert ("content/recordings/thu-tuc/bantin-fee.m4a:1: (bản thu): đoạn 'fee' không còn trong mẫu "
            "templates/broadcast.txt.j2 (đã bị gộp vào đoạn khác hoặc bị bỏ)") in result.output
    assert (project / "build" / SLUG / "handout.pdf").is_file(), "the printed products are made all the same"
