"""`approval: required` on one PC: the commune's leader approves with `outreach approve`, and only the
approved version of a guide is printed, shared and broadcast; a newer one is a marked preview.
Real WeasyPrint PDFs read back with poppler (the server's side is in test_server.py)."""

from __future__ import annotations

import getpass
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

from conftest import run

SLUG = "dang-ky-khai-sinh"
BUNDLED = Path(__file__).parent.parent / "outreach" / "library" / "guides"


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def with_fee(path: Path, fee: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^fee:.*\n(?:  .*\n)*", f'fee: "{fee}"\n', text, count=1, flags=re.M), encoding="utf-8")


def test_with_approval_required_only_what_the_leader_approved_is_printed(tmp_path):
    root = tmp_path / "xa"
    assert run(tmp_path, "init", str(root), "--no-audio").exit_code == 0
    guide, build = root / "content" / "guides" / f"{SLUG}.yaml", root / "build"
    refused = run(root, "approve", SLUG)
    assert refused.exit_code == 1 and "approval: required" in refused.output, "off by default: nothing to approve"
    assert (build / SLUG / "handout.pdf").is_file() and not (build / ".preview").exists(), "as before"

    commune = root / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + "\napproval: required\n", encoding="utf-8")
    assert run(root, "build", "--no-audio").exit_code == 0
    assert not (build / SLUG).exists() and not (build / "handouts.pdf").exists(), "never approved: not published"
    assert "BẢN CHƯA DUYỆT" in text_of(build / ".preview" / SLUG / "handout.pdf")

    with_fee(guide, "Lệ phí 11.000 đồng.")
    wrong = run(root, "approve", SLUG, "--version", "0123456789ab", "--no-audio")
    assert wrong.exit_code == 1 and "không phải bản đang có" in wrong.output
    version = hashlib.sha256(guide.read_bytes()).hexdigest()
    done = run(root, "approve", SLUG, "--version", version[:12], "--no-audio")  # published at once
    assert done.exit_code == 0, done.output
    register = (root / "content" / "approvals.yaml").read_text(encoding="utf-8")
    assert f"version: {version}" in register and f'by: "{getpass.getuser()}"' in register
    published = text_of(build / SLUG / "handout.pdf")
    assert "11.000" in published and "CHƯA DUYỆT" not in published
    assert not (build / ".preview" / SLUG).exists()

    with_fee(guide, "Lệ phí 22.000 đồng.")
    assert run(root, "build", "--no-audio").exit_code == 0
    assert "11.000" in text_of(build / SLUG / "handout.pdf") and "11.000" in text_of(build / "handouts.pdf")
    assert "11.000" in (build / SLUG / "broadcast.txt").read_text(encoding="utf-8")
    preview = text_of(build / ".preview" / SLUG / "handout.pdf")
    assert "22.000" in preview and "BẢN CHƯA DUYỆT" in preview
    again = run(root, "build", "--no-audio")
    assert "Không có gì thay đổi" in again.output, "the published and the preview's outputs are both current"

    assert run(root, "approve", SLUG, "--by", "Trần Văn Bình", "--no-build").exit_code == 0
    assert 'by: "Trần Văn Bình"' in (root / "content" / "approvals.yaml").read_text(encoding="utf-8")
    assert "11.000" in text_of(build / SLUG / "handout.pdf"), "--no-build: published at the next build"
    assert run(root, "build", "--no-audio").exit_code == 0
    assert "22.000" in text_of(build / SLUG / "handout.pdf") and "22.000" in text_of(build / "handouts.pdf")
    assert not (build / ".preview" / SLUG).exists()


def test_a_damaged_approved_text_keeps_what_was_published_and_is_named(tmp_path):
    root = tmp_path / "xa"
    assert run(tmp_path, "init", str(root), "--no-audio").exit_code == 0
    commune = root / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + "\napproval: required\n", encoding="utf-8")
    assert run(root, "approve", SLUG, "--by", "Trần Văn Bình", "--no-audio").exit_code == 0
    handout = root / "build" / SLUG / "handout.pdf"
    before = handout.read_bytes()
    with_fee(root / "content" / "guides" / f"{SLUG}.yaml", "Lệ phí 33.000 đồng.")
    approved = root / "content" / "approved" / f"{SLUG}.yaml"
    approved.write_text(approved.read_text(encoding="utf-8").replace("Đăng ký khai sinh", "Sửa tay", 1),
                        encoding="utf-8")
    result = run(root, "build", "--no-audio")
    assert result.exit_code == 1 and f"content/approved/{SLUG}.yaml:1" in result.output
    assert "hãy duyệt lại" in result.output and handout.read_bytes() == before
    assert run(root, "approve", SLUG, "--no-build").exit_code == 0, "the leader approves the newest version again"
    assert run(root, "build", "--no-audio").exit_code == 0 and "33.000" in text_of(handout)
    register = root / "content" / "approvals.yaml"
    register.write_text(register.read_text(encoding="utf-8") + "guides: [\n", encoding="utf-8")
    before = handout.read_bytes()
    result = run(root, "build", "--no-audio")
    assert result.exit_code == 1 and "content/approvals.yaml:" in result.output, "what is approved is unknown"
    assert handout.read_bytes() == before and (root / "build" / "handouts.pdf").is_file(), "nothing is removed"


def test_a_library_change_is_printed_only_once_the_leader_approves_it(tmp_path):
    """A guide the commune follows from its library (here the bundled guides, copied as a province's
    library) is approved as the library and the commune's file give it together: the library's new fee
    waits, as a marked preview, until the leader approves it. An approval made before the library's
    text counted (the commune's file alone) still stands."""
    root, married, copies = tmp_path / "xa", "dang-ky-ket-hon", "chung-thuc-ban-sao"
    assert run(tmp_path, "init", str(root), "--no-audio").exit_code == 0
    library, content, build = root / "lib" / "guides", root / "content", root / "build"
    library.mkdir(parents=True)
    for slug in (married, copies):
        shutil.copy(BUNDLED / f"{slug}.yaml", library)
    commune = content / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + "\napproval: required\nlibrary: lib\n", encoding="utf-8")
    override = "follows: chung-thuc-ban-sao\nfee: Hai nghìn đồng.\n".encode()  # as an earlier outreach approved it
    (content / "guides" / f"{copies}.yaml").write_bytes(override)
    (content / "approved").mkdir()
    (content / "approved" / f"{copies}.yaml").write_bytes(override)
    (content / "approvals.yaml").write_text(f"server: false\nguides:\n  {copies}:\n    version: "
                                            f"{hashlib.sha256(override).hexdigest()}\n    by: \"Trần Văn Bình\"\n"
                                            "    at: \"2026-01-05T08:00:00+00:00\"\n", encoding="utf-8")

    assert run(root, "approve", married, "--no-audio").exit_code == 0, "a library guide the commune has no file for"
    assert "Miễn lệ phí" in text_of(build / married / "handout.pdf")
    with_fee(library / f"{married}.yaml", "Lệ phí 44.000 đồng.")
    result = run(root, "build", "--no-audio")
    assert result.exit_code == 0 and f"Chờ duyệt: bản mới của {married}" in result.output, result.output
    published = text_of(build / married / "handout.pdf")
    assert "Miễn lệ phí" in published and "44.000" not in published and "CHƯA DUYỆT" not in published
    assert "44.000" not in (build / married / "broadcast.txt").read_text(encoding="utf-8"), "not aired either"
    preview = text_of(build / ".preview" / married / "handout.pdf")
    assert "44.000" in preview and "BẢN CHƯA DUYỆT" in preview

    assert "Hai nghìn đồng" in text_of(build / copies / "handout.pdf"), "the earlier approval stands"
    assert not (build / ".preview" / copies).exists() and f"bản mới của {copies}" not in result.output
    kept = content / "approved" / "library" / copies / "guides" / f"{copies}.yaml"
    assert kept.read_bytes() == (library / f"{copies}.yaml").read_bytes(), "the library's text it covers is kept"

    assert run(root, "approve", married, "--no-build").exit_code == 0
    assert run(root, "build", "--no-audio").exit_code == 0
    published = text_of(build / married / "handout.pdf")
    assert "44.000" in published and "CHƯA DUYỆT" not in published
    assert not (build / ".preview" / married).exists()


def test_the_province_server_renames_an_approval_from_before_in_its_database(project):
    """An approval the server's database holds from before the library's text counted is renamed
    there (as at the server's start and before each build), so it still covers the guide."""
    from sqlalchemy import select

    from outreach import approvals
    from outreach.project import Project
    from outreach.server.approvals import mirror
    from outreach.server.db import Approval, Database

    copies = "chung-thuc-ban-sao"
    (project / "lib" / "guides").mkdir(parents=True)
    shutil.copy(BUNDLED / f"{copies}.yaml", project / "lib" / "guides")
    commune = project / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + "\nlibrary: lib\n", encoding="utf-8")
    override = "follows: chung-thuc-ban-sao\nfee: Hai nghìn đồng.\n".encode()
    (project / "content" / "guides" / f"{copies}.yaml").write_bytes(override)
    (project / "content" / "approved").mkdir()
    (project / "content" / "approved" / f"{copies}.yaml").write_bytes(override)
    database = Database(f"sqlite:///{project / 'outreach.db'}")
    database.migrate()
    with database.session.begin() as db:
        db.add(Approval(commune="xa", slug=copies, version=hashlib.sha256(override).hexdigest(),
                        approved_by="an.chutich"))
    folder = Project(project)
    with database.session.begin() as db:
        mirror(db, folder, "xa")
    with database.session.begin() as db:
        [row] = db.scalars(select(Approval))
        assert row.version == approvals.text_of(folder, copies).version != hashlib.sha256(override).hexdigest()
    assert approvals.read(folder).guides[copies].version == row.version
    assert approvals.stored(folder, copies) == approvals.text_of(folder, copies), "the library's text is kept"
    database.engine.dispose()
