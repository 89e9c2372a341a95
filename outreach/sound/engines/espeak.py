"""espeak-ng: always offline and fast, but robotic — every clip it makes is a draft."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from outreach import programs
from outreach.errors import SpeechError
from outreach.sound.engines import EngineSpec, Voicing

# The draft voice. A speech-recogniser check (issue 14) understood espeak-ng's plain `vi` best of its
# three Vietnamese voices, so the draft uses it for every commune: the dialect setting chooses among
# real voices only.
ESPEAK_VOICE = "vi"
# espeak-ng's pace at speed 1.0 (the commune's default 0.9 makes it 117). The same check found 110–130
# a little better than espeak-ng's own 175. Nobody listened to choose it (no one can listen on this
# machine); the proxy measured instead, on four bulletin sentences (92 syllables), is syllables per
# second of the output, pauses included: 175 → 3.9, 140 → 3.1, 130 → 2.9, 120 → 2.6, 110 → 2.4
# (without pauses over 0.15 s: 4.6, 3.8, 3.5, 3.3, 3.0). Natural Vietnamese broadcast speech runs at
# about 4–5 syllables a second; a robotic voice heard outdoors by elderly listeners needs to be slower,
# and 130 is the fastest the check favoured, so a bulletin does not grow longer than it must.
ESPEAK_WORDS_PER_MINUTE = 130
# No extra gap between words (-g 0): the check found gaps did not help; silence around each section
# (seconds, both ends) did: it separates the sections more clearly than the pause alone.
ESPEAK_WORD_GAP = 0
ESPEAK_SECTION_SILENCE = 0.5


@dataclass
class EspeakEngine:
    """espeak-ng: always offline and fast, but robotic — every clip it makes is a draft."""

    voice: str = ESPEAK_VOICE
    speed: float = 1.0
    name: str = "espeak-ng"
    draft: bool = True

    @property
    def words_per_minute(self) -> int:
        return round(ESPEAK_WORDS_PER_MINUTE * self.speed)

    def unusable_reason(self) -> str | None:
        return programs.espeak_missing()

    def cache_tag(self) -> str:
        return f"{self.voice} {self.words_per_minute}wpm gap{ESPEAK_WORD_GAP} silence{ESPEAK_SECTION_SILENCE}"

    def synthesize(self, text: str, wav: Path) -> None:
        programs.espeak_ng(self.voice, self.words_per_minute, ESPEAK_WORD_GAP, text, wav)
        # espeak-ng exits 0 even when it could not write: check the file itself.
        if not wav.is_file() or wav.stat().st_size <= 44:
            raise SpeechError(f"espeak-ng không tạo được âm thanh cho: {text[:60]}")
        _surround_with_silence(wav, ESPEAK_SECTION_SILENCE)


def _surround_with_silence(wav: Path, seconds: float) -> None:
    """Add `seconds` of silence at both ends of a 16-bit WAV file, in place."""
    with wave.open(str(wav), "rb") as source:
        params, frames = source.getparams(), source.readframes(source.getnframes())
    silence = b"\0" * (round(seconds * params.framerate) * params.nchannels * params.sampwidth)
    with wave.open(str(wav), "wb") as out:
        out.setparams(params)
        out.writeframes(silence + frames + silence)


class Settings(BaseModel):
    """audio.espeak-ng in commune.yaml: nothing to set (the plain `vi` voice for every dialect)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def make(settings: Settings, voicing: Voicing) -> EspeakEngine:
    return EspeakEngine(speed=voicing.speed)


ENGINE = EngineSpec("espeak-ng", "giọng máy đọc thử (bản nháp)", Settings, make, rank=90)
