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


def held_out_rows() -> list[tuple[str, str, str]]:
    """(input, dialect, expected) rows; the header and "#" comments skipped."""
    lines = HELD_OUT.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return [(text, dialect, expected) for text, dialect, expected in rows[1:]]


def main() -> None:
    quiet = "--quiet" in sys.argv
    rows = held_out_rows()
    start = time.perf_counter()
    misses = [(row, read_aloud(row[0], row[1])) for row in rows]
    seconds = time.perf_counter() - start
    misses = [(row, said) for row, said in misses if said != row[2]]
    for (text, dialect, expected), said in [] if quiet else misses:
        print(f"[{dialect}] {text}\n  expected: {expected}\n  said:     {said}\n")
    right = len(rows) - len(misses)
    print(f"read exactly right: {right}/{len(rows)} = {100 * right / len(rows):.1f} %")
    print(f"time: {1000 * seconds / len(rows):.2f} ms per sentence")


if __name__ == "__main__":
    main()
