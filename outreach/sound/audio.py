"""Loudspeaker-ready audio: ffmpeg filters, LAME (through lameenc) encodes, numpy measures
(loudness.py).

Each spoken section is shaped and levelled once, and encoded to MP3 once; both are kept in the cache.
A clip (bulletin or meeting clip) is then the MP3 frames of its pieces one after another: a chime,
a pause, a section… Every piece is decoded (in process, mp3.py) and measured, so every clip's
figures are measurements of its MP3 frames.

Work is batched: one ffmpeg run handles every section of a guide, because starting
ffmpeg (about 70 ms of CPU: it loads two hundred libraries) costs more than processing a short
section. For the same reason LAME runs in process. Loudness is measured in Python because ffmpeg's
ebur128 filter is several times slower and only runs at 48 kHz.
"""

from __future__ import annotations

import math
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import lameenc
import numpy as np

from outreach.atomic import write_atomic
from outreach.sound import mp3
from outreach.sound.ffmpeg import SAMPLE_RATE, AudioError, ffmpeg
from outreach.sound.loudness import gated_lufs, integrated_lufs, loudness_state, true_peak

# Bump when the processing below changes: it names every prepared section, segment and chime in the
# cache (the engines' raw speech is kept: what gTTS said online stays usable offline).
CHAIN_VERSION = "8"
TARGET_LUFS = -16.0
# The decoded MP3 measures 0.4 to 0.5 LU below the section as levelled (measured at FILTER_RATE, on
# espeak-ng and piper voices): level sections that much higher so the MP3 lands on −16 LUFS. (Aiming
# higher would leave more sections short of the target after the first pass, and cost another pass.)
MP3_LOUDNESS_LOSS = 0.4
MAX_TRUE_PEAK = -1.3  # dBTP; the loudspeaker platforms' ceiling is −1
CHIME_LUFS = -20.0  # the chime announces, it should not startle
# Every voice enters the compressor at this loudness, so it treats each engine alike (espeak-ng's raw
# output is about this loud, and the compressor was tuned on it).
SHAPING_INPUT_LUFS = -19.0
# What the shaping below takes off a voice entering at SHAPING_INPUT_LUFS (measured on espeak-ng
# sections: 7.2 to 8.1 dB); the drive into the limiter is set from it.
SHAPING_LOSS = 7.5
# Sample-peak ceiling of the limiter (−3.1 dBFS): with the top octave cut, true peaks and MP3
# overshoot stay under −1 dBTP (every finished MP3 is measured to make sure).
PEAK_LIMIT = 0.7
# dB past the target the limiter is driven, until the target is reached (within a fifth of a LU,
# which nobody hears); the result is then turned down to the target, which never pushes a peak over
# the ceiling. The first drive reaches it for almost every section in one pass.
LIMITER_DRIVES = (4.0, 8.0, 12.0)
CLOSE_ENOUGH = 0.2

# Horn speakers and elderly ears: cut rumble below 120 Hz and the top octave the horn cannot play,
# even out syllables so quiet ones are not lost outdoors.
SPEECH_SHAPING = ("highpass=f=120,lowpass=f=8000,"
                  "acompressor=threshold=-26dB:ratio=4:attack=2:release=100:makeup=2")
# Sections are filtered at half the output rate: after the 8 kHz low-pass nothing is lost, and every
# filter costs half as much; the pass ends by resampling to the output rate, which LAME needs (its own
# resampler is twice as slow as the encoding). Gains are applied in floating point so that a quiet voice
# turned up cannot clip before the limiter.
FILTER_RATE = 22050
FILTERED_FLOAT = f"aresample={FILTER_RATE},aformat=sample_fmts=flt:channel_layouts=mono"
# Mono 44.1 kHz 96 kbit/s CBR; quality 7 is LAME's faster search, no audible loss on speech. lameenc
# writes no Xing/LAME header and no tags: a clip is its pieces' frames one after another (the first
# frame of a stream never borrows bits from the frame before it, so the joins decode cleanly).
MP3_KBITS = 96
LAME_QUALITY = 7


@dataclass(frozen=True)
class Measured:
    """What a finished MP3 measures, decoded: the figures its sidecar reports."""

    lufs: float
    true_peak: float  # dBTP
    seconds: float


def prepare_speech(sections: list[tuple[Path, Path, float]]) -> None:
    """Spoken sections (raw WAV → out WAV, stretch), ready to join: mono, slowed by `stretch` (below 1:
    slower) where the engine could not speak at the commune's speed itself, shaped, levelled."""
    _levelled([(raw, out) for raw, out, _ in sections],
              [(f"atempo={stretch:.4f}," if stretch != 1 else "") + SPEECH_SHAPING for _, _, stretch in sections],
              SHAPING_LOSS, TARGET_LUFS + MP3_LOUDNESS_LOSS)


def write_chime(out: Path) -> None:
    """A soft two-note chime (E5 then A5) made on the spot: no downloaded assets."""
    notes = "+".join(
        f"0.5*sin(2*PI*{freq}*t)*exp(-6*(t-{start}))*gte(t,{start})" for freq, start in ((659.25, 0), (880, 0.35)))
    tone = out.with_suffix(".tone.wav")
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{notes}':s={SAMPLE_RATE}:d=1.4",
           "-af", "afade=t=in:d=0.01,afade=t=out:st=1.1:d=0.3", str(tone))
    _levelled([(tone, out)], ["anull"], 0.0, CHIME_LUFS)
    tone.unlink()


def write_silence(out: Path, seconds: float) -> None:
    write_wav(out, np.zeros(round(seconds * SAMPLE_RATE), dtype=np.int16), SAMPLE_RATE)


def _levelled(pairs: list[tuple[Path, Path]], shapings: list[str], shaping_loss: float, lufs: float) -> None:
    """Shape each source (filters `shapings[k]`) and set its loudness to `lufs`, peaks under the
    limiter's ceiling.

    One ffmpeg pass brings each source to SHAPING_INPUT_LUFS, shapes it and drives the limiter a few
    dB past the target; the result is measured and turned down to the target here. A source that
    still falls short is driven harder in another pass.
    """
    inputs = [SHAPING_INPUT_LUFS - integrated_lufs(*read_wav(src)) for src, _ in pairs]
    limited = [out.with_suffix(".limited.wav") for _, out in pairs]
    todo = list(range(len(pairs)))
    try:
        for drive in LIMITER_DRIVES:
            chains = [f"{FILTERED_FLOAT},volume={_finite(inputs[k]):.2f}dB,{shapings[k]},"
                      f"volume={lufs + drive - SHAPING_INPUT_LUFS + shaping_loss:.2f}dB,"
                      f"alimiter=limit={PEAK_LIMIT}:attack=3:release=60:level=false,aresample={SAMPLE_RATE}"
                      for k in todo]
            _filter_each([pairs[k][0] for k in todo], chains, [limited[k] for k in todo])
            short = []
            for k in todo:
                samples, rate = read_wav(limited[k])
                # It was filtered at FILTER_RATE and only then resampled: every other sample carries all
                # of it, and measuring half the samples costs half as much.
                reached = integrated_lufs(np.ascontiguousarray(samples[::rate // FILTER_RATE]), FILTER_RATE)
                if reached < lufs - CLOSE_ENOUGH and drive != LIMITER_DRIVES[-1]:
                    short.append(k)
                    continue
                trim = min(0.0, lufs - reached) if math.isfinite(reached) else 0.0
                write_wav(pairs[k][1], _turned_down(samples, trim), rate)
            todo = short
            if not todo:
                break
    finally:
        for path in limited:
            path.unlink(missing_ok=True)


def _finite(value: float) -> float:
    """A silent source measures −inf LUFS: leave its level alone rather than amplify nothing."""
    return value if math.isfinite(value) else 0.0


def _filter_each(sources: list[Path], chains: list[str], outputs: list[Path]) -> None:
    """Run chain k on source k into output k (16-bit WAV), all in one ffmpeg."""
    inputs = [arg for src in sources for arg in ("-i", str(src))]
    graph = ";".join(f"[{k}:a]{chain}[o{k}]" for k, chain in enumerate(chains))
    maps = [arg for k, out in enumerate(outputs) for arg in ("-map", f"[o{k}]", "-c:a", "pcm_s16le", str(out))]
    ffmpeg(*inputs, "-filter_complex", graph, *maps)


def assemble(clips: list[tuple[list[Path], Path]]) -> list[Measured]:
    """Make each clip (its WAV pieces in order → one MP3) and measure it.

    Every piece is encoded once and kept beside its WAV, so a section shared by the bulletin and a
    meeting clip, or by many guides, is encoded once; a clip is its pieces' frames one after another.
    Each distinct piece is decoded and measured once, and a clip's figures are its pieces' together.
    MP3 encoding can overshoot a sharp onset by a dB or more: a clip whose true peak comes too close
    to the ceiling is encoded again whole, a little quieter, and measured again whole.
    """
    segments = _segments([wav for pieces, _ in clips for wav in pieces])
    encoded = {wav: segments[wav].read_bytes() for pieces, _ in clips for wav in pieces}
    parts = {wav: _measured_piece(segments[wav], segments[wav].stat().st_mtime_ns) for wav in encoded}
    measured = []
    for pieces, target in clips:
        target.write_bytes(b"".join(encoded[wav] for wav in pieces))
        measured.append(_Part.joined([parts[wav] for wav in pieces]))
    over = [k for k, m in enumerate(measured) if m.true_peak > MAX_TRUE_PEAK]
    if over:
        _encode_whole([clips[k] for k in over], [MAX_TRUE_PEAK - 0.3 - measured[k].true_peak for k in over])
        for k, again in zip(over, measure([clips[k][1].read_bytes() for k in over])):
            measured[k] = again
    return measured


@dataclass(frozen=True)
class _Part:
    """One encoded piece, decoded and measured: its loudness blocks, true peak and length."""

    loudness: np.ndarray  # its gating blocks' mean squares (loudness.loudness_state)
    true_peak: float
    samples: int

    @classmethod
    def of(cls, stream: bytes) -> _Part:
        samples = _decoded(stream)
        return cls(loudness_state(samples, SAMPLE_RATE), true_peak(samples), len(samples))

    @staticmethod
    def joined(parts: list[_Part]) -> Measured:
        """The figures of the parts played one after another. Loudness pools the parts' gating blocks
        (as a meter measures a programme made of parts); only blocks that would straddle a join
        are missing, and every join is a pause, so it agrees with measuring the joined file."""
        return Measured(gated_lufs([p.loudness for p in parts]),
                        max(p.true_peak for p in parts), sum(p.samples for p in parts) / SAMPLE_RATE)


@lru_cache(maxsize=64)
def _measured_piece(segment: Path, _mtime_ns: int) -> _Part:
    """Kept for the next guides built in this process: the chime, the pauses and the sections every
    guide shares (help desk, thanks) are measured once. A segment rewritten has a new mtime."""
    return _Part.of(segment.read_bytes())


def _segments(wavs: list[Path]) -> dict[Path, Path]:
    """WAV → its MP3 frames, kept beside it; what is missing is encoded now."""
    segments = {wav: wav.with_suffix(".mp3") for wav in wavs}
    for wav, segment in segments.items():
        if not segment.is_file():
            write_atomic(segment, encoded([_output_samples(wav)]))
    return segments


def _encode_whole(clips: list[tuple[list[Path], Path]], gains: list[float]) -> None:
    """Each clip joined from its WAVs and encoded in one piece, turned down by its gain (dB)."""
    for (pieces, target), gain in zip(clips, gains):
        target.write_bytes(encoded(_turned_down(_output_samples(wav), gain) for wav in pieces))


def encoded(blocks: Iterable[np.ndarray]) -> bytes:
    """MP3 frames of mono 16-bit samples at SAMPLE_RATE, given block after block."""
    encoder = lameenc.Encoder()
    encoder.set_channels(1)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_bit_rate(MP3_KBITS)
    encoder.set_quality(LAME_QUALITY)
    frames = [bytes(encoder.encode(np.ascontiguousarray(block, dtype="<i2"))) for block in blocks]
    return b"".join([*frames, bytes(encoder.flush())])


def _turned_down(samples: np.ndarray, db: float) -> np.ndarray:
    """16-bit `samples` turned down by `db` (≤ 0, so nothing can clip)."""
    scaled = samples * np.float32(10 ** (db / 20))
    return np.rint(scaled, out=scaled).astype(np.int16)


def _output_samples(wav: Path) -> np.ndarray:
    """The samples of a piece made for a clip: at SAMPLE_RATE, as LAME is given them."""
    samples, rate = read_wav(wav)
    if rate != SAMPLE_RATE:
        raise AudioError(f"{wav.name}: cần âm thanh {SAMPLE_RATE} Hz")
    return samples


def measure(streams: list[bytes]) -> list[Measured]:
    """Loudness, true peak and length of each MP3 stream (as this module writes them), decoded."""
    return [_Part.joined([_Part.of(stream)]) for stream in streams]


def _decoded(stream: bytes) -> np.ndarray:
    try:
        return mp3.decode(stream, SAMPLE_RATE)
    except mp3.Mp3Error as exc:
        raise AudioError(str(exc)) from None


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples and sample rate of a mono 16-bit WAV, as ffmpeg and the engines write them."""
    with wave.open(str(path)) as wav:
        if (wav.getnchannels(), wav.getsampwidth()) != (1, 2):
            raise AudioError(f"{path.name}: cần âm thanh mono 16 bit")
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16), wav.getframerate()


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.clip(samples, -32768, 32767).astype("<i2").tobytes())


