"""Dates and times read as people say them; house numbers, which look like dates, left to be read
as numbers ("số nhà 12/3" is "mười hai trên ba")."""

from __future__ import annotations

import re

from outreach.sound.numerals import (
    DIALECTS,
    DIGIT_WORDS,
    Dialect,
    cardinal,
    spoken,
    text_after,
    text_before,
)

DAY_PREFIX = r"(?:(?P<prefix>\b[Nn]gày)\s+)?"
DATE_DMY = re.compile(
    DAY_PREFIX
    + r"(?<![\d/.,-])(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})(?![\d/])"
)
DATE_ISO = re.compile(
    DAY_PREFIX + r"(?<![\d/.,-])(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?![\d-])"
)
MONTH_YEAR = re.compile(
    r"(?:(?P<prefix>\b[Tt]háng)\s+)?(?<![\d/.,])(?P<month>\d{1,2})/(?P<year>\d{4})(?![\d/])"
)
DAY_MONTH = re.compile(
    DAY_PREFIX + r"(?<![\d/.,])(?P<day>\d{1,2})/(?P<month>\d{1,2})(?![\d/]|[.,]\d)"
)
NOT_DATES = {"24/7"}  # "open 24/7" is said "hai mươi tư trên bảy"
# House and alley numbers look like dates: "số nhà 12/3", "hẻm 45/7", "tại 25/6 Trần Hưng Đạo",
# "12/3 đường Lê Lợi". A d/m without "ngày" is one when the word before says where ("số", "nhà",
# "hẻm", "kiệt", "ngõ", "ngách", "địa chỉ", "tại", "ở") or the word after is a street, alley or
# hamlet; it is then read as two numbers with "trên" ("mười hai trên ba"), as people say in every
# dialect ("xẹt", southern and colloquial, is not used).
ADDRESS_BEFORE = re.compile(r"\b(?i:số|nhà|hẻm|kiệt|ngõ|ngách|địa chỉ|tại|ở)\s*:?\s+$")
ADDRESS_AFTER = re.compile(
    r"\s+(?i:đường|phố|hẻm|ngõ|kiệt|ngách|ấp|khu phố|tổ(?!\s+chức)|thôn|xóm|khóm|quốc lộ|tỉnh lộ)\b"
)
# "quý 1/2025", "Quý IV/2024": a quarter, not a month
QUARTER_YEAR = re.compile(
    r"\b(?P<prefix>[Qq]uý)\s+(?P<quarter>[1-4]|IV|I{1,3})/(?P<year>\d{4})(?![\d/])"
)
QUARTERS = {"1": 1, "2": 2, "3": 3, "4": 4, "I": 1, "II": 2, "III": 3, "IV": 4}
DAY_BEFORE_MONTH = re.compile(r"\b(?P<prefix>[Nn]gày)\s+(?P<day>\d{1,2})(?=\s+tháng\b)")
# "từ ngày 02 đến ngày 20": a day on its own, when what follows cannot be a count's noun
# ("uống ngày 2 lần" is a count).
DAY_ALONE = re.compile(
    r"\b(?P<prefix>[Nn]gày)\s+(?P<day>\d{1,2})(?![\d/.,:]\d)"
    r"(?=\s*(?:[,.;:)]|$|\s(?:đến|tới|và|hoặc|này|hằng|sẽ|là|của|các|trong|vừa|tại|ở)\b))"
)
MONTH_NUMBER = re.compile(r"\b(?P<prefix>[Tt]háng)\s+(?P<month>\d{1,2})(?![\d]|[/.,]\d)")


# "đường 30/4", "Đường 3 tháng 2", "Quảng trường 27/7": places named after a date are names, said
# as people say them ("đường ba mươi tháng tư", no "ngày", no "mùng").
STREET_DATE = re.compile(
    r"(?P<prefix>\b(?i:đường|phố|đại lộ|quảng trường|cầu|công viên))\s+(?P<day>\d{1,2})"
    r"(?:/|\s+(?P<month_word>[Tt]háng)\s+)(?P<month>\d{1,2})(?![\d/]|[.,]\d)"
)


# "từ 20-25/11": the first day of a range written once with its month; "ngày" is said before it too.
DAY_RANGE_START = re.compile(
    r"(?<![\d/.,-])(?<![Nn]gày )(?P<day>\d{1,2})\s*(?P<dash>[-–])\s*(?=\d{1,2}/\d{1,2}(?![\d]|[.,]\d))"
)


def read_dates(text: str, dialect: Dialect) -> str:
    text = STREET_DATE.sub(lambda m: street_name_reading(m, dialect), text)
    text = DAY_RANGE_START.sub(lambda m: day_range_start_reading(m, dialect), text)
    text = QUARTER_YEAR.sub(lambda m: quarter_reading(m, dialect), text)
    for pattern in (DATE_DMY, DATE_ISO, MONTH_YEAR):
        text = pattern.sub(lambda m: date_reading(m, dialect), text)
    text = DAY_MONTH.sub(lambda m: day_month_reading(m, dialect), text)
    for pattern in (DAY_BEFORE_MONTH, DAY_ALONE):
        text = pattern.sub(lambda m: date_reading(m, dialect), text)
    return MONTH_NUMBER.sub(lambda m: date_reading(m, dialect), text)


# "ngày 11 và 12/6", "ngày 5, 6, 7/12": the last day of a list, "ngày" already said before the first.
LISTED_DAYS_BEFORE = re.compile(r"\b[Nn]gày\s+\d{1,2}(?:\s*(?:,|và)\s*\d{1,2})*\s*(?:,|và|hoặc)\s*$")


# "giảm 1/2 lệ phí", "2/3 số hộ": a proper fraction after a word of change or share, or before a
# word for what it is a part of, is said "một phần hai", as fractions are.
FRACTION_BEFORE = re.compile(r"\b(?i:giảm|tăng|hỗ trợ|chiếm|bằng|tỷ lệ|tỉ lệ|khoảng|hơn|gần|đạt)\s+$")
FRACTION_AFTER = re.compile(r"\s+(?i:số|mức|chi phí|kinh phí|lệ phí|học phí|diện tích|dân số|tổng)\b")
# … unless the word before is one that introduces a date: "Từ 1/2 mức lương tăng" is 1 February.
DATE_BEFORE = re.compile(r"\b(?i:từ|đến|tới|trước|sau|sáng|chiều|tối|trưa|đêm|hôm|vào|lúc|hạn|hết)\s+$")


def day_month_reading(match: re.Match, dialect: Dialect) -> str:
    written = f"{match['day']}/{match['month']}"
    if written in NOT_DATES or (not match["prefix"] and is_house_number(match)):
        return match.group(0)
    if not match["prefix"] and is_fraction(match):
        return spoken(f"{cardinal(match['day'], dialect)} phần {cardinal(match['month'], dialect)}")
    listed = not match["prefix"] and bool(LISTED_DAYS_BEFORE.search(text_before(match)))
    return date_reading(match, dialect, day_word=not listed)


def day_range_start_reading(match: re.Match, dialect: Dialect) -> str:
    day = int(match["day"])
    if not 1 <= day <= 31 or is_house_number(match):
        return match.group(0)
    return spoken(f"ngày {day_words(day, dialect)}") + f" {match['dash']} "


def is_fraction(match: re.Match) -> bool:
    before = text_before(match)
    if not 0 < int(match["day"]) < int(match["month"]) or DATE_BEFORE.search(before):
        return False
    return bool(FRACTION_BEFORE.search(before) or FRACTION_AFTER.match(text_after(match)))


def is_house_number(match: re.Match) -> bool:
    """"số nhà 12/3", "12/3 đường Lê Lợi": the words around say it is an address (see ADDRESS_BEFORE)."""
    return bool(ADDRESS_BEFORE.search(text_before(match)) or ADDRESS_AFTER.match(text_after(match)))


def date_reading(match: re.Match, dialect: Dialect, day_word: bool = True) -> str:
    """Read whichever of day, month and year the match has; leave it alone if not a date.
    `day_word`: say "ngày" before the day (not in a list of days: "ngày 11 và 12/6")."""
    found = match.groupdict()
    day, month, year = (int(found[k]) if found.get(k) else None for k in ("day", "month", "year"))
    if (day is not None and not 1 <= day <= 31) or (month is not None and not 1 <= month <= 12):
        return match.group(0)
    words = []
    if day is not None:
        words += [found["prefix"] or "ngày"] if day_word else []
        words += [day_words(day, dialect)]
    if month is not None:
        month_word = found["prefix"] if day is None and found["prefix"] else "tháng"  # keeps "Tháng"
        words += [month_word, month_words(month)]
    if year is not None:
        words += ["năm", cardinal(year, dialect)]
    return spoken(" ".join(words))


def street_name_reading(match: re.Match, dialect: Dialect) -> str:
    day, month = int(match["day"]), int(match["month"])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group(0)
    month_word = match["month_word"] or "tháng"
    # Not marked as a quantity: "đường 2/9 – ngày 10/11" is a name then a date, not a range.
    return f"{match['prefix']} {cardinal(day, dialect)} {month_word} {month_words(month)}"


def quarter_reading(match: re.Match, dialect: Dialect) -> str:
    quarter = DIGIT_WORDS[QUARTERS[match["quarter"]]]
    return spoken(f"{match['prefix']} {quarter} năm {cardinal(match['year'], dialect)}")


def day_words(day: int, dialect: Dialect) -> str:
    """Days 1–10 are said "mùng một" … "mùng mười", as people say them."""
    return f"mùng {cardinal(day, dialect)}" if day <= 10 else cardinal(day, dialect)


def month_words(month: int) -> str:
    return "tư" if month == 4 else cardinal(month, DIALECTS["north"])


# --- times ---------------------------------------------------------------------------------

# "7h30", "7h", "7H30", and the southern "7g30" (a lone "5g" is more likely "5G", the network)
TIME_H = re.compile(r"(?<![\w.,])(?P<hour>\d{1,2})(?:[hH]|g(?=\d))(?P<minute>\d{2})?(?!\w)")
TIME_GIO = re.compile(r"(?<![\w.,])(?P<hour>\d{1,2})\s*giờ(?:\s*(?P<minute>\d{2})(?:\s*phút)?)?(?!\w)")
TIME_COLON = re.compile(r"(?<![\d:.,])(?P<hour>\d{1,2}):(?P<minute>\d{2})(?![\d:])")


def read_times(text: str, dialect: Dialect) -> str:
    for pattern in (TIME_H, TIME_GIO, TIME_COLON):
        text = pattern.sub(lambda m: time_reading(m, dialect), text)
    return text


def time_reading(match: re.Match, dialect: Dialect) -> str:
    """"bảy giờ ba mươi phút"; "phút" is always said, ":00" never."""
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 24 or minute > 59:
        return match.group(0)
    words = f"{cardinal(hour, dialect)} giờ"
    if minute:
        words += f" {cardinal(minute, dialect)} phút"
    return spoken(words)
