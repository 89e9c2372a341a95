"""Seconds spent per build stage, for the build summary and the benchmark; one per build and process."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class Timings(Counter[str]):
    """Stage name → seconds."""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self[name] += time.perf_counter() - start  # type: ignore[assignment]  # a Counter of seconds

    def take(self) -> Counter:
        """The times gathered since the last call, and a fresh start."""
        taken = Counter(self)
        self.clear()
        return taken
