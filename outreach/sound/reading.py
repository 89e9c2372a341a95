"""Turn display text into exactly what a speaker says (text normalisation for TTS).

A TTS engine reads "0251 1022" as one big number and "25/11" as a fraction; a wrong number heard
on a loudspeaker sends people to the wrong place. So every number, date, sum of money, phone
number and abbreviation is spelled out here, by ordered passes over the text:

    NFC → web and e-mail addresses → legal references → lexicon (abbreviations) → procedure codes →
    money units → dates → times → phone numbers → ordinals → plain numbers → ranges →
    unknown capitals → symbols → tidy whitespace and punctuation

The lexicon runs before the number passes so that keys with digits ("4G", "m2") still match,
and after legal references so that "NĐ-CP" is read as "của Chính phủ", not letter by letter.
The money pass only names units ("đ/bản" → "đồng một bản"); amounts are read with all other
numbers, so it can run early, before "24 giờ/ngày" is turned into words.

A pass that reads a quantity (a number, date, time or amount) wraps its words in two private-use
marks, OPEN and CLOSE. Later passes use them to tell "7h30 – 11h30" (a range: "đến") from
"Bước 1 – Nộp hồ sơ" (a pause), and "24/7" (numbers: "trên") from "cha/mẹ" ("hoặc"). The last
pass turns the marks into spaces.

The words for numbers are in numerals.py; dates, times and house numbers in dates.py; phone
numbers in phones.py; ordinals and Roman numerals in ordinals.py. Readings chosen where usage
varies are listed, with examples, in tests/golden/readings.tsv.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from outreach.sound.dates import read_dates, read_times
from outreach.sound.numerals import (
    CLOSE,
    DIALECTS,
    OPEN,
    Dialect,
    cardinal,
    dialect_words,
    digits_read_singly,
    number_words,
    spoken,
    text_before,
)
from outreach.sound.ordinals import read_ordinals
from outreach.sound.phones import read_phone_numbers

__all__ = ["read_aloud", "builtin_lexicon", "number_words", "DIALECTS"]

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")


def read_aloud(text: str, dialect: str = "north", lexicon: Mapping[str, str] | None = None) -> str:
    """Return what a speaker says for display text (NFC, numbers and abbreviations spelled out)."""
    words = dialect_words(dialect)
    readings = builtin_lexicon() | normalised_lexicon(lexicon or {}, source="lexicon argument")
    passes: list[Callable[[str], str]] = [
        normalised_text,
        lambda t: read_web_addresses(t, readings),
        lambda t: read_legal_references(t, words),
        lambda t: apply_lexicon(t, readings),
        read_procedure_codes,
        read_money_units,
        lambda t: read_dates(t, words),
        lambda t: read_times(t, words),
        read_phone_numbers,
        lambda t: read_ordinals(t, words),
        lambda t: read_numbers(t, words),
        drop_spelled_out_repeats,
        join_ranges,
        spell_unknown_capitals,
        replace_symbols,
        tidy,
    ]
    for step in passes:
        text = step(text)
    return text


def normalised_text(text: str) -> str:
    """NFC, and "Đ" where old font conversions left the look-alike Icelandic "Ð"."""
    text = unicodedata.normalize("NFC", text).replace("Ð", "Đ").replace("ð", "đ")
    return text.replace(OPEN, "").replace(CLOSE, "")  # the marks are ours alone



# --- lexicon -------------------------------------------------------------------------------


def builtin_lexicon() -> dict[str, str]:
    """The built-in abbreviation readings from outreach/lexicon.yaml (loaded once)."""
    return dict(loaded_builtin_lexicon())


@functools.cache
def loaded_builtin_lexicon() -> dict[str, str]:
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8")) or {}
    return normalised_lexicon(data, source=str(LEXICON_PATH))


def normalised_lexicon(entries: Mapping, source: str) -> dict[str, str]:
    """NFC keys and values (editors often save NFD), refusing anything but text → text."""
    if not isinstance(entries, Mapping):
        raise ValueError(f"{source}: a lexicon must be a mapping of token to reading")
    readings = {}
    for key, value in entries.items():
        if not isinstance(key, str) or not isinstance(value, str) or not key.strip():
            raise ValueError(f"{source}: entry {key!r}: token and reading must both be text")
        readings[unicodedata.normalize("NFC", key.strip())] = unicodedata.normalize("NFC", value)
    return readings


def apply_lexicon(text: str, readings: Mapping[str, str]) -> str:
    if not readings:
        return text
    pattern = lexicon_pattern(tuple(readings))

    def reading(match: re.Match) -> str:
        token = match.group(0)
        # "…, v.v." at the end: the token's dot also ends the sentence, keep the pause.
        ends_line = LINE_END.match(text, match.end())
        # Spaces around, so "TP.HCM" becomes "thành phố Hồ Chí Minh"; tidy() removes extras.
        return f" {readings[token]}{'.' if token.endswith('.') and ends_line else ''} "

    return pattern.sub(reading, text)


LINE_END = re.compile(r"[ \t]*(?:\n|$)")


@functools.lru_cache(maxsize=16)
def lexicon_pattern(tokens: tuple[str, ...]) -> re.Pattern:
    """One alternation, longest token first, matching whole tokens only.

    A digit may stand just before a token, so units glued to numbers ("100m2", "20.000VNĐ")
    are still read."""
    alternatives = []
    for token in sorted(tokens, key=len, reverse=True):
        before = r"(?<![^\W\d])" if re.match(r"\w", token) else ""
        after = r"(?!\w)" if re.search(r"\w$", token) else ""
        alternatives.append(before + re.escape(token) + after)
    return re.compile("|".join(alternatives))


# --- web addresses -------------------------------------------------------------------------

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+"
    r"|(?<![\w@.-])(?:[^\W_][\w-]*\.)+(?:vn|com|net|org|gov|edu|info|io)\b(?:/\S*)?"
)
TRAILING_PUNCTUATION = re.compile(r"[.,;:!?)\]}'\"”’]+$")
SCHEME = re.compile(r"(?i)^https?://")
# A domain word the lexicon may read ("dichvucong", "gov"): lower-case letters, as typed.
DOMAIN_WORD = re.compile(r"[a-z]{2,}")
ADDRESS_PIECE = re.compile(r"(\d+)|([^\W\d_]+)|([.@_+-])")
ADDRESS_SEPARATORS = {".": "chấm", "@": "a còng", "-": "gạch ngang", "_": "gạch dưới", "+": "cộng"}


def read_web_addresses(text: str, readings: Mapping[str, str]) -> str:
    """Say an address so a listener can type it, as broadcasters do: "dịch vụ công chấm gốp chấm
    vê en". Known words of a domain come from the lexicon, other letters are spelled, digits said
    one by one. Only the host is said: nobody types a path heard once; the handout has the link."""
    text = EMAIL.sub(lambda m: address_reading(m.group(0), readings), text)
    return URL.sub(lambda m: web_address_reading(m, readings), text)


def web_address_reading(match: re.Match, readings: Mapping[str, str]) -> str:
    address = match.group(0)
    trailing = TRAILING_PUNCTUATION.search(address)
    tail = trailing.group(0) if trailing else ""
    host = SCHEME.sub("", address[: len(address) - len(tail)]).split("/")[0].split("?")[0]
    return address_reading(host, readings) + tail


def address_reading(address: str, readings: Mapping[str, str]) -> str:
    """"ubnd.anvien@dongnai.gov.vn" → "u bê en đê chấm a en vê i e en a còng Đồng Nai chấm gốp…"."""
    words = []
    for digits, letters, separator in ADDRESS_PIECE.findall(address.lower()):
        if digits:
            words.append(digits_read_singly(digits))
        elif letters:
            words.append(domain_word_reading(letters, readings))
        else:
            words.append(ADDRESS_SEPARATORS[separator])
    return " ".join(words)


def domain_word_reading(letters: str, readings: Mapping[str, str]) -> str:
    """A domain word of the lexicon as a word; other plain letters spelled ("vnpt" → "vê en pê tê");
    a word with Vietnamese letters ("chínhphủ.vn") is already a word."""
    if DOMAIN_WORD.fullmatch(letters) and letters in readings:
        return readings[letters]
    if all(letter.upper() in LETTER_NAMES for letter in letters):
        return " ".join(LETTER_NAMES[letter.upper()] for letter in letters)
    return letters


# --- legal references ----------------------------------------------------------------------

# Kinds of document in a symbol: the laws' own (NĐ, TT, QH…) and the table of Decree 30/2020/NĐ-CP
# (Appendix III) that every agency, a commune included, numbers its papers with.
DOCUMENT_TYPES = {
    "NĐ": "Nghị định",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "QĐ": "Quyết định",
    "NQ": "Nghị quyết",
    "CT": "Chỉ thị",
    "KH": "Kế hoạch",
    "TB": "Thông báo",
    "BC": "Báo cáo",
    "HD": "Hướng dẫn",
    "QH": "Luật",  # "60/2014/QH13": a law passed by the National Assembly
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "CTr": "Chương trình",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BB": "Biên bản",
    "TTr": "Tờ trình",
    "HĐ": "Hợp đồng",
    "CĐ": "Công điện",
    "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu",
    "GUQ": "Giấy ủy quyền",
}
# Issuers read here rather than in the lexicon: "CP" alone usually means "cổ phần".
ISSUERS = {
    "CP": "Chính phủ",
    "TTg": "Thủ tướng Chính phủ",
    "QH": "Quốc hội",
    "UBTVQH": "Ủy ban Thường vụ Quốc hội",
    "VPCP": "Văn phòng Chính phủ",
    "BTP": "Bộ Tư pháp",
    "BTTTT": "Bộ Thông tin và Truyền thông",
    "BCA": "Bộ Công an",
    "BNV": "Bộ Nội vụ",
    "BTC": "Bộ Tài chính",
    "BYT": "Bộ Y tế",
    "BLĐTBXH": "Bộ Lao động Thương binh và Xã hội",
    "BGDĐT": "Bộ Giáo dục và Đào tạo",
    "BKHĐT": "Bộ Kế hoạch và Đầu tư",
    "BTNMT": "Bộ Tài nguyên và Môi trường",
    "BNNPTNT": "Bộ Nông nghiệp và Phát triển nông thôn",
}
DOCUMENT_NAME = (
    r"(?:Nghị định|Thông tư liên tịch|Thông tư|Quyết định|Nghị quyết|Chỉ thị|Luật"
    r"|Kế hoạch|Thông báo|Báo cáo|Hướng dẫn|Công văn|Quy chế|Quy định|Chương trình|Phương án|Đề án"
    r"|Dự án|Biên bản|Tờ trình|Hợp đồng|Công điện|Giấy mời)"
)
# "Nghị định số 42/2022/NĐ-CP", "Luật Hộ tịch số 60/2014/QH13", "Quyết định 1291/QĐ-UBND"
LEGAL_SYMBOL = re.compile(
    rf"(?:(?P<name>\b(?i:{DOCUMENT_NAME}))\s+)?(?P<number_word>\b[Ss]ố\s*:?\s*)?"
    r"(?<![\w.,/])(?P<number>\d+)(?:/(?P<year>\d{4}))?"
    r"/(?P<symbol>[A-ZĐ][A-Za-zĐđ]*(?:-[A-ZĐ][A-Za-zĐđ]*)*\d*)(?![\w-])"
)
# "Nghị định 42/2022": number and year without the symbol
LEGAL_NUMBER_YEAR = re.compile(
    rf"(?P<name>\b(?i:{DOCUMENT_NAME}))\s+(?:[Ss]ố\s+)?(?P<number>\d+)/(?P<year>\d{{4}})(?![\d/])"
)
# The Party's symbols put the kind after the number: "Chỉ thị 05-CT/TW", "Kết luận số 12-KL/TW".
PARTY_SYMBOL = re.compile(
    rf"(?:(?P<name>\b(?i:{DOCUMENT_NAME}|Kết luận))\s+)?(?P<number_word>\b[Ss]ố\s*:?\s*)?"
    r"(?<![\w.,/-])(?P<number>\d+)-(?P<kind>[A-ZĐ][A-Za-zĐđ]*)/(?P<issuer>[A-ZĐ][A-Za-zĐđ]*)(?![\w/-])"
)
PARTY_KINDS = DOCUMENT_TYPES | {"KL": "Kết luận"}
PARTY_ISSUERS = {"TW": "Trung ương", "TU": "Tỉnh ủy", "ĐU": "Đảng ủy", "BCT": "Bộ Chính trị",
                 "BBT": "Ban Bí thư"}


# "Mẫu số 01/CNKD", "Mẫu 02/ĐK-TCT": the code of a form, not a legal reference. Its slash is not
# said; its number keeps its zero (see NAMED_BY_NUMBER) and its letters are spelled.
FORM_BEFORE = re.compile(r"\b(?i:mẫu|biểu mẫu|mẫu đơn|mẫu tờ khai)\s*$")


def read_legal_references(text: str, dialect: Dialect) -> str:
    text = LEGAL_SYMBOL.sub(lambda m: form_code_or_legal_reading(m, dialect), text)
    text = PARTY_SYMBOL.sub(lambda m: party_symbol_reading(m, dialect), text)
    return LEGAL_NUMBER_YEAR.sub(
        lambda m: f"{m['name']} số {legal_number_and_year(m, dialect)}", text
    )


def form_code_or_legal_reading(match: re.Match, dialect: Dialect) -> str:
    if not match["name"] and FORM_BEFORE.search(text_before(match)):
        return match.group(0).replace("/", " ")
    return legal_symbol_reading(match, dialect)


def party_symbol_reading(match: re.Match, dialect: Dialect) -> str:
    """"Chỉ thị 05-CT/TW" → "Chỉ thị số năm của Trung ương"."""
    kind = PARTY_KINDS.get(match["kind"])
    if kind is None:
        return match.group(0)
    name = match["name"] or ("" if kind_just_named(match, kind) else kind)
    words = [name, "số", cardinal(match["number"], dialect)]
    if not ISSUER_FOLLOWS.match(match.string, match.end()):
        words += ["của", PARTY_ISSUERS.get(match["issuer"], match["issuer"])]
    return " ".join(w for w in words if w)


# "… 15/2024/QĐ-UBND ngày 20/5/2024 của UBND tỉnh": the text names the issuer itself.
ISSUER_FOLLOWS = re.compile(r",?\s*(?:ngày\s+[\d/.-]+\s*,?\s*)?của\b")


def legal_symbol_reading(match: re.Match, dialect: Dialect) -> str:
    """"Nghị định số bốn mươi hai năm hai nghìn không trăm hai mươi hai của Chính phủ"."""
    parts = [re.sub(r"\d+$", "", part) for part in match["symbol"].split("-")]
    kind = DOCUMENT_TYPES.get(parts[0])
    # "NĐ-CP": type then issuer; "TTLT-BTP-BCA": joint issuers; "QH13": issuer only;
    # "UBND-VP" (a letter): issuer then the office that drafted it, which a listener does not need.
    issuers = parts[1:] if kind and parts[0] != "QH" else parts[:1]
    # The kind is part of the number: "Số 12/2024/TT-BTP" heard without "Thông tư" names nothing.
    # Say it unless the text has just named it ("Luật Hộ tịch số 60/2014/QH13").
    name = match["name"] or ("" if kind_just_named(match, kind) else kind or "")
    number_word = "số" if name or not match["number_word"] else match["number_word"].strip()
    words = [name, number_word, legal_number_and_year(match, dialect)]
    if issuers and not ISSUER_FOLLOWS.match(match.string, match.end()):
        words += ["của", " và ".join(ISSUERS.get(issuer, issuer) for issuer in issuers)]
    return " ".join(w for w in words if w)


# How far back the kind counts as just named: the words of the same clause before the number.
NAMED_BEFORE_WORDS = 6


def kind_just_named(match: re.Match, kind: str | None) -> bool:
    """True when `kind` ("Luật") is among the last words of the clause before the reference."""
    if kind is None:
        return True
    clause = re.split(r"[.;:!?\n]", text_before(match))[-1]
    recent = " ".join(clause.split()[-NAMED_BEFORE_WORDS:]).lower()
    return kind.lower() in recent


def legal_number_and_year(match: re.Match, dialect: Dialect) -> str:
    words = cardinal(match["number"], dialect)
    return f"{words} năm {cardinal(match['year'], dialect)}" if match["year"] else words


# --- procedure codes -----------------------------------------------------------------------

# A code of the national procedure database, "1.001193". Six digits after the dot cannot be
# an amount (groups of three) nor a decimal (the decimal mark is a comma), so read it digit by
# digit wherever it stands. After "mã", any token with a digit in it is a code too.
PROCEDURE_CODE = re.compile(r"(?<![\d.,])\d\.\d{6}(?![\d]|[.,]\d)")
# "mã hồ sơ: 000.00.28.H19-240101-0001", "mã số thuế 3600123456": a token with a digit in it.
CODE_AFTER_MA = re.compile(
    r"(?P<lead>\b[Mm]ã(?:\s+(?:số|thủ|tục|hành|chính|hồ|sơ|thuế|định|danh|bưu))*\s*:?\s*)"
    r"(?P<code>[\w.\-/]*\d[\w.\-/]*\w)"
)
CODE_PIECE = re.compile(r"(\d+)|([.\-/])")
CODE_SEPARATORS = {".": "chấm", "-": "gạch ngang", "/": "gạch chéo"}


def read_procedure_codes(text: str) -> str:
    text = CODE_AFTER_MA.sub(lambda m: m["lead"] + code_reading(m["code"]), text)
    return PROCEDURE_CODE.sub(lambda m: code_reading(m.group(0)), text)


def code_reading(code: str) -> str:
    """Digits one by one and separators by name; letters are left to the spelling pass."""
    def piece(match: re.Match) -> str:
        digits, separator = match.groups()
        return f" {digits_read_singly(digits) if digits else CODE_SEPARATORS[separator]} "

    return CODE_PIECE.sub(piece, code).strip()


# --- money ---------------------------------------------------------------------------------

AMOUNT = r"(?<![\d.,])\d(?:[\d.,]*\d)?"  # the lookbehind keeps long digit runs linear
CURRENCY = r"(?:đồng|đ|VNĐ|VND|vnđ|vnd)(?!\w)"
CURRENCY_AFTER_AMOUNT = re.compile(rf"(?P<amount>{AMOUNT})\s*{CURRENCY}")
AMOUNT_GROUPED_BY_SPACES = re.compile(rf"(?<![\d.,])\d{{1,3}}(?: \d{{3}})+(?=\s*{CURRENCY})")  # 1 500 000 đ
# "2.000 đồng/trang", "500.000 đồng/người/tháng", "2 lần/năm": the slash means "per".
# "6,6%/năm" too; a space after the slash is the lexicon's, around a unit it read ("đ/ mét khối").
PER_UNIT = re.compile(rf"(?P<head>(?:{AMOUNT}\s*%?|\bđồng)[^\W\d]*)(?P<units>(?:/ ?[^\W\d]+)+)")


# Shorthand amounts, as in notices and chat: "50k", "2tr", "1tr5" and "1,5tr" (1,5 triệu), "1k2" (1.200).
SHORTHAND_AMOUNT = re.compile(
    r"(?<![\w.,])(?P<whole>\d{1,3})(?:,(?P<fraction>\d{1,3}))?(?P<unit>[kK]|tr)"
    r"(?P<rest>(?(fraction)|\d{0,3}))(?!\w|[.,]\d)"
)
SHORTHAND_SCALE = {"k": 1_000, "K": 1_000, "tr": 1_000_000}


def read_money_units(text: str) -> str:
    text = SHORTHAND_AMOUNT.sub(shorthand_amount_in_full, text)
    text = AMOUNT_GROUPED_BY_SPACES.sub(lambda m: m.group(0).replace(" ", "."), text)
    text = CURRENCY_AFTER_AMOUNT.sub(lambda m: f"{m['amount']} đồng", text)
    return PER_UNIT.sub(lambda m: m["head"] + m["units"].replace("/", " một "), text)


def shorthand_amount_in_full(match: re.Match) -> str:
    """"1tr5" → "1.500.000": the digits after the unit are its next digits, so it is then read
    like any amount ("một triệu năm trăm nghìn", never the colloquial "một triệu rưỡi")."""
    scale = SHORTHAND_SCALE[match["unit"]]
    rest = (match["fraction"] or match["rest"]).ljust(3, "0")
    amount = int(match["whole"]) * scale + int(rest) * scale // 1000
    return f"{amount:,}".replace(",", ".")


# --- plain numbers -------------------------------------------------------------------------

# Thousands are grouped by dots, or by non-breaking spaces as word processors do: "50 000".
# Phone numbers, which also come in groups, are read by an earlier pass. A plain space groups
# thousands only before a currency (see read_money_units): "Tổ 3 100 hộ" is two numbers.
NUMBER = re.compile(
    r"(?<!\d)(?:(?P<grouped>\d{1,3}(?P<sep>[.\u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*)|(?P<plain>\d+))"
    r"(?:,(?P<fraction>\d+))?(?!\d)"
)


SUPERSCRIPT_DIGITS = re.compile("[⁰¹²³⁴-⁹₀-₉]")
# "-5°C", "giảm -0,5%": a minus sign glued to a temperature or a percentage is "âm"; a dash
# between two numbers ("25 -27") or at the head of a list item ("- 01 bản") is not.
NEGATIVE = re.compile(
    rf"(?<![\w.,%{CLOSE}])(?<![\d%{CLOSE}] )-"
    r"(?=\d[\d.,]*(?:\s*(?:đến|[-–])\s*-?\d[\d.,]*)?\s*(?:°C|℃|độ\b|%|phần trăm))"
)
# "ảnh 4x6", "3 × 4 m": sizes, said "bốn nhân sáu"
DIMENSION_SIGN = re.compile(r"(?<=\d)\s*[x×]\s*(?=\d)")


def read_numbers(text: str, dialect: Dialect) -> str:
    """Every number left: "1.500.000", "5,5", "03" (a count: "ba"), "0251" (digits)."""
    text = SUPERSCRIPT_DIGITS.sub(lambda m: str(unicodedata.digit(m.group(0))), text)
    text = DIMENSION_SIGN.sub(" nhân ", text)
    text = NEGATIVE.sub("âm ", text)
    return NUMBER.sub(lambda m: spoken(number_reading(m, dialect)), text)


# A number after the name of a document or form is part of its name, leading zero included:
# "Đề án 06" is "Đề án không sáu", "Mẫu số 01" "Mẫu số không một" (but "03 ngày" is "ba ngày").
NAMED_BY_NUMBER = re.compile(
    r"\b(?i:đề án|chỉ thị|mẫu|biểu mẫu|phụ lục|kế hoạch|chương trình|công văn|công điện|thông báo"
    r"|tờ trình|quyết định|nghị quyết|nghị định|thông tư|văn bản)(?:\s+số)?\s*:?\s*$"
)


def number_reading(match: re.Match, dialect: Dialect) -> str:
    whole = re.sub(r"\D", "", match["grouped"] or "") or match["plain"]
    before = text_before(match)
    named = before[-1:].isalpha() or bool(NAMED_BY_NUMBER.search(before))
    if match["plain"] and is_identifier(whole, named):
        words = digits_read_singly(whole)
    else:
        words = cardinal(whole, dialect)
    if match["fraction"]:
        words += " phẩy " + fraction_words(match["fraction"], dialect)
    return words


def is_identifier(digits: str, named: bool) -> bool:
    """"0251", "079123456789", "CT01", "Đề án 06" name something; "03" (ngày) and "B2" count or rank."""
    leading_zero = len(digits) > 1 and digits.startswith("0")
    return len(digits) > 12 or (leading_zero and (len(digits) > 2 or named))


# "01 (một) bộ", "1.500.000 đồng (Một triệu năm trăm nghìn đồng)": say the amount once.
NUMBER_THEN_PARENTHESES = re.compile(
    CLOSE + r"(?P<unit>(?:\s+[^\W\d]+)?)\s*\((?P<spelled>[^()\d]+)\)"
)
SAME_NUMBER_WORDS = {"ngàn": "nghìn", "lẻ": "linh", "tư": "bốn", "tỉ": "tỷ", "nhăm": "lăm"}


def drop_spelled_out_repeats(text: str) -> str:
    def without_repeat(match: re.Match) -> str:
        said = text[text.rfind(OPEN, 0, match.start()) + 1 : match.start()]
        written = comparable_words(match["spelled"])
        if written in (comparable_words(said), comparable_words(said + match["unit"])):
            return CLOSE + match["unit"]
        return match.group(0)

    return NUMBER_THEN_PARENTHESES.sub(without_repeat, text)


def comparable_words(words: str) -> list[str]:
    return [SAME_NUMBER_WORDS.get(w, w) for w in words.lower().split()]


def fraction_words(digits: str, dialect: Dialect) -> str:
    """"5,05" → "năm phẩy không năm": leading zeros are said, the rest as a number."""
    rest = digits.lstrip("0")
    zeros = ["không"] * (len(digits) - len(rest))
    return " ".join(zeros + ([cardinal(rest, dialect)] if rest else []))


# --- ranges --------------------------------------------------------------------------------

# "5 – 10", "7h30 – 11h30", and with the unit written twice: "1.000.000đ – 2.000.000đ"
RANGE_DASH = re.compile(CLOSE + r"(?P<unit>\s*%|\s+[^\W\d]+)?\s*[–—-]\s*" + OPEN)
WEEKDAY = r"(?:[Tt]hứ (?:[Hh]ai|[Bb]a|[Tt]ư|[Nn]ăm|[Ss]áu|[Bb]ảy)|[Cc]hủ [Nn]hật)"
WEEKDAY_RANGE = re.compile(rf"(?P<first>{WEEKDAY})\s*[–—-]\s*(?={WEEKDAY})")


def join_ranges(text: str) -> str:
    """A dash between two quantities or two weekdays is said "đến"."""
    text = RANGE_DASH.sub(lambda m: f"{CLOSE}{m['unit'] or ''} đến {OPEN}", text)
    return WEEKDAY_RANGE.sub(lambda m: f"{m['first']} đến ", text)


# --- unknown capitals ----------------------------------------------------------------------

LETTER_NAMES = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "F": "ép", "G": "giê",
    "H": "hát", "I": "i", "J": "gi", "K": "ca", "L": "e lờ", "M": "em", "N": "en", "O": "o",
    "P": "pê", "Q": "quy", "R": "e rờ", "S": "ét", "T": "tê", "U": "u", "V": "vê",
    "W": "vê kép", "X": "ích", "Y": "i dài", "Z": "dét",
}  # fmt: skip
VOWEL_LETTERS = set("AEIOUY")
# A plain-letter syllable such as THANH, GIAO, TIN: a heading in capitals, not an abbreviation.
SYLLABLE = re.compile(
    r"(?:NGH|NG|GH|GI|KH|NH|PH|QU|TH|TR|CH|[BCDĐGHKLMNPRSTVX])?[AEIOUY]{1,3}(?:NG|NH|CH|[CMNPT])?"
)
LETTERS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")  # H'Mông is one word


# "Nguyễn V. Nam": the initial's dot is not the end of a sentence. Only after a family name, so
# that "Khu A. Sáng mai…" keeps its full stop.
FAMILY_NAMES = (
    "Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Đào|Đoàn|Đinh"
    "|Lâm|Mai|Trịnh|Trương|Lưu|Tạ|Hà|Cao|Châu|Thái|Tô|La|Lương|Quách"
)
NAME_INITIAL = re.compile(rf"(?P<name>\b(?:{FAMILY_NAMES})(?:\s+[A-ZĐ]\.)*\s+[A-ZĐ])\.(?=[ \t]+[A-ZĐ])")


def spell_unknown_capitals(text: str) -> str:
    """Spell "VNPT" letter by letter; say "HỒ SƠ" and "THÔNG TIN" as words; "V." of a name is "vê"."""
    text = NAME_INITIAL.sub(lambda m: m["name"].replace(".", ""), text)
    tokens = list(LETTERS.finditer(text))
    pieces, last = [], 0
    for i, token in enumerate(tokens):
        in_heading = in_capital_heading(text, tokens, i)
        pieces += [text[last : token.start()], capitals_reading(token.group(0), in_heading)]
        last = token.end()
    return "".join(pieces) + text[last:]


def in_capital_heading(text: str, tokens: list[re.Match], i: int) -> bool:
    """True when the word before or after, on the same line, is also in capitals."""
    for j in (i - 1, i + 1):
        if not 0 <= j < len(tokens):
            continue
        neighbour = tokens[j].group(0)
        first, second = sorted((tokens[i], tokens[j]), key=lambda t: t.start())
        same_line = "\n" not in text[first.end() : second.start()]
        if len(neighbour) > 1 and neighbour.isupper() and same_line:
            return True
    return False


def capitals_reading(token: str, in_heading: bool) -> str:
    if not token.isupper():
        return token
    if len(token) == 1:  # "Mẫu B": no Vietnamese word is a lone consonant
        return token if token in VOWEL_LETTERS or token not in LETTER_NAMES else LETTER_NAMES[token]
    if any(letter not in LETTER_NAMES for letter in token):
        return token.lower()  # diacritics: a Vietnamese word written in capitals
    if in_heading and SYLLABLE.fullmatch(token):
        return token.lower()
    return " ".join(LETTER_NAMES[letter] for letter in token)


# --- symbols and tidying -------------------------------------------------------------------

DATE_PART = r"(?i:ngày|tháng|năm|giờ|phút)"
DATE_PARTS_WITH_SLASHES = re.compile(rf"\b{DATE_PART}(?:/{DATE_PART})+\b")
LIST_BULLET = re.compile(r"(?m)^[ \t]*[-–—•*+][ \t]+")
KEPT_CHARACTERS = re.compile(rf"[^\w\s.,;:?!'{OPEN}{CLOSE}]|_")
PUNCTUATION_RUN = re.compile(r"[.,;:?!](?:\s*[.,;:?!])+")
PUNCTUATION_STRENGTH = {",": 0, ":": 1, ";": 2, ".": 3, "!": 4, "?": 5}


def replace_symbols(text: str) -> str:
    """Say the symbols that carry meaning, turn the rest into pauses or nothing."""
    text = re.sub(r"\.{3,}|…", ".", text)
    text = LIST_BULLET.sub("", text)
    text = text.replace("&", " và ").replace("+", " cộng ").replace("%", " phần trăm")
    text = re.sub(CLOSE + r"\s*/\s*" + OPEN, f"{CLOSE} trên {OPEN}", text)  # 24/7
    text = text.replace(CLOSE + "." + OPEN, f"{CLOSE} chấm {OPEN}")  # 1.5 is not a thousands group
    text = DATE_PARTS_WITH_SLASHES.sub(lambda m: m.group(0).replace("/", " "), text)  # ngày/tháng/năm
    text = re.sub(r"(?<=\w)\s*/\s*(?=\w)", " hoặc ", text)  # cha/mẹ
    text = re.sub(r"\s+[-–—]+\s+|[–—]", ", ", text)  # a dash between words is a pause
    text = re.sub(r"[()\[\]]", ", ", text)
    text = re.sub(r"[\"“”‘’«»]|'(?!\w)|(?<!\w)'", "", text)  # but not the one in H'Mông
    return KEPT_CHARACTERS.sub(" ", text)


def tidy(text: str) -> str:
    """Single spaces, punctuation attached to its word, one mark where several pile up."""
    text = text.replace(OPEN, " ").replace(CLOSE, " ")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+(?=[.,;:?!])", "", text)
    text = PUNCTUATION_RUN.sub(lambda m: strongest_punctuation(m.group(0)), text)
    text = re.sub(r"([.,;:?!])(?=[^\s.,;:?!])", r"\1 ", text)
    text = text.lstrip(" .,;:!?").rstrip(" ,")
    return unicodedata.normalize("NFC", text)


def strongest_punctuation(run: str) -> str:
    marks = [c for c in run if c in PUNCTUATION_STRENGTH]
    return max(marks, key=PUNCTUATION_STRENGTH.__getitem__)
