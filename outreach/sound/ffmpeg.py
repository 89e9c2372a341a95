"""ffmpeg, run quietly: the one place a subprocess of it is started and its failures are worded."""

from __future__ import annotations

import subprocess
from pathlib import Path

from outreach import programs
from outreach.errors import SpeechError

SAMPLE_RATE = 44100
MONO = f"aresample={SAMPLE_RATE},aformat=sample_fmts=s16:channel_layouts=mono"
# No run of ffmpeg here takes a tenth of this (a quarter-hour take is cleaned in seconds); a file
# crafted to make it spin is stopped instead of holding a build or the studio.
FFMPEG_SECONDS = 300


class AudioError(SpeechError):
    """ffmpeg failed; the message carries its last words."""


def ffmpeg(*args: str, stdin: bytes | None = None) -> bytes:
    """Run ffmpeg quietly and return what it wrote to stdout; its last words become the AudioError
    if it fails."""
    try:
        done = subprocess.run([programs.ffmpeg(), "-hide_banner", "-nostdin", "-nostats", "-y", *args], input=stdin,
                              capture_output=True, timeout=FFMPEG_SECONDS)
    except subprocess.TimeoutExpired:
        raise AudioError(f"ffmpeg: quá {FFMPEG_SECONDS} giây mà chưa xong; tệp âm thanh có thể bị hỏng") from None
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise AudioError(f"ffmpeg: {' '.join(last)}")
    return done.stdout


def mp3_to_wav(stream: bytes, wav: Path) -> None:
    ffmpeg("-f", "mp3", "-i", "pipe:0", "-af", MONO, str(wav), stdin=stream)

