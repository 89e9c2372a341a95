"""Viettel AI's Vietnamese voices, with the commune's own key.

The text-to-speech REST API, as documented at viettelgroup.ai/document/tts: one synchronous POST,
the key in a `token` header, a JSON body (text, voice, id, without_filter, speed 0.7–1.3,
tts_return_option 2 = wav, 3 = mp3); the audio is the answer's body. It cannot be reached from the
development machines, so tests/viettel_stub.py stands in for it on loopback.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from outreach.errors import SpeechError
from outreach.fields import described
from outreach.sound.engines import EngineSpec, Voicing
from outreach.sound.engines.chunks import chunks
from outreach.sound.engines.rest import Answer, KeyedRest, Retry, looks_like_mp3
from outreach.sound.ffmpeg import mp3_to_wav

URL = "https://viettelgroup.ai/voice/api/tts/v1/rest/syn"
TOKEN_ENV = "VIETTEL_TTS_TOKEN"
VOICES = {"north": "hn-quynhanh", "south": "hcm-minhquan"}  # by the commune's dialect
SPEEDS = (0.7, 1.3)
MP3 = 3  # tts_return_option: MP3 is a tenth of the WAV's size over a commune's 3G/4G link
CHUNK = 500  # characters a request; the documentation sets no limit, clients commonly send 500
RETRIES = 4
DEADLINE = 30.0  # seconds for a whole request: connecting, sending and reading the whole answer


class Settings(BaseModel):
    """audio.viettel in commune.yaml. The key itself is never written in a file: only the NAME of
    the environment variable that holds it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    voice: str | None = described("Giọng Viettel", "Ví dụ: hn-quynhanh (miền Bắc), hue-maingoc (miền Trung), "
                                  "hcm-minhquan (miền Nam); để trống thì chọn theo cách đọc số.", prose=False,
                                  placeholder="hn-quynhanh", default=None)
    token_env: str = described("Tên biến môi trường chứa khóa Viettel", "Khóa không bao giờ ghi vào tệp; mặc "
                               "định VIETTEL_TTS_TOKEN.", prose=False, placeholder=TOKEN_ENV,
                               default=TOKEN_ENV)
    url: str = described("Địa chỉ dịch vụ Viettel", "Để nguyên, trừ khi Viettel đổi địa chỉ.", prose=False,
                         placeholder=URL, default=URL)

    @field_validator("voice")
    @classmethod
    def _voice(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z][a-z0-9-]{2,40}", value):
            raise ValueError("phải là mã giọng đọc của Viettel AI, ví dụ hn-quynhanh, hue-maingoc, hcm-minhquan")
        return value

    @field_validator("token_env")
    @classmethod
    def _token_env(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]{0,63}", value):
            raise ValueError("phải là tên một biến môi trường (chữ in hoa, số, dấu _), ví dụ VIETTEL_TTS_TOKEN; "
                             "đừng ghi khóa vào đây, hãy đặt khóa vào biến môi trường đó")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"https?://[^/\s]+", value):
            raise ValueError("phải là địa chỉ web đầy đủ, bắt đầu bằng https://")
        return value


@dataclass
class ViettelEngine:
    """The key is read from the environment only: it is never stored on the engine, so it cannot
    reach a cache key, a sidecar or a message."""

    voice: str = VOICES["north"]
    speed: float = 1.0  # Viettel speaks at the commune's speed itself
    token_env: str = TOKEN_ENV
    url: str = URL
    name: str = "viettel"
    draft: bool = False
    backoff: float = 1.0
    deadline: float = DEADLINE

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
        return f"{self.voice} speed {self._viettel_speed():.2f} mp3 chunk{CHUNK} {self.endpoint()}"

    def synthesize(self, text: str, wav: Path) -> None:
        mp3_to_wav(b"".join(self._speak_chunk(chunk) for chunk in chunks(text, CHUNK)), wav)

    def _viettel_speed(self) -> float:
        low, high = SPEEDS
        return round(min(max(self.speed, low), high), 2)

    def _speak_chunk(self, chunk: str, retries: int = RETRIES) -> bytes:
        """MP3 bytes for one chunk, retrying throttling (429), server errors and lost connections."""
        body = json.dumps({"text": chunk, "voice": self.voice, "id": "outreach", "without_filter": False,
                           "speed": self._viettel_speed(), "tts_return_option": MP3}).encode()
        headers = {"Content-Type": "application/json", "token": self._token()}
        rest = KeyedRest("Viettel AI", RETRIES, self.backoff, self.deadline)
        return rest.ask(self.endpoint(), body, headers, self._audio, retries)

    def _token(self) -> str:
        token = os.environ.get(self.token_env, "").strip()
        if not token:
            raise SpeechError(f"Viettel AI: chưa có khóa; hãy đặt biến môi trường {self.token_env} "
                              "(tên biến: audio.viettel.token_env trong content/commune.yaml)")
        return token

    def _audio(self, answer: Answer) -> bytes:
        """The MP3 of an answer; Retry when asking again may help, SpeechError when it cannot."""
        status = answer.status
        if status in (401, 403):
            raise SpeechError(f"Viettel AI từ chối khóa (lỗi {status}): hãy kiểm tra khóa trong biến môi "
                              f"trường {self.token_env} và hạn dùng của nó trên trang Viettel AI")
        if status == 429:
            raise Retry("máy chủ trả lời lỗi 429 (quá nhiều yêu cầu, hãy thử lại sau)")
        if status >= 500:
            raise Retry(f"máy chủ trả lời lỗi {status}")
        if status != 200:
            raise SpeechError(f"Viettel AI: máy chủ trả lời lỗi {status}")
        if answer.kind.startswith(("application/json", "text/")) or not looks_like_mp3(answer.body):
            raise SpeechError("Viettel AI: máy chủ trả lời nhưng không có âm thanh")
        return answer.body


def make(settings: Settings, voicing: Voicing) -> ViettelEngine:
    return ViettelEngine(voice=settings.voice or VOICES[voicing.dialect], speed=voicing.speed,
                         token_env=settings.token_env, url=settings.url)


# A real Vietnamese voice with the commune's own key comes first; `auto` skips it without a key.
ENGINE = EngineSpec("viettel", "giọng Viettel AI (cần mạng và khóa của xã)", Settings, make, rank=10,
                    configured=lambda engine: isinstance(engine, ViettelEngine) and engine.has_key(),
                    legacy={"viettel_voice": "voice", "viettel_token_env": "token_env", "viettel_url": "url"})
