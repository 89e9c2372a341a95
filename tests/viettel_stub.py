"""A STAND-IN for Viettel AI's text-to-speech endpoint, on loopback: the real one
(https://viettelgroup.ai/voice/api/tts/v1/rest/syn) cannot be reached from the machines the tests
run on, and a real key cannot be put in a test.

It speaks the protocol Viettel AI documents: POST with a `token` header and a JSON body
{text, voice, id, without_filter, speed (0.7–1.3), tts_return_option (2 = wav, 3 = mp3)}; the audio
is the answer's body. The audio is real: espeak-ng speaks the requested text (at the requested
speed) and ffmpeg encodes it, so durations follow the text and the speed. What the real service
answers on errors beyond the status code is not documented; the stand-in answers JSON there.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field

from loopback import LoopbackServer, QuietHandler

PATH = "/voice/api/tts/v1/rest/syn"
TOKEN = "stand-in-key-7f3a9c"  # the only key the stand-in accepts; tests grep outputs for it


def spoken_audio(text: str, speed: float, option: int) -> bytes:
    wav = subprocess.run(["espeak-ng", "-v", "vi", "-s", str(round(160 * speed)), "--stdout", text],
                         capture_output=True, check=True).stdout
    if option == 2:
        return wav
    return subprocess.run(["ffmpeg", "-v", "error", "-f", "wav", "-i", "pipe:0", "-f", "mp3", "pipe:1"],
                          input=wav, capture_output=True, check=True).stdout


@dataclass
class Behaviour:
    """How the stand-in answers: `ok`, `refused` (401: the key is wrong whatever it is), `throttle`
    (429 first), `error` (500 always), `slow-drip` (audio a few bytes at a time, too slowly to finish)."""

    mode: str = "ok"
    throttled: int = 1          # how many 429s before answering, in `throttle` mode
    requests: list[dict] = field(default_factory=list)  # every JSON body it was sent
    tokens: list[str] = field(default_factory=list)     # every token header it was sent

    @property
    def texts(self) -> list[str]:
        return [body["text"] for body in self.requests]


class _Handler(QuietHandler):
    behaviour: Behaviour

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        b = self.behaviour
        b.requests.append(body)
        b.tokens.append(self.headers.get("token", ""))
        if self.path != PATH:
            return self._json(404, {"message": "not found"})
        if b.mode == "refused" or b.tokens[-1] != TOKEN:
            return self._json(401, {"message": "token invalid"})
        if b.mode == "error" or (b.mode == "throttle" and len(b.requests) <= b.throttled):
            return self._json(500 if b.mode == "error" else 429, {"message": "try later"})
        if not 0.7 <= float(body["speed"]) <= 1.3 or body["tts_return_option"] not in (2, 3):
            return self._json(400, {"message": "bad parameters"})
        audio = spoken_audio(body["text"], float(body["speed"]), body["tts_return_option"])
        kind = "audio/wav" if body["tts_return_option"] == 2 else "audio/mpeg"
        if b.mode == "slow-drip":
            return self._drip(audio, kind)
        self.send(200, kind, audio)

    def _drip(self, audio: bytes, kind: str):
        """Every read gets a few bytes quickly: only a deadline on the whole answer ends it."""
        try:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(audio)))
            self.end_headers()
            for i in range(0, len(audio), 16):
                self.wfile.write(audio[i:i + 16])
                self.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _json(self, status: int, answer: dict):
        self.send(status, "application/json", json.dumps(answer).encode())


class StubServer(LoopbackServer):
    """Runs the stand-in on 127.0.0.1 in a thread; `url` is what OUTREACH_VIETTEL_URL should be."""

    def __init__(self, behaviour: Behaviour):
        super().__init__(_Handler, behaviour, PATH)
