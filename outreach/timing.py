"""Seconds spent per build stage in this process, for the build summary and the benchmark."""

from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager

STAGES: Counter[str] = Counter()


@contextmanager
def stage(name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        STAGES[name] += time.perf_counter() - start


def take() -> Counter[str]:
    """The stage times gathered since the last call, and a fresh start."""
    taken = Counter(STAGES)
    STAGES.clear()
    return taken
