"""The share of held-out bulletin sentences read exactly right (tests/golden/bulletin_sentences.tsv).

The sentences were written with their expected readings before the rules they exercise, and are not
part of the golden table the tests check: the figure says how the rules do on text they were not
tuned on. Every sentence read differently is printed with both readings.

    .venv/bin/python scripts/bench_readings.py [--quiet]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from outreach.sound.reading import read_aloud

HELD_OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "bulletin_sentences.tsv"


def held_out_batches() -> dict[str, list[tuple[str, str, str]]]:
    """Batch heading ("# --- batch 1: …") → its (input, dialect, expected) rows."""
    batches: dict[str, list[tuple[str, str, str]]] = {}
    heading = "all"
    for line in HELD_OUT.read_text(encoding="utf-8").splitlines():
        if line.startswith("# --- "):
            heading = line.removeprefix("# --- ")
        elif line and not line.startswith("#") and line != "input\tdialect\texpected":
            text, dialect, expected = line.split("\t")
            batches.setdefault(heading, []).append((text, dialect, expected))
    return batches


def misses(rows: list[tuple[str, str, str]]) -> list[tuple[tuple[str, str, str], str]]:
    """Each row read differently than expected, with what was said."""
    said = [(row, read_aloud(row[0], row[1])) for row in rows]
    return [(row, reading) for row, reading in said if reading != row[2]]


def share(right: int, total: int) -> str:
    return f"{right}/{total} = {100 * right / total:.1f} %"


def main() -> None:
    quiet = "--quiet" in sys.argv
    batches = held_out_batches()
    read_aloud("1")  # the lexicon's pattern is compiled once per process: not part of the figure
    start = time.perf_counter()
    missed = {heading: misses(rows) for heading, rows in batches.items()}
    seconds = time.perf_counter() - start
    for (text, dialect, expected), said in [] if quiet else sum(missed.values(), []):
        print(f"[{dialect}] {text}\n  expected: {expected}\n  said:     {said}\n")
    total = sum(map(len, batches.values()))
    for heading, rows in batches.items():
        print(f"{heading}\n  read exactly right: {share(len(rows) - len(missed[heading]), len(rows))}")
    print(f"all: read exactly right: {share(total - sum(map(len, missed.values())), total)}")
    print(f"time: {1000 * seconds / total:.2f} ms per sentence")
    long_text = " ".join(row[0] for rows in batches.values() for row in rows) * 3
    start = time.perf_counter()
    read_aloud(long_text)
    print(f"one text of {len(long_text) // 1000} kB (every sentence, three times): "
          f"{time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
