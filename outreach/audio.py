"""Loudspeaker-ready audio with ffmpeg: each spoken section is shaped and levelled once (and cached),
then a clip is only a concatenation with pauses and chimes, encoded to mono MP3.

Work is batched: one ffmpeg run handles every section (or every clip) of a guide, because starting
ffmpeg costs more than processing a short section.
"""

from __future__ import annotations

import re
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

# Bump when the processing below changes: it is part of every audio cache key.
CHAIN_VERSION = "6"
SAMPLE_RATE = 44100
BITRATE = "96k"
TARGET_LUFS = -16.0
# LAME takes about 0.4 LU off speech (measured on espeak-ng and piper voices): level sections that
# much higher so the MP3 lands on −16 LUFS.
MP3_LOUDNESS_LOSS = 0.4
MAX_TRUE_PEAK = -1.3  # dBTP; the loudspeaker platforms' ceiling is −1
CHIME_LUFS = -20.0  # the chime announces, it should not startle
# Sample-peak ceiling of the limiter (−3.1 dBFS): with the top octave cut, true peaks and MP3
# overshoot stay under −1 dBTP (the finished MP3 is measured to make sure).
PEAK_LIMIT = 0.7
LIMITER_OVERDRIVES = (3.0, 6.0, 12.0)  # dB past the target the limiter is driven, until it is reached

# Horn speakers and elderly ears: cut rumble below 120 Hz and the top octave the horn cannot play,
# even out syllables so quiet ones are not lost outdoors.
SPEECH_SHAPING = ("highpass=f=120,lowpass=f=8000,"
                  "acompressor=threshold=-26dB:ratio=4:attack=2:release=100:makeup=2")
BITEXACT = ["-fflags", "+bitexact", "-flags", "+bitexact", "-map_metadata", "-1"]
# Sections are prepared at half the output rate: after the 8 kHz low-pass nothing is lost, and every
# filter pass costs half as much. Clips are resampled to 44.1 kHz as they are encoded.
PREPARE_RATE = 22050
MONO = f"aresample={SAMPLE_RATE},aformat=sample_fmts=s16:channel_layouts=mono"
MONO_PREPARED = f"aresample={PREPARE_RATE},aformat=sample_fmts=s16:channel_layouts=mono"
# compression_level 7: LAME's faster search, no audible loss on speech at 96 kbit/s.
MP3 = ["-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "libmp3lame", "-b:a", BITRATE, "-compression_level", "7",
       *BITEXACT, "-f", "mp3"]
MEASURE = "ebur128=framelog=verbose"


class AudioError(Exception):
    """ffmpeg failed; the message carries its last words."""


@dataclass(frozen=True)
class Piece:
    """A prepared WAV in a clip, and the silence that follows it."""

    wav: Path
    pause: float = 0.0


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


def prepare_speech(pairs: list[tuple[Path, Path]], speed: float) -> None:
    """Spoken sections (raw WAV → out WAV), ready to join: mono 44.1 kHz, at `speed`, shaped, levelled."""
    _levelled(pairs, f"{MONO_PREPARED},atempo={speed},{SPEECH_SHAPING}", TARGET_LUFS + MP3_LOUDNESS_LOSS)


def write_chime(out: Path) -> None:
    """A soft two-note chime (E5 then A5) made on the spot: no downloaded assets."""
    notes = "+".join(
        f"0.5*sin(2*PI*{freq}*t)*exp(-6*(t-{start}))*gte(t,{start})" for freq, start in ((659.25, 0), (880, 0.35)))
    tone = out.with_suffix(".tone.wav")
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{notes}':s={SAMPLE_RATE}:d=1.4",
           "-af", "afade=t=in:d=0.01,afade=t=out:st=1.1:d=0.3", str(tone))
    _levelled([(tone, out)], MONO_PREPARED, CHIME_LUFS)
    tone.unlink()


def _levelled(pairs: list[tuple[Path, Path]], shaping: str, lufs: float) -> None:
    """Shape each source, then set its loudness to `lufs` with peaks under the limiter's ceiling.

    The limiter takes some loudness back, so it is driven a few dB past the target, measured, and
    the result turned down to the target: turning down never pushes a peak over the ceiling.
    """
    shaped = [out.with_suffix(".shaped.wav") for _, out in pairs]
    limited = [out.with_suffix(".limited.wav") for _, out in pairs]
    gains = [lufs - i for i, _ in _filter_each([src for src, _ in pairs], [f"{shaping},{MEASURE}"] * len(pairs),
                                               shaped)]
    trims: dict[int, float] = {}
    for overdrive in LIMITER_OVERDRIVES:
        todo = [k for k in range(len(pairs)) if k not in trims]
        if not todo:
            break
        chains = [f"volume={gains[k] + overdrive:.2f}dB,alimiter=limit={PEAK_LIMIT}:attack=3:release=60:level=false,"
                  f"{MEASURE}" for k in todo]
        measured = _filter_each([shaped[k] for k in todo], chains, [limited[k] for k in todo])
        for k, (integrated, _) in zip(todo, measured):
            if integrated >= lufs or overdrive == LIMITER_OVERDRIVES[-1]:
                trims[k] = min(0.0, lufs - integrated)
    _filter_each(limited, [f"volume={trims[k]:.2f}dB" for k in range(len(pairs))], [out for _, out in pairs])
    for path in shaped + limited:
        path.unlink()


def _filter_each(sources: list[Path], chains: list[str], outputs: list[Path]) -> list[tuple[float, float]]:
    """Run chain k on source k into output k, all in one ffmpeg; return each chain's (LUFS, peak)."""
    inputs = [arg for src in sources for arg in ("-i", str(src))]
    graph = ";".join(f"[{k}:a]{chain}[o{k}]" for k, chain in enumerate(chains))
    maps = [arg for k, out in enumerate(outputs) for arg in ("-map", f"[o{k}]", "-c:a", "pcm_s16le", str(out))]
    return _measurements(ffmpeg(*inputs, "-filter_complex", graph, *maps))


def assemble(clips: list[tuple[list[Piece], Path]]) -> list[tuple[float, float]]:
    """Join each clip's pieces into one mono MP3 (one ffmpeg run for all); return each (LUFS, dBTP).

    MP3 encoding can overshoot a sharp onset by a dB or more, so the results are measured and any
    whose true peak is too close to the ceiling is encoded again a little quieter.
    """
    measured = _encode(clips, [0.0] * len(clips))
    over = [k for k, (_, peak) in enumerate(measured) if peak > MAX_TRUE_PEAK]
    if over:
        again = _encode([clips[k] for k in over], [MAX_TRUE_PEAK - 0.3 - measured[k][1] for k in over])
        for k, value in zip(over, again):
            measured[k] = value
    return measured


def _encode(clips: list[tuple[list[Piece], Path]], gains: list[float]) -> list[tuple[float, float]]:
    inputs: list[str] = []
    chains: list[str] = []
    for k, (pieces, _) in enumerate(clips):
        labels = []
        for piece in pieces:
            index = len(inputs) // 2
            inputs += ["-i", str(piece.wav)]
            chains.append(f"[{index}:a]{MONO},apad=pad_dur={piece.pause:.3f}[p{index}]")
            labels.append(f"[p{index}]")
        chains.append(f"{''.join(labels)}concat=n={len(labels)}:v=0:a=1,volume={gains[k]:.2f}dB[c{k}]")
    maps = [arg for k, (_, mp3) in enumerate(clips) for arg in ("-map", f"[c{k}]", *MP3, str(mp3))]
    ffmpeg(*inputs, "-filter_complex", ";".join(chains), *maps)
    return loudness([mp3 for _, mp3 in clips])


def loudness(paths: list[Path]) -> list[tuple[float, float]]:
    """(integrated LUFS, true peak dBTP) of each file, as ffmpeg's ebur128 filter measures them."""
    inputs = [arg for path in paths for arg in ("-i", str(path))]
    graph = ";".join(f"[{k}:a]{MEASURE}:peak=true[m{k}]" for k in range(len(paths)))
    maps = [arg for k in range(len(paths)) for arg in ("-map", f"[m{k}]", "-f", "null", "-")]
    return _measurements(ffmpeg(*inputs, "-filter_complex", graph, *maps))


_SUMMARY = re.compile(r"\[Parsed_ebur128_(\d+) @ [^\]]+\] Summary:.*?I:\s+(-?[\d.]+|-inf) LUFS"
                      r"(?:(?:(?!Summary:).)*?Peak:\s+(-?[\d.]+|-inf) dBFS)?", re.S)


def _measurements(report: str) -> list[tuple[float, float]]:
    """Each ebur128 filter's (integrated, peak) in graph order. ffmpeg prints them in reverse, and
    also prints an empty summary for a graph it configured and threw away: the last one counts."""
    found = {int(m.group(1)): (float(m.group(2)), float(m.group(3) or "nan")) for m in _SUMMARY.finditer(report)}
    return [found[index] for index in sorted(found)]


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def duration_seconds(path: Path) -> float:
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                           str(path)], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())
