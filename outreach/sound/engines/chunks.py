"""Text cut into request-sized pieces for the online engines, at punctuation so seams fall at pauses."""

from __future__ import annotations

import re


def chunks(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut after sentence punctuation, then commas, then spaces."""
    pieces: list[str] = []
    for sentence in re.split(r"(?<=[.!?;:])\s+", text.strip()):
        pieces += _split_long(sentence, limit)
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1]) + 1 + len(piece) <= limit:
            merged[-1] += " " + piece
        else:
            merged.append(piece)
    return [m for m in merged if m]


def _split_long(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    for pattern in (r"(?<=,)\s+", r"\s+"):
        parts = re.split(pattern, sentence)
        if len(parts) > 1:
            out: list[str] = []
            for part in parts:
                if out and len(out[-1]) + 1 + len(part) <= limit:
                    out[-1] += " " + part
                else:
                    out += _split_long(part, limit) if len(part) > limit else [part]
            return out
    return [sentence[i:i + limit] for i in range(0, len(sentence), limit)]
