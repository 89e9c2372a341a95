"""Ordinals ("thứ 4" is "thứ tư") and Roman numerals ("Chương IV", "Thế kỷ XXI")."""

from __future__ import annotations

import re

from outreach.sound.numerals import Dialect, cardinal, ordinal_words, spoken

ORDINAL = re.compile(r"\b(?P<word>[Tt]hứ)\s+(?P<number>\d+)(?![\d]|[.,/]\d)")
ROMAN_AFTER_WORD = re.compile(
    r"\b(?P<word>(?i:chương|mục|phần|quý|khóa|khoá|kỳ|đợt|giai đoạn|phụ lục))\s+(?P<roman>[IVX]+)\b"
)
ROMAN_HEADING = re.compile(r"(?m)^[ \t]*(?P<roman>[IVX]+)(?=[.)]\s)")
# Only I, V and X: "Phụ lục C" and a list item "C." are letters, not 100.
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
ROMAN_NUMERAL = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")


def read_ordinals(text: str, dialect: Dialect) -> str:
    """"thứ 1" is "thứ nhất", "thứ 4" is "thứ tư"; Roman numerals after "Chương", "quý"…"""
    text = ORDINAL.sub(
        lambda m: spoken(f"{m['word']} {ordinal_words(int(m['number']), dialect)}"), text
    )
    for pattern in (ROMAN_AFTER_WORD, ROMAN_HEADING):
        text = pattern.sub(lambda m: roman_reading(m, dialect), text)
    return text


def roman_reading(match: re.Match, dialect: Dialect) -> str:
    roman = match["roman"]
    if not ROMAN_NUMERAL.fullmatch(roman):
        return match.group(0)
    values = [ROMAN_VALUES[c] for c in roman]
    n = sum(-v if v < nxt else v for v, nxt in zip(values, values[1:] + [0]))
    before = match.group(0)[: match.start("roman") - match.start()]
    return before + cardinal(n, dialect)
