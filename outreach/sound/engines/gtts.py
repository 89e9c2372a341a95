"""Google Translate's voice: gTTS prepares each request body, we send it and read the answer within
a deadline, and accept only what really is MP3."""

from __future__ import annotations

import base64
import binascii
import os
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from outreach.errors import SpeechError
from outreach.fields import described
from outreach.sound.engines import EngineSpec, Voicing
from outreach.sound.engines.chunks import chunks
from outreach.sound.engines.rest import looks_like_mp3
from outreach.sound.ffmpeg import mp3_to_wav

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
        mp3 = b"".join(self._speak_chunk(chunk) for chunk in chunks(text, GTTS_CHUNK))
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
        mp3 = b""
        for request in self._requests(chunk):
            mp3 += _audio_in(_within(seconds, lambda: _answer(request, self.timeout,  # noqa: B023 (called now)
                                                               time.monotonic() + seconds)))
        return mp3

    def _requests(self, chunk: str) -> list:
        """The requests for one chunk, from gTTS's public parts: the bodies it would send and its
        headers; the address is Google's (or the stand-in's)."""
        import requests
        from gtts import gTTS
        speech = gTTS(chunk, lang="vi", tld=self.tld, lang_check=False)
        url = f"{(self.address or f'https://translate.google.{self.tld}').rstrip('/')}/{GTTS_PATH}"
        return [requests.Request("POST", url, data=body, headers=gTTS.GOOGLE_TTS_HEADERS).prepare()
                for body in speech.get_bodies()]


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
            if not looks_like_mp3(mp3):
                raise _Broken("máy chủ Google trả lời sai định dạng (không phải tệp MP3)")
            return mp3
    raise _Broken("máy chủ Google trả lời sai định dạng, không có âm thanh")


class Settings(BaseModel):
    """audio.gtts in commune.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tld: Annotated[str, StringConstraints(pattern=r"^[a-z.]{2,10}$")] = described(
        "Tên miền Google", "Mặc định com.vn.", prose=False, placeholder="com.vn", default="com.vn")


def make(settings: Settings, voicing: Voicing) -> GttsEngine:
    return GttsEngine(tld=settings.tld)


ENGINE = EngineSpec("gtts", "giọng Google (cần mạng)", Settings, make, rank=20, legacy={"gtts_tld": "tld"})
