"""Loudspeaker-ready audio with ffmpeg: chime, pauses, speed, compression, loudness, mono MP3."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

# Bump when the processing below changes: it is part of every audio cache key.
CHAIN_VERSION = "1"
SAMPLE_RATE = 44100
BITRATE = "96k"
TARGET_LUFS = -16.0
TARGET_TRUE_PEAK = -1.5   # below the −1 dBTP ceiling: MP3 encoding adds a few tenths
TARGET_LRA = 7.0

# Horn speakers and elderly ears: cut rumble below 120 Hz, tame peaks before loudness is set.
SPEECH_CLEANUP = "highpass=f=120,acompressor=threshold=-20dB:ratio=3:attack=5:release=120:makeup=2"
BITEXACT = ["-fflags", "+bitexact", "-flags", "+bitexact", "-map_metadata", "-1"]


class AudioError(Exception):
    """ffmpeg failed; the message carries its last words."""


def ffmpeg(*args: str, stdin: bytes | None = None) -> str:
    """Run ffmpeg quietly; return its stderr (where filters print measurements)."""
    done = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-y", *args], input=stdin,
                          capture_output=True)
    if done.returncode != 0:
        raise AudioError(done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:])
    return done.stderr.decode("utf-8", "replace")


def mp3_to_wav(mp3: bytes, wav: Path) -> None:
    ffmpeg("-f", "mp3", "-i", "pipe:0", "-ac", "1", "-ar", str(SAMPLE_RATE), str(wav), stdin=mp3)


def write_chime(wav: Path) -> None:
    """A soft two-note chime (E5 then A5) made on the spot: no downloaded assets."""
    notes = "+".join(
        f"0.5*sin(2*PI*{freq}*t)*exp(-6*(t-{start}))*gte(t,{start})" for freq, start in ((659.25, 0), (880, 0.35)))
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{notes}':s={SAMPLE_RATE}:d=1.4",
           "-af", "afade=t=in:d=0.01,afade=t=out:st=1.1:d=0.3", "-ac", "1", str(wav))


def assemble(parts: list[Path | float], mp3: Path, speed: float = 1.0, speech: set[Path] | None = None) -> None:
    """Concatenate WAVs and pauses (seconds) into a loudness-normalised mono MP3.

    Only files in `speech` get the speed change and clean-up; a chime keeps its pitch and timing.
    """
    speech = speech if speech is not None else {p for p in parts if isinstance(p, Path)}
    with tempfile.TemporaryDirectory(dir=mp3.parent) as tmp:
        joined = Path(tmp) / "joined.wav"
        _concatenate(parts, joined, speed, speech)
        _normalise_to_mp3(joined, mp3)


def _concatenate(parts: list[Path | float], out: Path, speed: float, speech: set[Path]) -> None:
    inputs: list[str] = []
    chains: list[str] = []
    for index, part in enumerate(parts):
        if isinstance(part, Path):
            inputs += ["-i", str(part)]
            shaping = f",atempo={speed},{SPEECH_CLEANUP}" if part in speech else ""
        else:
            inputs += ["-f", "lavfi", "-t", f"{part:.3f}", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=mono"]
            shaping = ""
        chains.append(f"[{index}:a]aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=mono{shaping}[a{index}]")
    labels = "".join(f"[a{i}]" for i in range(len(parts)))
    graph = ";".join(chains) + f";{labels}concat=n={len(parts)}:v=0:a=1[out]"
    ffmpeg(*inputs, "-filter_complex", graph, "-map", "[out]", "-ac", "1", "-ar", str(SAMPLE_RATE), str(out))


def _normalise_to_mp3(wav: Path, mp3: Path) -> None:
    """Bring speech to −16 LUFS with true peaks under −1.5 dBTP, then encode mono MP3.

    A plain gain would clip (espeak-ng peaks at 0 dBFS), and loudnorm alone falls back to its
    dynamic mode and undershoots: so gain up with a limiter first, then a linear loudnorm pass.
    """
    limited = wav.with_name("limited.wav")
    gain = TARGET_LUFS - _loudnorm_measure(wav)["input_i"]
    # The low-pass keeps MP3 encoding (which drops the top octave) from lowering the loudness.
    ffmpeg("-i", str(wav), "-af", f"lowpass=f=11000,volume={gain:.2f}dB,"
           "alimiter=limit=0.6:attack=3:release=60:level=false", str(limited))
    measured = _loudnorm_measure(limited)
    linear = (f"{_LOUDNORM}:measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
              f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
              f":offset={measured['target_offset']}:linear=true,aresample={SAMPLE_RATE}")
    _encode_mp3(limited, mp3, linear)
    # LAME's encoding reliably takes off a few tenths of a LU: measure the MP3 and make up for it.
    integrated, peak = loudness(mp3)
    correction = min(TARGET_LUFS - integrated, TARGET_TRUE_PEAK + 0.2 - peak)
    if abs(correction) >= 0.2:
        _encode_mp3(limited, mp3, f"{linear},volume={correction:.2f}dB")


def _encode_mp3(wav: Path, mp3: Path, filters: str) -> None:
    ffmpeg("-i", str(wav), "-af", filters, "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "libmp3lame",
           "-b:a", BITRATE, *BITEXACT, str(mp3))


_LOUDNORM = f"loudnorm=I={TARGET_LUFS}:TP={TARGET_TRUE_PEAK}:LRA={TARGET_LRA}"


def _loudnorm_measure(wav: Path) -> dict[str, float]:
    report = ffmpeg("-i", str(wav), "-af", f"{_LOUDNORM}:print_format=json", "-f", "null", "-")
    values = json.loads(report[report.rindex("{"):report.rindex("}") + 1])
    return {key: float(value) for key, value in values.items() if key != "normalization_type"}


def loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as ffmpeg's ebur128 filter measures them."""
    report = ffmpeg("-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-")
    summary = report[report.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return integrated, peak


def duration_seconds(path: Path) -> float:
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                           str(path)], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())
