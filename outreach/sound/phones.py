"""Phone numbers, hotlines and bank accounts, said digit by digit in the groups a listener can write
down (never "tư" or "mốt": those belong to numbers, not to digits)."""

from __future__ import annotations

import re

from outreach.sound.numerals import digits_read_singly

NO_DIGIT_BEFORE = r"(?<![\d.,])"
NO_DIGIT_AFTER = r"(?![\d]|[.,]\d)"
PHONE_AREA_IN_PARENTHESES = re.compile(
    r"\(\s*(?P<area>0\d{2,3})\s*\)[\s.-]*(?P<rest>\d{2,8}(?:[ .-]\d{2,4})*)" + NO_DIGIT_AFTER
)
PHONE_INTERNATIONAL = re.compile(
    r"\(?\+84\)?[\s.-]*(?P<rest>\d{2,3}(?:[ .-]?\d{2,4}){1,4})" + NO_DIGIT_AFTER
)
PHONE_GROUPED = re.compile(NO_DIGIT_BEFORE + r"0\d{2,3}(?:[ .-]\d{1,4}){1,3}" + NO_DIGIT_AFTER)
PHONE_UNGROUPED = re.compile(NO_DIGIT_BEFORE + r"0\d{9,10}" + NO_DIGIT_AFTER)
# 1800/1900 numbers have 8 or 10 digits; "1900000" (an unpunctuated amount) has 7.
PHONE_TOLL_FREE = re.compile(
    NO_DIGIT_BEFORE + r"1[89]00(?:[ .]?\d{4}|[ .]\d{3}[ .]\d{3})" + NO_DIGIT_AFTER
)
# "gọi 113", "Tổng đài Dịch vụ công 1022 của tỉnh", "đường dây nóng: 1080"
HOTLINE_AFTER_WORD = re.compile(
    r"(?P<lead>\b(?i:gọi|tổng đài|đường dây nóng|hotline|điện thoại)\b"
    r"(?P<between>(?:\s+[^\W\d]+){0,5}?)\s*:?\s*)"
    + NO_DIGIT_BEFORE + r"(?P<number>\d{3,5})(?![\d]|[.,/]\d)"
)
# Vietnamese short hotlines are 11x and 10xx; after a bare "số" only these shapes are phones.
HOTLINE_AFTER_SO = re.compile(
    r"(?P<lead>(?<!\w)[Ss]ố\s*:?\s*)" + NO_DIGIT_BEFORE + r"(?P<number>1(?:1\d|0\d\d))(?![\d]|[.,/]\d)"
)
HOTLINE_SHAPE = re.compile(r"1(?:1\d|0\d\d)")
# "Số tài khoản: 1234 5678 9012", six digits at least (STK is read "số tài khoản" by the lexicon before this pass)
ACCOUNT_NUMBER = re.compile(
    r"(?P<lead>\b(?i:số tài khoản|tài khoản)(?:\s+[^\W\d]+){0,4}?\s*:?\s*)"
    + NO_DIGIT_BEFORE + r"(?=(?:\d[ .-]?){6})(?P<number>\d{2,}(?:[ .-]\d{2,})*)" + NO_DIGIT_AFTER
)


def read_phone_numbers(text: str) -> str:
    """Digits one by one, a comma between written groups so the listener can write them down."""
    text = ACCOUNT_NUMBER.sub(lambda m: m["lead"] + phone_reading(re.split(r"[ .-]", m["number"])), text)
    text = PHONE_AREA_IN_PARENTHESES.sub(
        lambda m: phone_reading([m["area"], *re.split(r"[ .-]", m["rest"])]), text
    )
    text = PHONE_INTERNATIONAL.sub(
        lambda m: "cộng tám bốn, " + phone_reading(re.split(r"[ .-]", m["rest"])), text
    )
    for pattern in (PHONE_GROUPED, PHONE_UNGROUPED, PHONE_TOLL_FREE):
        text = pattern.sub(written_phone_reading, text)
    text = HOTLINE_AFTER_WORD.sub(hotline_reading, text)
    return HOTLINE_AFTER_SO.sub(hotline_reading, text)


def written_phone_reading(match: re.Match) -> str:
    groups = re.split(r"[ .-]", match.group(0))
    if not 7 <= sum(map(len, groups)) <= 11:
        return match.group(0)  # "028 3" is too short for a phone number
    return phone_reading(groups)


def hotline_reading(match: re.Match) -> str:
    between = (match.groupdict().get("between") or "").split()
    if between not in ([], ["số"]) and not HOTLINE_SHAPE.fullmatch(match["number"]):
        return match.group(0)  # "tổng đài đã tiếp nhận 160 cuộc gọi" is a count
    return match["lead"] + digits_read_singly(match["number"])


def phone_reading(groups: list[str]) -> str:
    if len(groups) == 1:
        groups = phone_groups(groups[0])
    short_groups = [part for group in groups for part in split_long(group)]
    return ", ".join(digits_read_singly(group) for group in short_groups)


def phone_groups(digits: str) -> list[str]:
    """Groups for a number written without spaces: 0912 345 678, 0251 3822 123, 1800 1096."""
    if len(digits) == 10 and digits.startswith("0"):
        return [digits[:4], digits[4:7], digits[7:]]
    if len(digits) == 11 and digits.startswith(("024", "028")):
        return [digits[:3], digits[3:7], digits[7:]]
    if len(digits) == 11:
        return [digits[:4], digits[4:8], digits[8:]]
    if len(digits) == 8:
        return [digits[:4], digits[4:]]
    return split_long(digits)


def split_long(digits: str) -> list[str]:
    """Nobody can hold more than four digits at once: 3822123 → 382 2123."""
    if len(digits) <= 4:
        return [digits]
    if len(digits) == 8:
        return [digits[:4], digits[4:]]
    return [digits[:3], *split_long(digits[3:])]
