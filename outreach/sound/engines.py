"""Speech engines behind one interface: text (already read aloud) → a WAV file.

Built-in engines register in ENGINES; `auto` picks the best usable one once per build.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from outreach.errors import SpeechError
from outreach.sound.ffmpeg import mp3_to_wav


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


class Engine(Protocol):
    name: str
    voice: str
    draft: bool  # robotic output: flagged everywhere it is listed
    # The pace it speaks at, 1.0 being its own: an engine that can slow itself down for the elderly
    # sounds better than one stretched afterwards (and that stretch costs time); the rest is stretched.
    speed: float

    def unusable_reason(self) -> str | None:
        """None when the engine can speak here, else why not (Vietnamese)."""

    def cache_tag(self) -> str:
        """Everything besides the text that changes the sound: part of the audio cache key."""

    def synthesize(self, text: str, wav: Path) -> None:
        """Speak `text` into the WAV file `wav`."""


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
        return None if shutil.which("espeak-ng") else "chưa cài espeak-ng (apt-get install espeak-ng)"

    def cache_tag(self) -> str:
        return f"{self.voice} {self.words_per_minute}wpm gap{ESPEAK_WORD_GAP} silence{ESPEAK_SECTION_SILENCE}"

    def synthesize(self, text: str, wav: Path) -> None:
        subprocess.run(["espeak-ng", "-v", self.voice, "-s", str(self.words_per_minute),
                        "-g", str(ESPEAK_WORD_GAP), "-w", str(wav), "--stdin"], input=text.encode("utf-8"),
                       check=True, capture_output=True)
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


@dataclass
class PiperEngine:
    """Piper: offline neural voice from a local .onnx model the commune downloads once."""

    model: Path | None
    speed: float = 1.0
    name: str = "piper"
    draft: bool = False

    @property
    def voice(self) -> str:
        return self.model.stem if self.model else ""

    def unusable_reason(self) -> str | None:
        if self.model is None:
            return "chưa khai báo giọng đọc piper (audio.piper_model trong content/commune.yaml)"
        if not self.model.is_file():
            return f"không tìm thấy tệp giọng đọc {self.model}"
        try:
            import piper  # noqa: F401  (optional extra: pip install 'outreach[piper]')
        except ImportError:
            return "chưa cài piper-tts (pip install 'outreach[piper]')"
        return None

    def cache_tag(self) -> str:
        stat = self.model.stat() if self.model and self.model.is_file() else None
        return f"{self.model} {stat.st_size if stat else 0} {stat.st_mtime_ns if stat else 0} speed {self.speed:.2f}"

    def synthesize(self, text: str, wav: Path) -> None:
        from piper import SynthesisConfig
        voice = _piper_voice(self.model)
        pace = SynthesisConfig(length_scale=voice.config.length_scale / self.speed)  # longer phonemes: slower
        with wave.open(str(wav), "wb") as out:
            voice.synthesize_wav(text, out, syn_config=pace)


_piper_voices: dict[Path, object] = {}


def _piper_voice(model: Path):
    """Loaded once per process: loading a voice takes longer than speaking a sentence."""
    if model not in _piper_voices:
        from piper import PiperVoice
        _piper_voices[model] = PiperVoice.load(str(model))
    return _piper_voices[model]


# gTTS sends at most 100 characters a request; we cut first, at punctuation, so seams fall at pauses.
GTTS_CHUNK = 100
GTTS_RETRIES = 4
GTTS_TIMEOUT = (5, 15)  # (connect, read) seconds; gTTS's default None can hang forever


@dataclass
class GttsEngine:
    """Google Translate's voice through gTTS: the natural voice the commune uses when online."""

    tld: str = "com.vn"
    voice: str = "vi"
    speed: float = 1.0  # Google offers only "slow", too slow for anyone: the clip is stretched instead
    name: str = "gtts"
    draft: bool = False
    backoff: float = 1.0
    timeout: tuple[float, float] = GTTS_TIMEOUT

    def unusable_reason(self) -> str | None:
        try:
            self._speak_chunk("xin chào", retries=1)
        except SpeechError as exc:
            return str(exc)
        return None

    def cache_tag(self) -> str:
        return f"{self.voice} {self.tld} chunk{GTTS_CHUNK}"

    def synthesize(self, text: str, wav: Path) -> None:
        mp3 = b"".join(self._speak_chunk(chunk) for chunk in chunks_for_gtts(text))
        mp3_to_wav(mp3, wav)

    def _speak_chunk(self, chunk: str, retries: int = GTTS_RETRIES) -> bytes:
        """MP3 bytes for one chunk, retrying throttling (429), server errors and dropped connections."""
        from gtts import gTTS, gTTSError
        _point_gtts_at_override()
        reason = ""
        for attempt in range(retries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            buffer = io.BytesIO()
            try:
                gTTS(chunk, lang="vi", tld=self.tld, timeout=self.timeout, lang_check=False).write_to_fp(buffer)
            except gTTSError as exc:
                status = getattr(exc.rsp, "status_code", None)
                if status == 200:  # answered, but not with audio: asking again will not help
                    reason = "máy chủ Google trả lời sai định dạng, không có âm thanh"
                    break
                reason = f"máy chủ Google trả lời lỗi {status}" if status else "không kết nối được máy chủ Google"
                if status is not None and status != 429 and status < 500:
                    break
                continue
            if buffer.tell() == 0:
                reason = "máy chủ Google không trả về âm thanh"
                continue
            return buffer.getvalue()
        raise SpeechError(f"gTTS: {reason}")


def chunks_for_gtts(text: str, limit: int = GTTS_CHUNK) -> list[str]:
    """Pieces of at most `limit` characters, cut after sentence punctuation, then commas, then spaces."""
    pieces: list[str] = []
    for sentence in re.split(r"(?<=[.!?;:])\s+", text.strip()):
        pieces += _split_long(sentence, limit)
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1]) + 1 + len(piece) <= limit:
            merged[-1] += " " + piece
        else:
            merged.append(piece)
    return [m for m in merged if m]


def _split_long(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    for pattern in (r"(?<=,)\s+", r"\s+"):
        parts = re.split(pattern, sentence)
        if len(parts) > 1:
            out: list[str] = []
            for part in parts:
                if out and len(out[-1]) + 1 + len(part) <= limit:
                    out[-1] += " " + part
                else:
                    out += _split_long(part, limit) if len(part) > limit else [part]
            return out
    return [sentence[i:i + limit] for i in range(0, len(sentence), limit)]


def _point_gtts_at_override() -> None:
    """OUTREACH_GTTS_URL sends gTTS to another host: the tests' loopback stand-in for Google, or a mirror."""
    base = os.environ.get("OUTREACH_GTTS_URL")
    if base:
        import gtts.tts
        gtts.tts._translate_url = lambda tld="com", path="": f"{base.rstrip('/')}/{path}"


@dataclass(frozen=True)
class EngineSettings:
    """What the commune's settings say to every engine."""

    dialect: str = "north"
    piper_model: Path | None = None
    gtts_tld: str = "com.vn"
    speed: float = 1.0  # the pace an engine that can slow itself down is asked to speak at


# The built-in engines, best first: `auto` tries them in this order. The settings' allowed values
# and the CLI's choices are derived from it.
REGISTRY: dict[str, Callable[[EngineSettings], Engine]] = {
    "gtts": lambda s: GttsEngine(tld=s.gtts_tld),
    "piper": lambda s: PiperEngine(s.piper_model, s.speed),
    "espeak-ng": lambda s: EspeakEngine(speed=s.speed),  # the plain `vi` voice for every dialect
}
PREFERENCE = tuple(REGISTRY)
ENGINE_CHOICES = ("auto", *PREFERENCE)


def make_engine(name: str, settings: EngineSettings) -> Engine:
    """The engine `name`, speaking at `settings.speed` itself where it can."""
    try:
        return REGISTRY[name](settings)
    except KeyError:
        raise SpeechError(f"không có công cụ đọc '{name}'; hãy chọn: {', '.join(ENGINE_CHOICES)}") from None


def all_engines(settings: EngineSettings) -> list[Engine]:
    return [make_engine(name, settings) for name in PREFERENCE]
