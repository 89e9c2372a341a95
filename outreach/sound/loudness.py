"""Loudness (ITU-R BS.1770-4 / EBU R128) and true peak of 16-bit mono samples, in numpy alone.

Integrated loudness: the K-weighting filter (a high shelf and a high-pass, designed for the sample
rate as libebur128 does), mean squares of 400 ms blocks every 100 ms (75 % overlap), then the two
gates: blocks under −70 LUFS are dropped, then those more than 10 LU under the loudness of the rest.
The filter runs in the frequency domain (overlap-save with its impulse response, which dies down
within 0.2 s): numpy does that in a few passes where a sample-by-sample recursion would be a Python
loop. Checked against ffmpeg's ebur128 filter on real clips (tests/test_audio.py).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# True peak (BS.1770-4, annex 2): the signal oversampled four times by a 48-tap interpolating filter,
# 12 taps a phase; column p of PHASES gives the value a quarter-sample step further along.
_TAPS = np.arange(48)
_INTERPOLATOR = np.sinc((_TAPS - 23.5) / 4) * np.kaiser(48, 8)
PHASES = np.stack([_INTERPOLATOR[p::4][::-1] for p in range(4)], axis=1).astype(np.float32)
# No interpolated value can exceed the loudest sample of its 12 by more than this factor.
_OVERSHOOT_BOUND = float(np.abs(PHASES).sum(axis=0).max())
TRUE_PEAK_ROWS = 32768  # windows oversampled at once: 9 MB of temporaries

ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU under the loudness of the blocks past the absolute gate
FILTER_SECONDS = 0.2   # the K-filter's impulse response, measured: its tail past 0.2 s is under 1e−10
FFT_SIZE = 1 << 15     # samples a frame of the overlap-save filtering
_EXACT_GRID = 1 << 18  # the response sampled this finely is the impulse response to within 1e−11
_FULL_SCALE = 32768.0


def integrated_lufs(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness (BS.1770-4 / EBU R128 gating) of mono 16-bit samples; −inf for silence."""
    return gated_lufs([loudness_state(samples, rate)])


def loudness_state(samples: np.ndarray, rate: int) -> np.ndarray:
    """The mean square of every 400 ms gating block of `samples`, K-weighted, one every 100 ms (a block
    straddling the end is not counted; 100 ms is rounded to whole samples as libebur128 does)."""
    hop = (rate + 5) // 10
    segments = len(samples) // hop
    if segments < 4:
        return np.zeros(0)
    weighted = k_weighted(samples[:segments * hop], rate)
    sums = np.einsum("ij,ij->i", *(weighted.reshape(segments, hop),) * 2, dtype=np.float64)
    return np.convolve(sums, np.ones(4), "valid") / (4 * hop)


def gated_lufs(states: list[np.ndarray]) -> float:
    """The integrated loudness of parts played one after another, from their blocks pooled (blocks
    that would straddle a join are missing: every join in outreach's clips is a pause)."""
    blocks = np.concatenate(states) if states else np.zeros(0)
    blocks = blocks[blocks > _energy(ABSOLUTE_GATE)]
    if not len(blocks):
        return -math.inf
    relative = _energy(_lufs(float(blocks.mean())) + RELATIVE_GATE)
    gated = blocks[blocks > relative]
    return _lufs(float(gated.mean())) if len(gated) else -math.inf


def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """`samples` (16-bit) through the K-weighting filter, as floats of full scale 1: overlap-save,
    each FFT_SIZE frame multiplied by the response of the filter's first FILTER_SECONDS."""
    response, taps = _frame_response(rate)
    step = FFT_SIZE - taps + 1
    frames = -(-len(samples) // step)
    padded = np.zeros(frames * step + taps - 1, dtype=np.float32)  # float32: errors ~1e−6, twice as fast
    padded[taps - 1:taps - 1 + len(samples)] = samples * np.float32(1 / _FULL_SCALE)
    windows = sliding_window_view(padded, FFT_SIZE)[::step]
    filtered = np.fft.irfft(np.fft.rfft(windows, axis=1) * response, FFT_SIZE, axis=1)[:, taps - 1:]
    return filtered.reshape(-1)[:len(samples)]


@lru_cache(maxsize=4)
def _frame_response(rate: int) -> tuple[np.ndarray, int]:
    """The K-filter's impulse response cut at FILTER_SECONDS (its tail past that is under 1e−10), as
    the spectrum of one FFT_SIZE frame, and its length."""
    b, a = _k_filter(rate)
    z = np.exp(-2j * np.pi * np.arange(_EXACT_GRID // 2 + 1) / _EXACT_GRID)  # z⁻¹ on a fine grid
    impulse = np.fft.irfft(np.polyval(b[::-1], z) / np.polyval(a[::-1], z), _EXACT_GRID)
    taps = round(FILTER_SECONDS * rate)
    return np.fft.rfft(impulse[:taps], FFT_SIZE).astype(np.complex64), taps


def _k_filter(rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(b, a) of the K-weighting filter at `rate`: BS.1770's two stages, from the analogue
    prototypes' corner, gain and Q as libebur128 designs them (exactly the standard's at 48 kHz)."""
    k = math.tan(math.pi * 1681.974450955533 / rate)
    q, vh = 0.7071752369554196, 10 ** (3.999843853973347 / 20)
    vb, a0 = vh ** 0.4996667741545416, 1 + k / q + k * k
    shelf_b = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    shelf_a = [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    k, q = math.tan(math.pi * 38.13547087602444 / rate), 0.5003270373238773
    high_b = [1.0, -2.0, 1.0]
    high_a = [1.0, 2 * (k * k - 1) / (1 + k / q + k * k), (1 - k / q + k * k) / (1 + k / q + k * k)]
    return np.convolve(shelf_b, high_b), np.convolve(shelf_a, high_a)


def _energy(lufs: float) -> float:
    return 10 ** ((lufs + 0.691) / 10)


def _lufs(energy: float) -> float:
    return -0.691 + 10 * math.log10(energy) if energy > 0 else -math.inf


def true_peak(samples: np.ndarray) -> float:
    """True peak (dBTP) of mono 16-bit samples. Only the stretches around the loudest samples are
    oversampled: elsewhere no interpolated value can reach the sample peak."""
    width = len(PHASES)
    peak: float = max(int(samples.max(initial=0)), -int(samples.min(initial=0)))
    if len(samples) >= width and peak > 0:
        threshold = peak / _OVERSHOOT_BOUND
        loud = np.flatnonzero((samples > threshold) | (samples < -threshold))
        near = np.zeros(len(samples) + width, dtype=bool)  # window n starts at sample n − width
        for shift in range(width):
            near[loud + shift + 1] = True
        rows = np.flatnonzero(near[width:len(samples) + 1])
        windows = sliding_window_view(samples, width)
        for start in range(0, len(rows), TRUE_PEAK_ROWS):  # all at once, a bulletin's take hundreds of MB
            values = windows[rows[start:start + TRUE_PEAK_ROWS]].astype(np.float32) @ PHASES
            peak = max(peak, float(np.abs(values).max()))
    return 20 * math.log10(peak / 32768) if peak > 0 else -math.inf


