"""The optional wrong-take check: where an offline Vietnamese recogniser is installed (viet-asr,
`pip install '.[asr]'`; its model ships inside the wheel), a take that passed the other checks is
transcribed, and a take whose words sound more like another section's than its own is flagged. Never
refused: a recogniser mishears far more often than an officer saves a take under the wrong name.

The check itself (`sounds_like`) is a pure function of texts; the recogniser is behind `Transcriber`,
so a build can be given another one (the tests give a stand-in).
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from outreach.errors import SpeechError
from outreach.text import unaccented

# How much better (difflib's word-match ratio, 0–1) another section must match what was heard than
# the take's own section before the take is flagged. Measured here with viet-asr on espeak-ng's voice
# (word error rate about 0.9): a take still matched its own section best, at 0.13–0.53, the next best
# 0.03–0.4 lower. Natural speech, recognised at about 0.1, matches its own at 0.8 or more, so a wrong
# take stands out by far more than this, and a right one is not flagged for sharing a phrase.
CLEAR_MARGIN = 0.2
# viet-asr's native log level (set through its C function; undocumented): read off its output, it
# prints INFO lines (model loaded, vocabulary size) to stderr at 2 and below, nothing at 3 and above.
# Its errors reach the officer through our own message (HearingFailed), so 4, errors at most, is enough.
QUIET_LOG_LEVEL = 4


class Transcriber(Protocol):
    """A recogniser as the check needs it: a name that says which one and which version (transcripts
    are cached under it), and the words it hears in a 16-bit mono WAV."""

    name: str

    def transcribe(self, wav: Path) -> str: ...


class HearingFailed(SpeechError):
    """The recogniser could not transcribe a take: the take is used unchecked."""


class VietAsr:
    """viet-asr's `transcribe` preset. Its model (70 MB, inside the wheel) is loaded on the first take
    to hear, about 0.4 s: a build whose takes were all heard before loads nothing."""

    def __init__(self) -> None:
        from importlib.metadata import version
        self.name = f"viet-asr {version('viet-asr')}"
        self._pipeline: Any = None

    def transcribe(self, wav: Path) -> str:
        try:
            return str(self._loaded().transcribe(str(wav)).text)
        except Exception as exc:  # its PipelineError, or whatever its native library and cffi raise
            raise HearingFailed(f"{self.name}: {exc}") from None

    def _loaded(self) -> Any:
        if self._pipeline is None:
            import vietasr
            from vietasr.ffi import native  # the log level is set only through its C functions
            native.lib.vietasr_set_log_level(QUIET_LOG_LEVEL)
            self._pipeline = vietasr.Pipeline.preset("transcribe")
        return self._pipeline


def installed() -> Transcriber | None:
    """viet-asr when it is installed, else None (the check is optional); nothing is loaded yet."""
    return VietAsr() if importlib.util.find_spec("vietasr") is not None else None


def words(text: str) -> list[str]:
    """The words the check compares: lower case and without diacritics (a recogniser gets a tone wrong
    far more often than a syllable), punctuation dropped."""
    return re.findall(r"[a-z0-9]+", unaccented(text).lower())


def likeness(heard: str, said: str) -> float:
    """How alike two texts' words are: 0 nothing in common, 1 the same words in the same order."""
    return difflib.SequenceMatcher(None, words(heard), words(said), autojunk=False).ratio()


def sounds_like(heard: str, own: str, others: Mapping[str, str]) -> str | None:
    """The id of the section among `others` (id → what it says) whose words match `heard` clearly
    better than the take's `own` section's do; None when the take sounds like its own section (or
    like nothing: a recogniser that heard nothing proves nothing). Sections saying the same words as
    `own` are not others."""
    mine = likeness(heard, own)
    rivals = {id_: likeness(heard, said) for id_, said in others.items() if words(said) != words(own)}
    best = max(rivals, key=rivals.__getitem__, default=None)
    return best if best is not None and rivals[best] >= mine + CLEAR_MARGIN else None
