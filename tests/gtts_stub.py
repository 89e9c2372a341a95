"""A stand-in for Google Translate's TTS endpoint, on loopback: Google cannot be reached from here.

It speaks the same protocol gTTS uses: POST /_/TranslateWebserverUi/data/batchexecute with a form
field `f.req` (the RPC `jQ1olc` carrying the text), answered by a `)]}'`-prefixed batchexecute reply
whose `jQ1olc` entry holds the MP3 as base64. The MP3 is real: espeak-ng speaks the requested text
and ffmpeg encodes it, so durations follow the text. It is a stand-in, not Google: it also plays the
hostile or broken server (slow drip, garbage answers, throttling after a good start) on request.
"""

from __future__ import annotations

import base64
import json
import random
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field

from loopback import LoopbackServer, QuietHandler

PATH = "/_/TranslateWebserverUi/data/batchexecute"


def spoken_mp3(text: str) -> bytes:
    wav = subprocess.run(["espeak-ng", "-v", "vi", "--stdout", text], capture_output=True, check=True).stdout
    return subprocess.run(["ffmpeg", "-v", "error", "-f", "wav", "-i", "pipe:0", "-f", "mp3", "pipe:1"],
                          input=wav, capture_output=True, check=True).stdout


@dataclass
class Behaviour:
    """How the stand-in answers.

    `ok`; `throttle` (429 first); `error` (500 always); `hang` (answers nothing for 3 s); `malformed`
    (a reply without audio); hostile ones: `drip` (a good answer, one byte every `drip_every`
    seconds), `binary` (200 with random bytes), `bad-base64` (the audio entry is not base64),
    `not-mp3` (valid base64 of random bytes); and `then-throttle` / `then-hang`: the first `good`
    requests are answered well, every later one is throttled (429) or left hanging for 60 s, and
    `then-garbage`: the same, then random bytes.
    """

    mode: str = "ok"
    throttled: int = 1          # how many 429s before answering, in `throttle` mode
    good: int = 1               # how many good answers before the `then-` modes turn
    drip_every: float = 0.2     # seconds between bytes, in `drip` mode
    texts: list[str] = field(default_factory=list)  # every text it was asked to speak


def _batchexecute(audio_field: str) -> bytes:
    payload = json.dumps([["wrb.fr", "jQ1olc", json.dumps([audio_field]), None, None, None, "generic"]],
                         separators=(",", ":"))
    return f")]}}'\n\n{len(payload)}\n{payload}\n".encode()


class _Handler(QuietHandler):
    behaviour: Behaviour

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        rpc = json.loads(urllib.parse.parse_qs(body)["f.req"][0])
        text = json.loads(rpc[0][0][1])[0]
        b = self.behaviour
        b.texts.append(text)
        if self.path != PATH:
            return self._reply(404, b"not found")
        turned = b.mode.startswith("then-") and len(b.texts) > b.good
        if b.mode == "hang" or (turned and b.mode == "then-hang"):
            time.sleep(3 if b.mode == "hang" else 60)
            return self._reply(200, b"")
        if b.mode == "error" or (b.mode == "throttle" and len(b.texts) <= b.throttled) or (
                turned and b.mode == "then-throttle"):
            return self._reply(500 if b.mode == "error" else 429, b"")
        if b.mode == "malformed":
            return self._reply(200, b")]}'\n\n[[\"wrb.fr\",\"jQ1olc\",null,null,null,[3],\"generic\"]]\n")
        if b.mode == "binary" or (turned and b.mode == "then-garbage"):
            return self._reply(200, random.randbytes(4096))
        if b.mode == "bad-base64":
            return self._reply(200, _batchexecute("SUQz!!not*base64%%"))
        if b.mode == "not-mp3":
            return self._reply(200, _batchexecute(base64.b64encode(random.randbytes(4096)).decode()))
        answer = _batchexecute(base64.b64encode(spoken_mp3(text)).decode())
        if b.mode == "drip":
            return self._drip(answer, b.drip_every)
        self._reply(200, answer)

    def _drip(self, body: bytes, every: float):
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(every)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def _reply(self, status: int, body: bytes):
        self.send(status, "application/json; charset=utf-8", body)


class StubServer(LoopbackServer):
    """Runs the stand-in on 127.0.0.1 in a thread; `url` is what OUTREACH_GTTS_URL should be."""

    def __init__(self, behaviour: Behaviour):
        super().__init__(_Handler, behaviour)
