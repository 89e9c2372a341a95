"""Loudspeaker-ready audio with ffmpeg: each spoken section is shaped and levelled once (and cached),
then a clip is only a concatenation with pauses and chimes, encoded to mono MP3."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

# Bump when the processing below changes: it is part of every audio cache key.
CHAIN_VERSION = "4"
SAMPLE_RATE = 44100
BITRATE = "96k"
TARGET_LUFS = -16.0
# LAME takes about 0.4 LU off speech (measured on espeak-ng and piper voices): level sections that
# much higher so the MP3 lands on −16 LUFS.
MP3_LOUDNESS_LOSS = 0.4
MAX_TRUE_PEAK = -1.3  # dBTP; the loudspeaker platforms' ceiling is −1
CHIME_LUFS = -20.0  # the chime announces, it should not startle
# Sample-peak ceiling of the limiter (−2.5 dBFS): with the top octave cut, true peaks and MP3
# overshoot stay under −1 dBTP.
PEAK_LIMIT = 0.7
LIMITER_OVERDRIVE = 3.0  # dB past the target the limiter is first driven

# Horn speakers and elderly ears: cut rumble below 120 Hz and the top octave the horn cannot play,
# even out syllables so quiet ones are not lost outdoors.
SPEECH_SHAPING = ("highpass=f=120,lowpass=f=8000,"
                  "acompressor=threshold=-26dB:ratio=4:attack=2:release=100:makeup=2")
BITEXACT = ["-fflags", "+bitexact", "-flags", "+bitexact", "-map_metadata", "-1"]
MONO = f"aresample={SAMPLE_RATE},aformat=sample_fmts=s16:channel_layouts=mono"


class AudioError(Exception):
    """ffmpeg failed; the message carries its last words."""


def ffmpeg(*args: str, stdin: bytes | None = None) -> str:
    """Run ffmpeg quietly; return its stderr (where filters print measurements)."""
    done = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-y", *args], input=stdin,
                          capture_output=True)
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise AudioError(f"ffmpeg: {' '.join(last)}")
    return done.stderr.decode("utf-8", "replace")


def mp3_to_wav(mp3: bytes, wav: Path) -> None:
    ffmpeg("-f", "mp3", "-i", "pipe:0", "-af", MONO, str(wav), stdin=mp3)


def prepare_speech(raw: Path, out: Path, speed: float) -> None:
    """One spoken section, ready to join: mono 44.1 kHz, slowed or sped up, shaped, levelled."""
    _levelled(raw, out, f"{MONO},atempo={speed},{SPEECH_SHAPING}", TARGET_LUFS + MP3_LOUDNESS_LOSS)


def write_chime(out: Path) -> None:
    """A soft two-note chime (E5 then A5) made on the spot: no downloaded assets."""
    notes = "+".join(
        f"0.5*sin(2*PI*{freq}*t)*exp(-6*(t-{start}))*gte(t,{start})" for freq, start in ((659.25, 0), (880, 0.35)))
    tone = out.with_suffix(".tone.wav")
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{notes}':s={SAMPLE_RATE}:d=1.4",
           "-af", "afade=t=in:d=0.01,afade=t=out:st=1.1:d=0.3", str(tone))
    _levelled(tone, out, MONO, CHIME_LUFS)
    tone.unlink()


def _levelled(source: Path, out: Path, shaping: str, lufs: float) -> None:
    """Shape `source`, then set its loudness to `lufs` with peaks under the limiter's ceiling.

    The limiter takes some loudness back, so it is driven a few dB past the target, measured, and
    the result turned down to the target: turning down never pushes a peak over the ceiling.
    """
    shaped = out.with_suffix(".shaped.wav")
    limited = out.with_suffix(".limited.wav")
    gain = lufs - _integrated(ffmpeg("-i", str(source), "-af", f"{shaping},ebur128=framelog=verbose", str(shaped)))
    for overdrive in (LIMITER_OVERDRIVE, 2 * LIMITER_OVERDRIVE, 4 * LIMITER_OVERDRIVE):
        limiter = f"volume={gain + overdrive:.2f}dB,alimiter=limit={PEAK_LIMIT}:attack=3:release=60:level=false"
        measured = _integrated(ffmpeg("-i", str(shaped), "-af", f"{limiter},ebur128=framelog=verbose",
                                      "-c:a", "pcm_s16le", str(limited)))
        if measured >= lufs:
            break
    ffmpeg("-i", str(limited), "-af", f"volume={min(0.0, lufs - measured):.2f}dB", "-c:a", "pcm_s16le", str(out))
    shaped.unlink()
    limited.unlink()


def assemble(parts: list[Path | float], mp3: Path) -> tuple[float, float]:
    """Join prepared WAVs and pauses (seconds) into one mono MP3; return its (LUFS, dBTP).

    MP3 encoding can overshoot a sharp onset by a dB or more, so the result is measured and,
    when its true peak is too close to the ceiling, encoded again a little quieter.
    """
    inputs: list[str] = []
    for part in parts:
        if isinstance(part, Path):
            inputs += ["-i", str(part)]
        else:
            inputs += ["-f", "lavfi", "-t", f"{part:.3f}", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=mono"]
    chains = ";".join(f"[{i}:a]{MONO}[a{i}]" for i in range(len(parts)))
    labels = "".join(f"[a{i}]" for i in range(len(parts)))
    joined = f"{chains};{labels}concat=n={len(parts)}:v=0:a=1"
    encode = ["-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "libmp3lame", "-b:a", BITRATE, *BITEXACT, "-f", "mp3"]
    ffmpeg(*inputs, "-filter_complex", f"{joined}[out]", "-map", "[out]", *encode, str(mp3))
    integrated, peak = loudness(mp3)
    if peak > MAX_TRUE_PEAK:
        ffmpeg(*inputs, "-filter_complex", f"{joined},volume={MAX_TRUE_PEAK - 0.3 - peak:.2f}dB[out]",
               "-map", "[out]", *encode, str(mp3))
        integrated, peak = loudness(mp3)
    return integrated, peak


def _integrated(report: str) -> float:
    summary = report[report.rindex("Summary:"):]
    return float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))


def loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as ffmpeg's ebur128 filter measures them."""
    report = ffmpeg("-i", str(path), "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-")
    summary = report[report.rindex("Summary:"):]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return _integrated(report), peak


def duration_seconds(path: Path) -> float:
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                           str(path)], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())
