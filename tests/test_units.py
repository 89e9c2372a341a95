"""Each output unit is declared once (products.UNITS); what an officer sees of that: outputs that
follow what they show, outputs of deleted guides removed, failures kept to one guide's one output."""

from __future__ import annotations

import errno
import json

from conftest import run, starter, tool, write_guide
from gtts_stub import Behaviour, StubServer
from outreach import atomic


def test_facilitator_sheet_lists_the_clips_once_they_are_made(project):
    write_guide(project, "thu-tuc", starter(project))
    assert run(project, "build", "--no-audio").exit_code == 0
    sheet = project / "build" / "thu-tuc" / "facilitator.pdf"
    assert "chưa tạo âm thanh" in " ".join(tool("pdftotext", str(sheet), "-").split())
    assert run(project, "build", "--engine", "espeak-ng").exit_code == 0
    text = " ".join(tool("pdftotext", str(sheet), "-").split())
    assert "chưa tạo âm thanh" not in text and "00-gioi-thieu.mp3" in text


def test_outputs_of_a_deleted_guide_are_removed_and_said_so(project):
    write_guide(project, "mot", starter(project, "mot"))
    write_guide(project, "hai", starter(project, "hai"))
    assert run(project, "build", "--no-audio").exit_code == 0
    (project / "content" / "guides" / "hai.yaml").unlink()
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 0, result.output
    assert "Đã xóa các tệp trong build/hai/" in result.output
    assert not (project / "build" / "hai").exists()
    assert (project / "build" / "mot" / "handout.pdf").exists()
    units = json.loads((project / "build" / "manifest.json").read_text(encoding="utf-8"))["units"]
    assert not [key for key in units if key.startswith("hai/")]
    assert "Không có gì thay đổi" in run(project, "build", "--no-audio").output


def test_a_draft_is_remade_with_the_real_voice_once_it_answers_then_left_alone(project, monkeypatch):
    write_guide(project, "thu-tuc", starter(project))
    monkeypatch.setenv("OUTREACH_GTTS_URL", "http://127.0.0.1:9")  # offline: espeak-ng drafts
    assert run(project, "build", "-j", "1").exit_code == 0
    sidecar = project / "build" / "thu-tuc" / "broadcast.json"
    assert json.loads(sidecar.read_text(encoding="utf-8"))["draft"] is True
    with StubServer(Behaviour("ok")) as server:
        monkeypatch.setenv("OUTREACH_GTTS_URL", server.url)
        assert run(project, "build", "-j", "1").exit_code == 0
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        assert (data["engine"], data["draft"]) == ("gtts", False)
        again = run(project, "build", "-j", "1")
        assert "Không có gì thay đổi" in again.output, again.output


def test_a_full_disk_fails_that_output_alone_with_a_clear_message(project, monkeypatch):
    write_guide(project, "mot", starter(project, "mot"))
    write_guide(project, "hai", starter(project, "hai"))
    real = atomic.write_atomic

    def full_disk_for_hai(target, data):
        if target.name == "poster.pdf" and target.parent.name == "hai":
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real(target, data)

    monkeypatch.setattr("outreach.products.write_atomic", full_disk_for_hai)
    result = run(project, "build", "--no-audio", "-j", "1")
    assert result.exit_code == 1
    assert "content/guides/hai.yaml:1: (tệp): không tạo được hai/poster.pdf: ổ đĩa đã đầy" in result.output
    assert "Traceback" not in result.output
    assert (project / "build" / "hai" / "handout.pdf").exists() and (project / "build" / "mot" / "poster.pdf").exists()
    units = json.loads((project / "build" / "manifest.json").read_text(encoding="utf-8"))["units"]
    assert "hai/poster" not in units and "hai/handout" in units and "mot/poster" in units


def test_a_guide_too_long_for_one_page_says_by_how_much_and_where(project):
    text = starter(project)
    write_guide(project, "thu-tuc", text)
    assert run(project, "build", "--no-audio").exit_code == 0
    old = (project / "build" / "thu-tuc" / "handout.pdf").read_bytes()
    documents = "".join(f"  - name: Giấy tờ số {i} có tên rất dài để chiếm chỗ trên trang giấy\n"
                        f"    form: Mẫu số {i} kèm theo thông tư hướng dẫn\n"
                        "    note: Bản sao có chứng thực, còn hạn, chụp rõ cả hai mặt\n" for i in range(9))
    write_guide(project, "thu-tuc", text.replace("documents:\n", "documents:\n" + documents, 1))
    result = run(project, "build", "--no-audio")
    assert result.exit_code == 1
    message = next(line for line in result.output.splitlines() if "quá dài cho handout.pdf" in line)
    assert "cần 2 trang" in message and " mm" in message and "phần dài nhất: documents" in message
    assert (project / "build" / "thu-tuc" / "handout.pdf").read_bytes() == old  # the last good one stays
    catalog = (project / "build" / "index.html").read_text(encoding="utf-8")
    assert "bản cũ, chưa cập nhật" in catalog and "quá dài cho handout.pdf" in catalog


def test_a_guide_broken_now_keeps_its_last_outputs_listed_as_out_of_date(project):
    write_guide(project, "thu-tuc", starter(project))
    assert run(project, "build", "--no-audio").exit_code == 0
    write_guide(project, "thu-tuc", "title: [\n")
    assert run(project, "build", "--no-audio").exit_code == 1
    catalog = (project / "build" / "index.html").read_text(encoding="utf-8")
    assert 'href="thu-tuc/handout.pdf"' in catalog
    assert "bản cũ, chưa cập nhật" in catalog and "lỗi cú pháp YAML" in catalog
