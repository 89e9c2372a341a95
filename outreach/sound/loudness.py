"""Loudness (BS.1770-4 / EBU R128, through libebur128) and true peak (numpy) of 16-bit mono samples."""

from __future__ import annotations

import math

import numpy as np
import pyebur128
from numpy.lib.stride_tricks import sliding_window_view

# True peak (BS.1770-4, annex 2): the signal oversampled four times by a 48-tap interpolating filter,
# 12 taps a phase; column p of PHASES gives the value a quarter-sample step further along.
_TAPS = np.arange(48)
_INTERPOLATOR = np.sinc((_TAPS - 23.5) / 4) * np.kaiser(48, 8)
PHASES = np.stack([_INTERPOLATOR[p::4][::-1] for p in range(4)], axis=1).astype(np.float32)
# No interpolated value can exceed the loudest sample of its 12 by more than this factor.
_OVERSHOOT_BOUND = float(np.abs(PHASES).sum(axis=0).max())
TRUE_PEAK_ROWS = 32768  # windows oversampled at once: 9 MB of temporaries


def integrated_lufs(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness (BS.1770-4 / EBU R128 gating) of mono 16-bit samples."""
    return pyebur128.get_loudness_global(loudness_state(samples, rate))


def loudness_state(samples: np.ndarray, rate: int) -> pyebur128.R128State:
    state = pyebur128.R128State(1, rate, pyebur128.MeasurementMode.MODE_I)
    state.add_frames(samples, len(samples))
    return state


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


