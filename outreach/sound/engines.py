"""Speech engines behind one interface: text (already read aloud) → a WAV file.

Built-in engines register in REGISTRY; `auto` picks the best usable one once per build.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import http.client
import json
import os
import re
import socket
import threading
import time
import urllib.parse
import urllib.request
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from outreach import programs
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
    draft: bool  # robotic output: flagged everywhere it is listed

    @property
    def voice(self) -> str:
        """The voice it speaks with, as listings and sidecars name it."""
        ...

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
        assert self.model is not None, "unusable_reason() says so first"
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
            mp3 += _audio_in(_within(seconds, lambda: _answer(request, self.timeout,  # noqa: B023 (called now)
                                                               time.monotonic() + seconds)))
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


# Viettel AI's text-to-speech REST API, as documented at viettelgroup.ai/document/tts: one synchronous
# POST, the key in a `token` header, a JSON body (text, voice, id, without_filter, speed 0.7–1.3,
# tts_return_option 2 = wav, 3 = mp3); the audio is the answer's body. It cannot be reached from the
# development machines, so tests/viettel_stub.py stands in for it on loopback.
VIETTEL_URL = "https://viettelgroup.ai/voice/api/tts/v1/rest/syn"
VIETTEL_TOKEN_ENV = "VIETTEL_TTS_TOKEN"
VIETTEL_VOICES = {"north": "hn-quynhanh", "south": "hcm-minhquan"}  # by the commune's dialect
VIETTEL_SPEEDS = (0.7, 1.3)
VIETTEL_MP3 = 3  # tts_return_option: MP3 is a tenth of the WAV's size over a commune's 3G/4G link
VIETTEL_CHUNK = 500  # characters a request; the documentation sets no limit, clients commonly send 500
VIETTEL_RETRIES = 4
VIETTEL_DEADLINE = 30.0  # seconds for a whole request: connecting, sending and reading the whole answer


@dataclass
class ViettelEngine:
    """Viettel AI's Vietnamese voices, with the commune's own key (read from the environment only:
    it is never stored on the engine, so it cannot reach a cache key, a sidecar or a message)."""

    voice: str = VIETTEL_VOICES["north"]
    speed: float = 1.0  # Viettel speaks at the commune's speed itself
    token_env: str = VIETTEL_TOKEN_ENV
    url: str = VIETTEL_URL
    name: str = "viettel"
    draft: bool = False
    backoff: float = 1.0
    deadline: float = VIETTEL_DEADLINE

    def has_key(self) -> bool:
        return bool(os.environ.get(self.token_env, "").strip())

    def endpoint(self) -> str:
        """OUTREACH_VIETTEL_URL overrides the settings: the tests' loopback stand-in, or a proxy."""
        return os.environ.get("OUTREACH_VIETTEL_URL") or self.url

    def unusable_reason(self) -> str | None:
        try:
            self._speak_chunk("xin chào", retries=1)
        except SpeechError as exc:
            return str(exc)
        return None

    def cache_tag(self) -> str:
        return f"{self.voice} speed {self._viettel_speed():.2f} mp3 chunk{VIETTEL_CHUNK} {self.endpoint()}"

    def synthesize(self, text: str, wav: Path) -> None:
        mp3 = b"".join(self._speak_chunk(chunk) for chunk in chunks_for_gtts(text, VIETTEL_CHUNK))
        mp3_to_wav(mp3, wav)

    def _viettel_speed(self) -> float:
        low, high = VIETTEL_SPEEDS
        return round(min(max(self.speed, low), high), 2)

    def _speak_chunk(self, chunk: str, retries: int = VIETTEL_RETRIES) -> bytes:
        """MP3 bytes for one chunk, retrying throttling (429), server errors and lost connections."""
        token = self._token()
        body = json.dumps({"text": chunk, "voice": self.voice, "id": "outreach", "without_filter": False,
                           "speed": self._viettel_speed(), "tts_return_option": VIETTEL_MP3}).encode()
        reason = ""
        for attempt in range(retries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                status, kind, answer = _post_within(self.endpoint(), body, token, self.deadline)
            except TimeoutError:
                reason = f"máy chủ không trả lời xong trong {self.deadline:g} giây"
                continue
            except (OSError, http.client.HTTPException):
                reason = "không kết nối được máy chủ"
                continue
            reason = self._worth_retrying(status, kind, answer)
            if not reason:
                return answer
        raise SpeechError(f"Viettel AI: {reason}")

    def _token(self) -> str:
        token = os.environ.get(self.token_env, "").strip()
        if not token:
            raise SpeechError(f"Viettel AI: chưa có khóa; hãy đặt biến môi trường {self.token_env} "
                              "(tên biến: audio.viettel_token_env trong content/commune.yaml)")
        return token

    def _worth_retrying(self, status: int, kind: str, answer: bytes) -> str:
        """Why an answer should be asked for again ("" for audio); raises when asking again cannot help."""
        if status in (401, 403):
            raise SpeechError(f"Viettel AI từ chối khóa (lỗi {status}): hãy kiểm tra khóa trong biến môi "
                              f"trường {self.token_env} và hạn dùng của nó trên trang Viettel AI")
        if status == 429:
            return "máy chủ trả lời lỗi 429 (quá nhiều yêu cầu, hãy thử lại sau)"
        if status >= 500:
            return f"máy chủ trả lời lỗi {status}"
        if status != 200:
            raise SpeechError(f"Viettel AI: máy chủ trả lời lỗi {status}")
        if kind.startswith(("application/json", "text/")) or not _looks_like_mp3(answer):
            raise SpeechError("Viettel AI: máy chủ trả lời nhưng không có âm thanh")
        return ""


def _post_within(url: str, body: bytes, token: str, deadline: float) -> tuple[int, str, bytes]:
    """POST and read the whole answer within `deadline` seconds, or raise TimeoutError. A socket
    timeout bounds each read only: a server dripping a byte a second would never end."""
    parts = urllib.parse.urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=deadline)
    with _cut_off_after(deadline) as (sockets, expired):
        try:
            connection.connect()
            # Kept here: the connection lets go of its socket once a closing answer's headers are in.
            sockets.append(connection.sock)
            if expired.is_set():  # the deadline passed while connecting, before the socket was kept
                raise TimeoutError
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request("POST", path or "/", body, {"Content-Type": "application/json", "token": token})
            answer = connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException):
            if expired.is_set():
                raise TimeoutError from None
            raise
        finally:
            connection.close()
        if expired.is_set():
            raise TimeoutError
        return answer.status, answer.getheader("Content-Type", ""), data


@contextlib.contextmanager
def _cut_off_after(seconds: float) -> Iterator[tuple[list[socket.socket], threading.Event]]:
    """Yields (sockets, expired): once `seconds` have passed, `expired` is set and every socket put
    in `sockets` is shut down, which wakes a read blocked on it."""
    sockets: list[socket.socket] = []
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(seconds, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield sockets, expired
    finally:
        watchdog.cancel()


@dataclass(frozen=True)
class EngineSettings:
    """What the commune's settings say to every engine."""

    dialect: str = "north"
    piper_model: Path | None = None
    gtts_tld: str = "com.vn"
    speed: float = 1.0  # the pace an engine that can slow itself down is asked to speak at
    viettel_voice: str | None = None  # None: by the dialect
    viettel_token_env: str = VIETTEL_TOKEN_ENV  # the name of the variable holding the key, never the key
    viettel_url: str = VIETTEL_URL


# The built-in engines, best first: `auto` tries them in this order. The settings' allowed values
# and the CLI's choices are derived from it.
REGISTRY: dict[str, Callable[[EngineSettings], Engine]] = {
    # A real Vietnamese voice with the commune's own key comes first; `auto` skips it without a key.
    "viettel": lambda s: ViettelEngine(voice=s.viettel_voice or VIETTEL_VOICES[s.dialect], speed=s.speed,
                                       token_env=s.viettel_token_env, url=s.viettel_url),
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
