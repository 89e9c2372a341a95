"""SMS notices: each written accented (UCS-2) and unaccented (GSM-7), with parts counted the way
a phone network splits them."""

from __future__ import annotations

from dataclasses import dataclass

from outreach.model import Commune, Guide
from outreach.templating import BoundedSandbox, confined
from outreach.text import unaccented

# GSM 03.38 basic character set (one septet each) and its extension table (escape + char: two).
GSM_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
             "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENSION = "^{}\\[~]|€\f"
@dataclass(frozen=True)
class Count:
    encoding: str   # "GSM-7" or "UCS-2"
    characters: int  # septets for GSM-7 (extension characters count two), UTF-16 units for UCS-2
    parts: int


def count(text: str) -> Count:
    """Encoding, length and number of message parts of `text` as sent."""
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        units = [2 if c in GSM_EXTENSION else 1 for c in text]
        return Count("GSM-7", sum(units), _parts(units, single=160, per_part=153))
    units = [len(c.encode("utf-16-le")) // 2 for c in text]
    return Count("UCS-2", sum(units), _parts(units, single=70, per_part=67))


def _parts(units: list[int], single: int, per_part: int) -> int:
    """Parts of a message: an escaped GSM character or a surrogate pair is never split between two."""
    if sum(units) <= single:
        return 1
    parts, filled = 1, 0
    for size in units:
        if filled + size > per_part:
            parts, filled = parts + 1, 0
        filled += size
    return parts


# The notices, in order, with what the file calls them (macros of templates/sms.j2).
NOTICES = (("received", "Đã tiếp nhận hồ sơ"), ("needs_more", "Cần bổ sung giấy tờ"),
           ("ready", "Đã có kết quả"), ("invitation", "Mời nộp hồ sơ trực tuyến"))
# Counts are made with these values in the fields: long but ordinary ones.
EXAMPLE = {"name": "Nguyễn Thị Thanh Hương", "file_number": "H19.25-251125-0001", "date": "25/11/2026",
           "missing": "bản sao Giấy chứng sinh"}
MAX_PARTS = 2


def notices(env: BoundedSandbox, guide: Guide, commune: Commune) -> list[tuple[str, str, str]]:
    """(title, accented text, unaccented text) of each notice, with the example values filled in."""
    return confined(env, "sms.j2", _filled_notices, guide, commune)


def _filled_notices(env: BoundedSandbox, guide: Guide, commune: Commune) -> list[tuple[str, str, str]]:
    out = []
    macros = env.get_template("sms.j2").module
    for name, title in NOTICES:
        text = " ".join(str(getattr(macros, name)(guide, commune, **EXAMPLE)).split())
        out.append((title, text, unaccented(text)))
    return out


def sms_text(items: list[tuple[str, str, str]]) -> tuple[str, list[str]]:
    """sms.txt for an officer or an SMS platform, and a warning per form that needs too many parts."""
    lines = ["Mẫu tin nhắn SMS. Số ký tự tính với ví dụ: " + "; ".join(EXAMPLE.values()) + ".", ""]
    warnings = []
    for title, accented, plain in items:
        lines.append(f"== {title} ==")
        for label, text in (("Có dấu", accented), ("Không dấu", plain)):
            c = count(text)
            lines += [f"{label} ({c.encoding}, {c.characters} ký tự, {c.parts} tin):", text]
            if c.parts > MAX_PARTS:
                warnings.append(f"tin '{title}' {label.lower()} cần {c.parts} tin nhắn; nên rút gọn còn tối đa "
                                f"{MAX_PARTS}")
        lines.append("")
    return "\n".join(lines), warnings
