"""Speech engines behind one interface: text (already read aloud) → a WAV file.

Built-in engines register in ENGINES; `auto` picks the best usable one once per build.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.request
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from outreach.errors import SpeechError
from outreach.sound.ffmpeg import mp3_to_wav


PREFERENCE = ("gtts", "piper", "espeak-ng")
ESPEAK_WORDS_PER_MINUTE = 175  # espeak-ng's own pace, at speed 1.0


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

    voice: str = "vi"
    speed: float = 1.0
    name: str = "espeak-ng"
    draft: bool = True

    @property
    def words_per_minute(self) -> int:
        return round(ESPEAK_WORDS_PER_MINUTE * self.speed)

    def unusable_reason(self) -> str | None:
        return None if shutil.which("espeak-ng") else "chưa cài espeak-ng (apt-get install espeak-ng)"

    def cache_tag(self) -> str:
        return f"{self.voice} {self.words_per_minute}wpm gap3"

    def synthesize(self, text: str, wav: Path) -> None:
        # -g 3 adds a little gap between words, which helps older listeners follow.
        subprocess.run(["espeak-ng", "-v", self.voice, "-s", str(self.words_per_minute), "-g", "3",
                        "-w", str(wav), "--stdin"], input=text.encode("utf-8"), check=True,
                       capture_output=True)
        # espeak-ng exits 0 even when it could not write: check the file itself.
        if not wav.is_file() or wav.stat().st_size <= 44:
            raise SpeechError(f"espeak-ng không tạo được âm thanh cho: {text[:60]}")


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
GTTS_TIMEOUT = (5, 15)  # (connect, each read) seconds; gTTS's default None can hang forever
# Each read has a timeout, but a server sending a byte a second never trips it: the whole exchange
# of one request also ends by a deadline. Read where used (not as defaults), so tests can shorten them.
GTTS_DEADLINE = 30.0
GTTS_PROBE_DEADLINE = 10.0
GTTS_BACKOFF = 1.0  # seconds before the first retry, doubled each time
# One chunk is under ten seconds of speech, about 60 KB of base64: anything far larger is not audio.
GTTS_MAX_ANSWER = 2 * 1024 * 1024
GTTS_PATH = "_/TranslateWebserverUi/data/batchexecute"
_GTTS_AUDIO = re.compile(r'jQ1olc","\[\\"(.*)\\"]')  # the same pattern gTTS itself reads


class _Again(Exception):
    """Worth asking again: throttling (429), a server error, a lost connection."""


class _Broken(Exception):
    """The server answered, but not with audio, or too slowly: asking again will not help."""


@dataclass
class GttsEngine:
    """Google Translate's voice: gTTS prepares each request, we send it and read the answer within a
    deadline, and accept only what really is MP3."""

    tld: str = "com.vn"
    voice: str = "vi"
    speed: float = 1.0  # Google offers only "slow", too slow for anyone: the clip is stretched instead
    name: str = "gtts"
    draft: bool = False
    backoff: float | None = None   # None: GTTS_BACKOFF
    timeout: tuple[float, float] = GTTS_TIMEOUT
    deadline: float | None = None  # None: GTTS_DEADLINE
    # Another host instead of translate.google.<tld>: the tests' loopback stand-in, or a mirror.
    address: str | None = field(default_factory=lambda: os.environ.get("OUTREACH_GTTS_URL") or None)

    def unusable_reason(self) -> str | None:
        try:
            self._speak_chunk("xin chào", retries=1, deadline=min(self._deadline, GTTS_PROBE_DEADLINE))
        except SpeechError as exc:
            return str(exc)
        return None

    def cache_tag(self) -> str:
        return f"{self.voice} {self.tld} chunk{GTTS_CHUNK}"

    def synthesize(self, text: str, wav: Path) -> None:
        mp3 = b"".join(self._speak_chunk(chunk) for chunk in chunks_for_gtts(text))
        mp3_to_wav(mp3, wav)

    @property
    def _deadline(self) -> float:
        return self.deadline if self.deadline is not None else GTTS_DEADLINE

    def _speak_chunk(self, chunk: str, retries: int = GTTS_RETRIES, deadline: float | None = None) -> bytes:
        """MP3 bytes for one chunk, retrying throttling (429), server errors and dropped connections;
        the retries share the deadline, so a silent server costs one deadline, not four."""
        backoff = self.backoff if self.backoff is not None else GTTS_BACKOFF
        seconds = deadline or self._deadline
        ends = time.monotonic() + seconds
        reason = ""
        for attempt in range(retries):
            pause = backoff * 2 ** (attempt - 1) if attempt else 0.0
            if time.monotonic() + pause >= ends:
                reason += f" (đã chờ quá {seconds:g} giây)"
                break
            time.sleep(pause)
            try:
                return self._ask(chunk, ends - time.monotonic())
            except _Again as exc:
                reason = str(exc)
            except _Broken as exc:
                reason = str(exc)
                if time.monotonic() >= ends:
                    reason += f" (đã chờ quá {seconds:g} giây)"
                break
        raise SpeechError(f"gTTS: {reason}")

    def _ask(self, chunk: str, seconds: float) -> bytes:
        from gtts import gTTS
        prepared = gTTS(chunk, lang="vi", tld=self.tld, lang_check=False)._prepare_requests()
        mp3 = b""
        for request in prepared:
            if self.address:
                request.url = f"{self.address.rstrip('/')}/{GTTS_PATH}"
            mp3 += _audio_in(_within(seconds, lambda: _answer(request, self.timeout, time.monotonic() + seconds)))
        return mp3


def _within(seconds: float, ask):
    """`ask()`, or _Broken after `seconds`: even a server that drips its headers cannot hold a build.
    The abandoned thread stops at its own deadline check, or at the next read timeout."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = ask()
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True, name="gtts-request")
    thread.start()
    thread.join(seconds + 1)
    if thread.is_alive():
        raise _Broken("máy chủ Google trả lời quá chậm")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _answer(request, timeout: tuple[float, float], deadline: float) -> bytes:
    """The body of the answer to one prepared request, read in pieces until `deadline`."""
    import requests
    with requests.Session() as session:
        try:
            answer = session.send(request, timeout=timeout, stream=True, proxies=urllib.request.getproxies())
        except requests.RequestException:
            raise _Again("không kết nối được máy chủ Google") from None
        with answer:
            status = answer.status_code
            if status == 429 or status >= 500:
                raise _Again(f"máy chủ Google trả lời lỗi {status}")
            if status != 200:
                raise _Broken(f"máy chủ Google trả lời lỗi {status}")
            return _body(answer, deadline)


def _body(answer, deadline: float) -> bytes:
    import requests
    import urllib3
    body = bytearray()
    try:
        while piece := answer.raw.read1(64 * 1024, decode_content=True):  # returns what has arrived
            body += piece
            if len(body) > GTTS_MAX_ANSWER:
                raise _Broken("máy chủ Google trả lời quá dài, không phải âm thanh")
            if time.monotonic() > deadline:
                raise _Broken("máy chủ Google trả lời quá chậm")
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
        raise _Again("mất kết nối với máy chủ Google giữa chừng") from None
    return bytes(body)


def _audio_in(body: bytes) -> bytes:
    """The MP3 carried by a batchexecute answer; _Broken when there is none or it is not MP3."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Broken("máy chủ Google trả lời sai định dạng (dữ liệu nhị phân), không có âm thanh") from None
    if not text.strip():
        raise _Again("máy chủ Google không trả về âm thanh")
    for line in text.splitlines():
        found = _GTTS_AUDIO.search(line) if "jQ1olc" in line else None
        if found:
            try:
                mp3 = base64.b64decode(found.group(1), validate=True)
            except (binascii.Error, ValueError):
                raise _Broken("máy chủ Google trả lời sai định dạng (âm thanh hỏng)") from None
            if not _looks_like_mp3(mp3):
                raise _Broken("máy chủ Google trả lời sai định dạng (không phải tệp MP3)")
            return mp3
    raise _Broken("máy chủ Google trả lời sai định dạng, không có âm thanh")


def _looks_like_mp3(data: bytes) -> bool:
    """An ID3 tag or an MPEG audio frame header at the start."""
    return data.startswith(b"ID3") or (len(data) > 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


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


def make_engine(name: str, dialect: str, piper_model: Path | None, tld: str, speed: float = 1.0) -> Engine:
    """The engine `name`, speaking at `speed` itself where it can."""
    if name == "gtts":
        return GttsEngine(tld=tld)
    if name == "piper":
        return PiperEngine(piper_model, speed)
    if name == "espeak-ng":
        return EspeakEngine(voice="vi-vn-x-south" if dialect == "south" else "vi", speed=speed)
    raise SpeechError(f"không có công cụ đọc '{name}'; hãy chọn: auto, {', '.join(PREFERENCE)}")


def all_engines(dialect: str, piper_model: Path | None, tld: str) -> list[Engine]:
    return [make_engine(name, dialect, piper_model, tld) for name in PREFERENCE]
