"""The optional wrong-take check: a take whose words sound like another section's is flagged, never
refused. The matching is tried on plain strings, the wiring with a stand-in recogniser, and, where
the `asr` extra is installed, viet-asr itself on a phone-like take."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from conftest import copy_project, run, starter
from outreach.script import Script
from outreach.sound.hearing import HearingFailed, sounds_like
from outreach.sound.recordings import Takes
from outreach.sound.speech import Speaker
from test_recordings import SLUG, make_take, record_sheet, section

GREETING = "Kính thưa bà con xã An Viễn."
THANKS = "Xin trân trọng cảm ơn bà con đã lắng nghe."
STEPS = "Cách làm gồm ba bước."
STEPS_INTRO = "Cách làm gồm ba bước. Mời bà con nghe từng bước."


# --- Matching: plain strings ---------------------------------------------------------------------

def test_a_take_heard_as_another_sections_words_names_that_section():
    others = {"bantin-01": GREETING, "bantin-09": THANKS}
    assert sounds_like("xin trân trọng cảm ơn bà con đã lắng nghe", GREETING, others) == "bantin-09"


def test_a_take_heard_as_its_own_words_is_not_flagged_even_misheard():
    others = {"bantin-01": GREETING, "bantin-09": THANKS}
    assert sounds_like("xin chân trọng cám ơn ba con đã lắng nghe", THANKS, others) is None
    assert sounds_like("kính thưa bà con xã an viễn", GREETING, others) is None


def test_diacritics_case_and_punctuation_do_not_count():
    assert sounds_like("XIN TRAN TRONG CAM ON BA CON DA LANG NGHE!", GREETING, {"bantin-09": THANKS}) == "bantin-09"


def test_sections_sharing_a_phrase_are_told_apart_by_the_rest():
    """The bulletin's "Cách làm gồm ba bước." and the meeting intro's longer sentence start alike."""
    assert sounds_like("cách làm gồm ba bước", STEPS, {"gioithieu-04": STEPS_INTRO}) is None
    assert sounds_like("cách làm gồm ba bước mời bà con nghe từng bước", STEPS_INTRO, {"bantin-03": STEPS}) is None


def test_a_near_tie_is_not_a_clear_margin():
    """Heard: half of one section, half of another. Neither is clearly the take's."""
    heard = "kính thưa bà con cảm ơn bà con"
    assert sounds_like(heard, GREETING, {"bantin-09": THANKS}) is None


def test_nothing_heard_proves_nothing_and_same_words_elsewhere_are_no_rival():
    assert sounds_like("", GREETING, {"bantin-09": THANKS}) is None
    assert sounds_like("xin trân trọng cảm ơn bà con đã lắng nghe", THANKS, {"gioithieu-09": THANKS}) is None


# --- Wiring: a stand-in recogniser ---------------------------------------------------------------

class HearsAlways:
    """A stand-in for a recogniser: hears `words` in every take, and counts what it was given."""

    def __init__(self, words: str, name: str = "stand-in 1"):
        self.words = words
        self.name = name
        self.heard: list[Path] = []

    def transcribe(self, wav: Path) -> str:
        self.heard.append(wav)
        return self.words


def speak_intro(tmp_path: Path, transcriber: HearsAlways, guide_scripts=()):
    speaker = Speaker([], tmp_path / "build" / ".cache" / "speech", "north", {}, 0.9, transcriber=transcriber)
    intro = Script("00-gioi-thieu", "Giới thiệu", [GREETING, STEPS_INTRO], "gioithieu")
    return speaker.make_clips([(intro, tmp_path / "clip.mp3", False)], takes=Takes(tmp_path / "recordings", SLUG),
                              guide_scripts=guide_scripts)[0]


@pytest.fixture
def two_takes(tmp_path: Path) -> Path:
    make_take(tmp_path / "recordings" / SLUG / "gioithieu-01.m4a", GREETING)
    make_take(tmp_path / "recordings" / SLUG / "gioithieu-02.m4a", STEPS_INTRO)
    return tmp_path


def test_a_take_that_sounds_like_another_section_is_used_and_flagged_once_heard(two_takes):
    heard_as_steps = HearsAlways("cách làm gồm ba bước mời bà con nghe từng bước")
    clip = speak_intro(two_takes, heard_as_steps)
    assert [s["source"] for s in clip.sections] == ["recording", "recording"]  # flagged, never refused
    assert clip.warnings == (
        "recordings/thu-tuc/gioithieu-01.m4a: có thể thu nhầm đoạn — lời nghe được giống đoạn gioithieu-02 hơn "
        "đoạn gioithieu-01; bản thu vẫn được dùng, hãy nghe lại và thu lại nếu nhầm",)
    assert "có thể thu nhầm đoạn" in clip.sections[0]["warning"] and "warning" not in clip.sections[1]
    assert len(heard_as_steps.heard) == 2

    again = speak_intro(two_takes, heard_as_steps)
    assert len(heard_as_steps.heard) == 2, "a rebuild hears nothing again: the transcript is kept per take"
    assert again.warnings == clip.warnings
    newer = HearsAlways(heard_as_steps.words, name="stand-in 2")
    speak_intro(two_takes, newer)
    assert len(newer.heard) == 2, "another recogniser (or version) hears the takes anew"


def test_a_take_is_checked_against_the_sections_of_clips_not_made_now(two_takes):
    """Only the meeting intro is made, but the take sounds like the bulletin's closing words."""
    bulletin = Script("broadcast", "Bản tin", [GREETING, THANKS], "bantin")
    clip = speak_intro(two_takes, HearsAlways("xin trân trọng cảm ơn bà con đã lắng nghe"), guide_scripts=[bulletin])
    assert [w.split(": ", 1)[1].split(";")[0] for w in clip.warnings] == [
        "có thể thu nhầm đoạn — lời nghe được giống đoạn bantin-02 hơn đoạn gioithieu-01",
        "có thể thu nhầm đoạn — lời nghe được giống đoạn bantin-02 hơn đoạn gioithieu-02"]


class FailsToHear(HearsAlways):
    def transcribe(self, wav: Path) -> str:
        self.heard.append(wav)
        raise HearingFailed("stand-in: out of memory")


def test_a_recogniser_that_fails_leaves_the_take_used_unchecked_and_says_so(two_takes):
    failing = FailsToHear("")
    clip = speak_intro(two_takes, failing)
    assert [s["source"] for s in clip.sections] == ["recording", "recording"]
    assert clip.warnings[0] == ("recordings/thu-tuc/gioithieu-01.m4a: không kiểm tra được bản thu có đúng là đoạn "
                                "gioithieu-01 hay không (stand-in: out of memory); bản thu vẫn được dùng")
    speak_intro(two_takes, failing)
    assert len(failing.heard) == 4, "nothing was kept: the next build tries again"


def test_without_a_recogniser_takes_are_used_unchecked(two_takes):
    speaker = Speaker([], two_takes / "build" / ".cache" / "speech", "north", {}, 0.9)
    intro = Script("00-gioi-thieu", "Giới thiệu", [GREETING, STEPS_INTRO], "gioithieu")
    clip = speaker.make_clip(intro, two_takes / "clip.mp3", False, takes=Takes(two_takes / "recordings", SLUG))
    assert clip.warnings == () and [s["source"] for s in clip.sections] == ["recording", "recording"]
    assert not list((two_takes / "build" / ".cache" / "speech" / "recordings").glob("*.heard.json"))


# --- viet-asr itself (the `asr` extra) ------------------------------------------------------------

@pytest.mark.skipif(importlib.util.find_spec("vietasr") is None, reason="the asr extra (viet-asr) is not installed")
def test_viet_asr_flags_the_closing_words_saved_under_another_sections_name(tmp_path):
    """espeak-ng's voice is recognised badly (word error rate about 0.9), so the wrong take here is the
    one sentence it still gets half right: the closing thanks, saved as the meeting intro's third
    section (whose words it shares none of). A take of the right words is not flagged."""
    project = copy_project(tmp_path / "commune", guides=False)
    starter(project, SLUG)
    sheet = record_sheet(project)
    folder = project / "content" / "recordings" / SLUG
    make_take(folder / "gioithieu-message-1.m4a", sheet["bantin-thanks"][2])  # "Xin trân trọng cảm ơn bà con đã lắng nghe."
    make_take(folder / "bantin-step-1.m4a", sheet["bantin-step-1"][2])     # step 1, the right words
    result = run(project, "build", "--engine", "espeak-ng", "--only", SLUG, "--timings")
    assert result.exit_code == 0, result.output
    flagged = [line for line in result.output.splitlines() if "có thể thu nhầm đoạn" in line]
    assert flagged == ["Cảnh báo: content/recordings/thu-tuc/gioithieu-message-1.m4a: có thể thu nhầm đoạn — lời nghe được "
                       "giống đoạn bantin-thanks hơn đoạn gioithieu-message-1; bản thu vẫn được dùng, hãy nghe lại và thu lại "
                       "nếu nhầm"]
    assert section(project, "bantin-step-1")["source"] == "recording"
    catalog = (project / "build" / "index.html").read_text(encoding="utf-8")
    assert "gioithieu-message-1.m4a: có thể thu nhầm đoạn" in catalog, "the catalog says which take to listen to again"
    seconds = float(re.search(r"asr (\d+\.\d+)", result.output).group(1))
    assert 0 < seconds < 30, "two short takes, the model loaded once per worker"
    heard = [json.loads(p.read_text(encoding="utf-8"))
             for p in (project / "build" / ".cache" / "speech" / "recordings").glob("*.heard.json")]
    assert len(heard) == 2 and all(h["recogniser"].startswith("viet-asr ") and h["text"] for h in heard)

    forced = run(project, "build", "--engine", "espeak-ng", "--only", SLUG, "--force", "--timings")
    assert forced.exit_code == 0 and "asr" not in forced.output.split("Thời gian theo bước")[1]
    assert "gioithieu-message-1.m4a: có thể thu nhầm đoạn" in forced.output, "the transcript is kept, the warning is not"
