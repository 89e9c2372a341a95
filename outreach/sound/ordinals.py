"""Ordinals ("thứ 4" is "thứ tư") and Roman numerals ("Chương IV", "Thế kỷ XXI").

A Roman numeral is read as a cardinal ("Chương IV" → "Chương bốn"), after "thứ" as an ordinal
("lần thứ IV" → "lần thứ tư"). Which capitals are numerals, decided by the word before:
- after a word that numbers things ("Chương", "Mục", "Điều", "thế kỷ", "khóa", "loại", "hạng"…),
  any numeral, even a lone I, V or X, and every numeral of a list that follows ("hạng II, III");
- elsewhere, a numeral of two letters or more ("báo động III", "Đại hội XIV"), except VI and XI
  beside a word in capitals ("VI PHẠM", "XI MĂNG": Vietnamese syllables in a heading);
- a lone I, V or X elsewhere stays a letter: an initial ("Nguyễn V. Nam"), a name ("Văn X"),
  English "I".
Only I, V and X count: "Phụ lục C" and a list item "C." are letters, not 100.
"""

from __future__ import annotations

import re

from outreach.sound.numerals import Dialect, cardinal, ordinal_words, spoken, text_after, text_before

ROMAN = r"[IVX]+"
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
ROMAN_NUMERAL = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")

# "thứ 2", and the weekdays listed after it: "thứ 2, 4, 6" is "thứ hai, tư, sáu".
ORDINAL = re.compile(
    r"\b(?P<word>[Tt]hứ)\s+(?P<number>\d+)(?P<more>(?:\s*(?:,|và|hoặc)\s*[2-8](?![\d]|[.,/]\d))*)"
    r"(?![\d]|[.,/]\d)"
)
# Words after which a Roman numeral numbers something (a part, a term of office, a class, a level).
NUMBERING_WORD = (
    r"(?:chương|mục|tiểu mục|phần|điều|quý|khóa|khoá|kỳ|đợt|giai đoạn|phụ lục|thế kỷ|thế kỉ"
    r"|đại hội|tập|vòng|loại|hạng|cấp|bậc|nhóm|khu vực|vùng|báo động|quân khu|quân đoàn|thứ)"
)
LIST_JOINER = r"\s*(?:,|và|hoặc|đến|[–—-])\s*"
ROMAN_AFTER_WORD = re.compile(
    rf"\b(?P<word>(?i:{NUMBERING_WORD}))\s+(?P<list>{ROMAN}(?:{LIST_JOINER}{ROMAN})*)\b"
)
ROMAN_HEADING = re.compile(r"(?m)^[ \t]*(?P<roman>[IVX]+)(?=[.)]\s)")
ROMAN_ALONE = re.compile(rf"(?<![\w.-])(?P<roman>{ROMAN})(?![\w-]|\.\w)")
SYLLABLES = {"VI", "XI"}


def read_ordinals(text: str, dialect: Dialect) -> str:
    """"thứ 1" is "thứ nhất", "thứ 4" is "thứ tư"; Roman numerals (see the module's rules)."""
    text = ORDINAL.sub(lambda m: ordinal_reading(m, dialect), text)
    text = ROMAN_AFTER_WORD.sub(lambda m: roman_list_reading(m, dialect), text)
    text = ROMAN_HEADING.sub(lambda m: roman_alone_reading(m, dialect, lone=True), text)
    return ROMAN_ALONE.sub(lambda m: roman_alone_reading(m, dialect, lone=False), text)


def ordinal_reading(match: re.Match, dialect: Dialect) -> str:
    first = ordinal_words(int(match["number"]), dialect)
    more = re.sub(r"\d", lambda d: ordinal_words(int(d.group(0)), dialect), match["more"])
    return spoken(f"{match['word']} {first}") + more


def roman_value(roman: str) -> int | None:
    """25 for "XXV"; None when the letters are not a well-formed numeral ("IIII", "VX")."""
    if not ROMAN_NUMERAL.fullmatch(roman) or not roman:
        return None
    values = [ROMAN_VALUES[c] for c in roman]
    return sum(-v if v < nxt else v for v, nxt in zip(values, values[1:] + [0]))


def roman_words(roman: str, dialect: Dialect, ordinal: bool) -> str:
    n = roman_value(roman)
    if n is None:
        return roman
    return ordinal_words(n, dialect) if ordinal else cardinal(n, dialect)


def roman_list_reading(match: re.Match, dialect: Dialect) -> str:
    """"Chương IV" → "Chương bốn"; "lần thứ IV" → "lần thứ tư"; "hạng II, III" → "hạng hai, ba"."""
    ordinal = match["word"].lower() == "thứ"
    # Marked as quantities, so "giai đoạn I – II" is a range ("đến").
    numerals = re.sub(ROMAN, lambda m: spoken(roman_words(m.group(0), dialect, ordinal)), match["list"])
    return f"{match['word']} {numerals}"


def roman_alone_reading(match: re.Match, dialect: Dialect, lone: bool) -> str:
    """A numeral of two letters or more; at the head of a line ("II. …") even a lone one."""
    roman = match["roman"]
    if not lone and (len(roman) < 2 or roman in SYLLABLES and beside_capitals(match)):
        return roman
    return roman_words(roman, dialect, ordinal=False)


def beside_capitals(match: re.Match) -> bool:
    """True when the word just before or after, on the same line, is written in capitals."""
    before = text_before(match).rsplit("\n", 1)[-1].split()
    after = text_after(match).split("\n", 1)[0].split()
    neighbours = before[-1:] + after[:1]
    return any(len(word) > 1 and word.isupper() for word in (w.strip(".,;:!?") for w in neighbours))
