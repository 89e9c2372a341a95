"""SMS notices: counted by the real encoding rules, checked against hand-computed examples."""

from __future__ import annotations

import pytest

from conftest import run, starter, write_guide
from outreach.sms import Count, count, unaccented


@pytest.mark.parametrize("text, encoding, characters, parts", [
    ("abc", "GSM-7", 3, 1),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),                  # 153 + 8
    ("a" * 306, "GSM-7", 306, 2),                  # 153 + 153
    ("a" * 307, "GSM-7", 307, 3),
    ("a" * 159 + "€", "GSM-7", 161, 2),            # € is escape + char: two septets
    ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # the € pair may not straddle parts 1 and 2
    ("[Hồ sơ]", "UCS-2", 7, 1),                    # one Vietnamese letter makes the whole SMS UCS-2
    ("Đã nhận", "UCS-2", 7, 1),
    ("ă" * 70, "UCS-2", 70, 1),
    ("ă" * 71, "UCS-2", 71, 2),                    # 67 + 4
    ("ă" * 134, "UCS-2", 134, 2),
    ("ă" * 135, "UCS-2", 135, 3),
    ("ă" * 66 + "😀" + "ă" * 4, "UCS-2", 72, 2),   # the emoji's surrogate pair stays whole
    ("ă" * 66 + "😀" + "ă" * 67, "UCS-2", 135, 3),
])
def test_counts_match_hand_computed_examples(text, encoding, characters, parts):
    assert count(text) == Count(encoding, characters, parts)


def test_unaccented_form_is_plain_gsm():
    assert unaccented("Đã nhận hồ sơ “Khai sinh” – (0251) 1022") == 'Da nhan ho so "Khai sinh" - (0251) 1022'
    assert count(unaccented("Nguyễn Thị Thanh Hương, đường Trần Hưng Đạo")).encoding == "GSM-7"


def test_sms_file_has_both_forms_and_warns_when_long(project):
    write_guide(project, "ngan", starter(project, "ngan"))
    long = starter(project, "dai").replace("title: Đăng ký khai sinh", "title: " + "Cấp giấy xác nhận rất dài " * 4)
    write_guide(project, "dai", long)
    result = run(project, "build", "--no-audio")
    text = (project / "build" / "ngan" / "sms.txt").read_text(encoding="utf-8")
    assert text.count("Có dấu (UCS-2,") == 4 and text.count("Không dấu (GSM-7,") == 4
    assert "Mời nộp hồ sơ trực tuyến" in text and "Nguyễn Thị Thanh Hương" in text
    assert "Nguyen Thi Thanh Huong" in text
    assert "build/dai/sms.txt: tin 'Đã tiếp nhận hồ sơ' có dấu cần 3 tin nhắn" in result.output
    assert "Mẫu tin nhắn SMS" in (project / "build" / "index.html").read_text(encoding="utf-8")


def _invitation(project, slug: str) -> str:
    text = (project / "build" / slug / "sms.txt").read_text(encoding="utf-8")
    return text.split("== Mời nộp hồ sơ trực tuyến ==")[1]


def test_invitation_names_the_guides_own_portal_or_else_the_communes(project):
    guide = starter(project, "cong-rieng")
    own = guide.replace("portal_url: https://dichvucong.gov.vn", "portal_url: https://dichvucong.bocongan.gov.vn/thu-tuc")
    assert own != guide
    write_guide(project, "cong-rieng", own)
    without_portal = "\n".join(line for line in guide.splitlines() if not line.startswith("portal_url:"))
    write_guide(project, "cong-xa", without_portal)
    commune = project / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8").replace(
        "portal_url: https://dichvucong.gov.vn", "portal_url: https://dichvucong.dongnai.gov.vn"), encoding="utf-8")
    assert run(project, "build", "--no-audio").exit_code == 0
    own_text, commune_text = _invitation(project, "cong-rieng"), _invitation(project, "cong-xa")
    assert "tại dichvucong.bocongan.gov.vn/thu-tuc, không cần xếp hàng" in own_text
    assert "tai dichvucong.bocongan.gov.vn/thu-tuc, khong can xep hang" in own_text
    assert "tại dichvucong.dongnai.gov.vn, không cần xếp hàng" in commune_text
