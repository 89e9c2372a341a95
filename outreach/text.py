"""Small text forms shared by what is printed, spoken and sent: sentences, unaccented Vietnamese, slugs."""

from __future__ import annotations

import re
import unicodedata

# Typography an editor adds that GSM-7 lacks, replaced in the unaccented form.
# A list marker typed or pasted (from Word) at the start of a line, then a space or tab: "•", "-",
# "1.", "a)". The templates draw their own bullets. "1.000 đồng" and "-5" are not markers.
LIST_MARKER = re.compile(r"^[ \t]*(?:[•◦▪▫‣⁃∙·●○■□◆◇➢➤►▶✓✔\-–—*+]|\(?\d{1,2}[.)]|\(?[a-zđ]\))[ \t]+", re.M)
PLAIN_PUNCTUATION = str.maketrans({"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...",
                                   "\u00a0": " "})


def sentence(text: str) -> str:
    """`text` ending with sentence punctuation, so the voice pauses before what follows."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def lower_first(text: str) -> str:
    """'Đăng ký khai sinh' → 'đăng ký khai sinh', leaving words like VNeID alone."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def ascii_slug(text: str, limit: int = 40) -> str:
    """A file-name-safe ASCII form of Vietnamese text: 'Đăng nhập' → 'dang-nhap'."""
    plain = unaccented(text).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:limit].rstrip("-") or "buoc"


def unaccented(text: str) -> str:
    """Vietnamese without diacritics, the way residents read unaccented SMS: 'Đã nhận' → 'Da nhan'."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", plain).translate(PLAIN_PUNCTUATION)


# `{{ section("greeting") }}` in a spoken template: the start of a section and its name, in a
# character no officer types (Unicode private use), so no text can forge one.
SECTION_MARK = "\ue000"
SECTION_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def section_mark(name: object) -> str:
    """What `{{ section(name) }}` writes: a mark script.py cuts the text at."""
    if not SECTION_NAME.fullmatch(str(name)):
        raise ValueError(f"tên đoạn '{name}' không dùng được: chỉ chữ thường không dấu, số và dấu gạch ngang")
    return f"{SECTION_MARK}{name}{SECTION_MARK}"
