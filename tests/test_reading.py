"""What a loudspeaker says for display text: golden readings plus the guarantees around them."""

import unicodedata
from pathlib import Path

import pytest

from outreach.sound.reading import builtin_lexicon, number_words, read_aloud

GOLDEN = Path(__file__).parent / "golden" / "readings.tsv"


def golden_cases() -> list:
    """Rows of readings.tsv; "\\n" in the input column stands for a line break."""
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line and not line.startswith("#")]
    header, rows = lines[0], lines[1:]
    assert header.split("\t") == ["input", "dialect", "expected"]
    cases = []
    for row in rows:
        text, dialect, expected = row.split("\t")
        text = text.replace("\\n", "\n")
        cases.append(pytest.param(text, dialect, expected, id=f"{dialect}:{ascii_id(text)}"))
    return cases


def ascii_id(text: str) -> str:
    """The input without diacritics: pytest would show Vietnamese ids as escape codes."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in plain if ch.isascii())[:60]


CASES = golden_cases()


def test_golden_table_covers_enough_cases():
    assert len(CASES) >= 140
    assert {case.values[1] for case in CASES} == {"north", "south"}


@pytest.mark.parametrize(("text", "dialect", "expected"), CASES)
def test_golden_reading(text, dialect, expected):
    assert read_aloud(text, dialect) == expected


@pytest.mark.parametrize(("text", "dialect", "expected"), CASES)
def test_nfd_input_reads_like_nfc(text, dialect, expected):
    assert read_aloud(unicodedata.normalize("NFD", text), dialect) == expected


@pytest.mark.parametrize(("text", "dialect", "expected"), CASES)
def test_reading_has_no_digits_and_is_nfc(text, dialect, expected):
    reading = read_aloud(text, dialect)
    assert not any(ch.isdigit() for ch in reading)
    assert unicodedata.is_normalized("NFC", reading)
    assert "  " not in reading and reading == reading.strip()


def test_passed_lexicon_overrides_the_builtin_one():
    reading = read_aloud("Tài khoản VNeID", lexicon={"VNeID": "vi en ai đi"})
    assert reading == "Tài khoản vi en ai đi"


def test_passed_lexicon_extends_the_builtin_one():
    reading = read_aloud("Sản phẩm OCOP của UBND xã", lexicon={"OCOP": "ô cốp"})
    assert reading == "Sản phẩm ô cốp của Ủy ban nhân dân xã"


def test_passed_lexicon_in_nfd_still_matches():
    reading = unicodedata.normalize("NFD", "hợp tác xã nông nghiệp")
    text = read_aloud("Ban quản trị HTXNN", lexicon={"HTXNN": reading})
    assert text == "Ban quản trị hợp tác xã nông nghiệp"


def test_unknown_capitals_are_spelled():
    assert read_aloud("Liên hệ VNPT") == "Liên hệ vê en pê tê"
    assert read_aloud("Mã XYZW") == "Mã ích i dài dét vê kép"


def test_lexicon_matches_whole_tokens_only():
    assert read_aloud("CA xã") == "công an xã"
    assert read_aloud("NÂNG CAO") == "nâng cao"
    assert "công an" not in read_aloud("Xã CAO")


def test_builtin_lexicon_is_a_fresh_copy():
    lexicon = builtin_lexicon()
    assert lexicon["UBND"] == "Ủy ban nhân dân"
    lexicon["UBND"] = "changed"
    assert builtin_lexicon()["UBND"] == "Ủy ban nhân dân"


def test_bad_lexicon_entry_is_refused():
    with pytest.raises(ValueError, match="lexicon"):
        read_aloud("x", lexicon={"OK": 1})


def test_unknown_dialect_is_refused():
    with pytest.raises(ValueError, match="dialect"):
        read_aloud("1", dialect="central")


@pytest.mark.parametrize(
    ("n", "north", "south"),
    [
        (0, "không", "không"),
        (5, "năm", "năm"),
        (15, "mười lăm", "mười lăm"),
        (21, "hai mươi mốt", "hai mươi mốt"),
        (105, "một trăm linh năm", "một trăm lẻ năm"),
        (1001, "một nghìn không trăm linh một", "một ngàn không trăm lẻ một"),
        (10_000, "mười nghìn", "mười ngàn"),
        (1_000_001, "một triệu không trăm linh một", "một triệu không trăm lẻ một"),
        (2_000_000_000, "hai tỷ", "hai tỷ"),
        (1_000_000_000_000, "một nghìn tỷ", "một ngàn tỷ"),
    ],
)
def test_number_words(n, north, south):
    assert number_words(n) == north
    assert number_words(n, "south") == south


def test_number_words_refuses_negative_numbers():
    with pytest.raises(ValueError):
        number_words(-1)


@pytest.mark.parametrize(
    "text",
    ["+84 914 141 414", "(0251) 3821 441", "0914141414", "1900 1414", "Gọi 114", "Số tài khoản 1414 2424 41"],
)
def test_digit_strings_never_say_tu_or_mot(text):
    """"tư" and "mốt" are the forms of 4 and 1 inside a number; a phone number is digits."""
    words = read_aloud(text).replace(",", "").split()
    assert "tư" not in words and "mốt" not in words
    assert "bốn" in words and "một" in words


def test_commune_lexicon_overrides_a_new_default():
    assert read_aloud("Trung tâm PVHCC xã") == "Trung tâm Phục vụ hành chính công xã"
    reading = read_aloud("Trung tâm PVHCC xã", lexicon={"PVHCC": "phục vụ hành chính công"})
    assert reading == "Trung tâm phục vụ hành chính công xã"
    assert read_aloud("V/v họp tổ", lexicon={"V/v": "nội dung"}) == "nội dung họp tổ"
