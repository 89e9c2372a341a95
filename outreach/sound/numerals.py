"""Words for numbers: cardinals by dialect, digits one by one, ordinals, Roman numerals.

Only words here, no passes over text: the reading passes (reading.py, dates.py, phones.py,
ordinals.py) decide which number is which and call these. Also what those passes share: the two
marks a pass wraps around the words of a quantity (see reading.py), and the text just before a match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN, CLOSE = "\ue000", "\ue001"

DIGIT_WORDS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# After "hai mươi", "ba mươi"… units 1, 4 and 5 change: hai mươi mốt, hai mươi tư, hai mươi lăm.
UNITS_AFTER_TENS = {1: "mốt", 4: "tư", 5: "lăm"}


@dataclass(frozen=True)
class Dialect:
    thousand: str
    zero_tens: str  # the "0" in the tens place of 105: "một trăm linh năm" / "một trăm lẻ năm"


DIALECTS = {"north": Dialect("nghìn", "linh"), "south": Dialect("ngàn", "lẻ")}


def dialect_words(dialect: str) -> Dialect:
    try:
        return DIALECTS[dialect]
    except KeyError:
        raise ValueError(f"dialect must be one of {sorted(DIALECTS)}, not {dialect!r}") from None



def number_words(n: int, dialect: str = "north") -> str:
    """Cardinal reading of a non-negative integer."""
    if n < 0:
        raise ValueError(f"number_words needs a non-negative integer, not {n}")
    return cardinal(n, dialect_words(dialect))


def cardinal(n: int | str, dialect: Dialect) -> str:
    """Cardinal reading of n ≥ 0, given as a number or as its digits ("03" is "ba")."""
    n = int(n)
    return " ".join(cardinal_words(n, dialect, inner=False)) if n else "không"


def cardinal_words(n: int, dialect: Dialect, inner: bool) -> list[str]:
    """Words for n > 0; `inner` means digits stand before it, so 5 is "không trăm linh năm"."""
    billions, rest = divmod(n, 10**9)
    words = cardinal_words(billions, dialect, inner) + ["tỷ"] if billions else []
    for scale, word in ((10**6, "triệu"), (10**3, dialect.thousand), (1, "")):
        group = rest // scale % 1000
        if group:
            words += hundreds_words(group, dialect, inner=inner or bool(words))
            words += [word] if word else []
    return words


def hundreds_words(n: int, dialect: Dialect, inner: bool) -> list[str]:
    """Words for 1 ≤ n ≤ 999 inside a larger number or on its own."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words = [DIGIT_WORDS[hundreds], "trăm"] if hundreds or inner else []
    if tens == 0:
        words += [dialect.zero_tens] if words and units else []
        words += [DIGIT_WORDS[units]] if units else []
    elif tens == 1:
        words += ["mười"] + (["lăm" if units == 5 else DIGIT_WORDS[units]] if units else [])
    else:
        words += [DIGIT_WORDS[tens], "mươi"]
        words += [UNITS_AFTER_TENS.get(units, DIGIT_WORDS[units])] if units else []
    return words


def digits_read_singly(digits: str) -> str:
    return " ".join(DIGIT_WORDS[int(d)] for d in digits)


def spoken(words: str) -> str:
    """Mark words that stand for a quantity, so ranges and fractions can be found later."""
    return f"{OPEN}{words}{CLOSE}"


ORDINAL_WORDS = {1: "nhất", 4: "tư"}


def ordinal_words(n: int, dialect: Dialect) -> str:
    if n in ORDINAL_WORDS:
        return ORDINAL_WORDS[n]
    return cardinal(n, dialect)


# How far back a pass looks for the words that decide a reading ("số nhà", "Mẫu số", "ngày 11 và").
# Bounded, so that a long text costs time in proportion to its length.
LOOK_BACK = 80


def text_before(match: re.Match, width: int = LOOK_BACK) -> str:
    """The `width` characters just before the match."""
    return match.string[max(0, match.start() - width) : match.start()]


def text_after(match: re.Match, width: int = LOOK_BACK) -> str:
    return match.string[match.end() : match.end() + width]
