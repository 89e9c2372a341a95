"""A guide written once serves every commune: a province's library followed, overridden, hidden and
changed, as two communes of a province server folder and a new local project see it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run

from outreach.content import check_file, load_content
from outreach.guidebuild import make_context
from outreach.library import BUNDLED_DIR
from outreach.products import BY_NAME, UNITS, render_page
from outreach.project import Project

GUIDE = "dang-ky-khai-sinh"
COMMUNES = {
    "tan-phu": {"xã An Viễn": "xã Tân Phú", "An Viễn": "Tân Phú", "0912 345 678": "0911 111 222",
                "Nguyễn Văn A": "Phạm Văn Tư", "(0251) 1022": "(0251) 3822 111"},
    "binh-loc": {"xã An Viễn": "phường Bình Lộc", "An Viễn": "Bình Lộc", "0912 345 678": "0922 333 444",
                 "Nguyễn Văn A": "Đỗ Thị Năm", "(0251) 1022": "(0251) 3999 000"},
}


def commune_yaml(changes: dict[str, str], extra: str = "") -> str:
    text = (REPO / "content" / "commune.yaml").read_text(encoding="utf-8")
    for old, new in changes.items():
        text = text.replace(old, new)
    return text + extra


@pytest.fixture
def province(tmp_path) -> Path:
    """A province server folder: DIR/library/guides/ (two guides of the bundled library) and two
    communes that follow it by the layout alone."""
    guides = tmp_path / "library" / "guides"
    guides.mkdir(parents=True)
    for slug in (GUIDE, "chung-thuc-ban-sao"):
        shutil.copy(BUNDLED_DIR / "guides" / f"{slug}.yaml", guides)
    for slug, changes in COMMUNES.items():
        content = tmp_path / "communes" / slug / "content"
        (content / "guides").mkdir(parents=True)
        (content / "commune.yaml").write_text(commune_yaml(changes), encoding="utf-8")
    return tmp_path


def commune(province: Path, slug: str) -> Path:
    return province / "communes" / slug


def texts_of(build: Path) -> dict[str, str]:
    """Every product's text: PDFs read back with pdftotext, the bulletins, SMS, sidecars and catalog."""
    found = {}
    for path in sorted(build.rglob("*")):
        if ".cache" in path.parts or not path.is_file():
            continue
        if path.suffix == ".pdf":
            found[str(path)] = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                              check=True).stdout
        elif path.suffix in (".txt", ".json", ".html"):
            found[str(path)] = path.read_text(encoding="utf-8")
    return found


def build(project: Path, *more: str):
    result = run(project, "build", "--no-audio", "-j", "1", *more)
    return result


def test_two_communes_print_their_own_names_and_contacts_and_nobody_elses(province):
    for slug, changes in COMMUNES.items():
        result = build(commune(province, slug))
        assert result.exit_code == 0, result.output
        texts = texts_of(commune(province, slug) / "build")
        assert any(path.endswith("handout.pdf") for path in texts) and any(p.endswith("sms.txt") for p in texts)
        joined = "\n".join(texts.values())
        other = next(c for s, c in COMMUNES.items() if s != slug)
        for path, text in texts.items():
            flat = " ".join(text.split())
            assert "An Viễn" not in flat and other["An Viễn"] not in flat, path
            assert other["0912 345 678"] not in flat and other["Nguyễn Văn A"] not in flat, path
        handout = " ".join(texts[str(commune(province, slug) / "build" / GUIDE / "handout.pdf")].split())
        for value in (changes["xã An Viễn"], changes["0912 345 678"], changes["Nguyễn Văn A"],
                      changes["(0251) 1022"]):
            assert value in handout or value.upper() in handout, value
        assert f"Ủy ban nhân dân {changes['xã An Viễn']}" in joined  # agency: the commune's committee


def test_a_fee_changed_once_in_the_library_reaches_both_and_an_override_survives_flagged(province):
    binh_loc = commune(province, "binh-loc")
    override = binh_loc / "content" / "guides" / f"{GUIDE}.yaml"
    override.write_text(f"# Phường thu theo nghị quyết riêng\nfollows: {GUIDE}\nfee: Phường tự ghi mức phí.\n",
                        encoding="utf-8")
    for slug in COMMUNES:
        assert build(commune(province, slug)).exit_code == 0
    library_file = province / "library" / "guides" / f"{GUIDE}.yaml"
    text = library_file.read_text(encoding="utf-8")
    library_file.write_text(text.replace("Miễn lệ phí đối với trường hợp đăng ký khai sinh đúng hạn",
                                         "Miễn lệ phí khi đăng ký khai sinh trong hạn 60 ngày"), encoding="utf-8")
    untouched = commune(province, "tan-phu") / "build" / "chung-thuc-ban-sao" / "handout.pdf"
    stamp = untouched.stat().st_mtime_ns
    tan_phu = build(commune(province, "tan-phu"))
    assert tan_phu.exit_code == 0 and "thư viện đã đổi" not in tan_phu.output
    assert untouched.stat().st_mtime_ns == stamp  # only the guide the library changed is made again
    handout = pdf_text(commune(province, "tan-phu") / "build" / GUIDE / "handout.pdf")
    assert "Miễn lệ phí khi đăng ký khai sinh trong hạn 60 ngày" in handout
    bulletin = (commune(province, "tan-phu") / "build" / GUIDE / "broadcast.txt").read_text(encoding="utf-8")
    assert "trong hạn 60 ngày" in bulletin
    flagged = build(binh_loc)
    assert flagged.exit_code == 0
    line = next(row for row in flagged.output.splitlines() if "thư viện đã đổi" in row)
    assert line.startswith(f"Cảnh báo: content/guides/{GUIDE}.yaml:3: fee: ")
    assert "trong hạn 60 ngày" in line and "xã đang dùng: «Phường tự ghi mức phí.»" in line
    assert f"outreach library review {GUIDE} --keep fee" in line
    assert "Phường tự ghi mức phí." in pdf_text(binh_loc / "build" / GUIDE / "handout.pdf")
    kept = run(binh_loc, "library", "review", GUIDE, "--keep", "fee")
    assert kept.exit_code == 0 and "giữ giá trị của xã" in kept.output
    assert "thư viện đã đổi" not in run(binh_loc, "validate").output
    assert "Phường tự ghi mức phí." in override.read_text(encoding="utf-8")


def test_taking_the_librarys_value_removes_the_commune_key_and_keeps_its_comments(province):
    binh_loc = commune(province, "binh-loc")
    override = binh_loc / "content" / "guides" / f"{GUIDE}.yaml"
    override.write_text(f"# ghi chú của phường\nfollows: {GUIDE}\nfee: Phường tự ghi mức phí.\n"
                        "promise: Khai sinh cho con tại nhà\n", encoding="utf-8")
    assert run(binh_loc, "validate").exit_code == 0
    library_file = province / "library" / "guides" / f"{GUIDE}.yaml"
    library_file.write_text(library_file.read_text(encoding="utf-8").replace("người khuyết tật. Đối",
                                                                             "người khuyết tật nặng. Đối"),
                            encoding="utf-8")
    waiting = run(binh_loc, "library", "review", GUIDE)
    assert "thư viện đã đổi" in waiting.output and "khuyết tật nặng" in waiting.output
    taken = run(binh_loc, "library", "review", GUIDE, "--take", "fee")
    assert taken.exit_code == 0, taken.output
    assert override.read_text(encoding="utf-8") == (f"# ghi chú của phường\nfollows: {GUIDE}\n"
                                                    "promise: Khai sinh cho con tại nhà\n")
    assert load_content(Project(binh_loc)).guides[GUIDE].fee.startswith("Miễn lệ phí")
    wrong = run(binh_loc, "library", "review", GUIDE, "--keep", "title")
    assert wrong.exit_code == 1 and "xã không sửa mục 'title'" in wrong.output


def test_messages_name_the_file_and_line_where_each_value_was_written(province):
    tan_phu = commune(province, "tan-phu")
    (tan_phu / "content" / "guides" / f"{GUIDE}.yaml").write_text(
        f"follows: {GUIDE}\nonline_level: toàn bộ\nstpes: []\n", encoding="utf-8")
    library_file = province / "library" / "guides" / "chung-thuc-ban-sao.yaml"
    text = library_file.read_text(encoding="utf-8").replace("    icon: pay", "    icon: maybay")
    library_file.write_text(text, encoding="utf-8")
    result = run(tan_phu, "validate")
    assert result.exit_code == 1
    assert f"content/guides/{GUIDE}.yaml:2: online_level: phải là một trong: toàn trình, một phần" in result.output
    assert f"content/guides/{GUIDE}.yaml:3: stpes: khóa không hợp lệ; có phải ý bạn là 'steps'?" in result.output
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "icon: maybay" in row)
    where = f"../../library/guides/chung-thuc-ban-sao.yaml:{line}"
    assert f"{where}: steps[1].icon: không có hình 'maybay'" in result.output


def test_a_library_guide_that_names_a_commune_is_refused_at_its_line(province):
    library_file = province / "library" / "guides" / "chung-thuc-ban-sao.yaml"
    text = library_file.read_text(encoding="utf-8")
    text = text.replace("Cán bộ có thể chụp từ bản chính", "Gọi 0911 111 222, cán bộ có thể chụp từ bản chính")
    text = text.replace("promise: ", "promise: Ở xã An Viễn, ")
    library_file.write_text(text, encoding="utf-8")
    result = build(commune(province, "tan-phu"))
    assert result.exit_code == 1
    promise = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("promise:"))
    assert (f"../../library/guides/chung-thuc-ban-sao.yaml:{promise}: promise: hướng dẫn của thư viện không được ghi "
            "riêng cho một xã ('xã An Viễn')") in result.output
    assert "('0911111222')" in result.output  # this commune's officer's phone, written in the library
    assert not (commune(province, "tan-phu") / "build" / "chung-thuc-ban-sao").exists()
    assert (commune(province, "tan-phu") / "build" / GUIDE / "handout.pdf").is_file()


def test_a_hidden_library_guide_is_not_offered_and_its_outputs_go(province):
    tan_phu = commune(province, "tan-phu")
    assert build(tan_phu).exit_code == 0
    assert (tan_phu / "build" / "chung-thuc-ban-sao" / "handout.pdf").is_file()
    (tan_phu / "content" / "guides" / "chung-thuc-ban-sao.yaml").write_text(
        "follows: chung-thuc-ban-sao\nhidden: true\n", encoding="utf-8")
    result = build(tan_phu)
    assert result.exit_code == 0, result.output
    assert "Đã xóa các tệp trong build/chung-thuc-ban-sao/: xã không còn hướng dẫn này" in result.output
    assert not (tan_phu / "build" / "chung-thuc-ban-sao").exists()
    assert "Chứng thực" not in (tan_phu / "build" / "index.html").read_text(encoding="utf-8")
    (tan_phu / "content" / "guides" / f"{GUIDE}.yaml").write_text(f"follows: {GUIDE}\nhidden: có lẽ\n",
                                                                 encoding="utf-8")
    wrong = run(tan_phu, "validate")
    assert f"content/guides/{GUIDE}.yaml:2: hidden: phải là true (ẩn hướng dẫn này) hoặc false" in wrong.output
    (tan_phu / "content" / "guides" / f"{GUIDE}.yaml").unlink()
    status = run(tan_phu, "library", "status")
    assert "chung-thuc-ban-sao: xã ẩn hướng dẫn này" in status.output
    assert f"{GUIDE}: theo thư viện" in status.output


def test_library_update_shows_what_changed_and_notes_it(province):
    tan_phu = commune(province, "tan-phu")
    assert run(tan_phu, "validate").exit_code == 0  # first sight: the library's values are noted
    assert (tan_phu / "content" / "library-seen" / f"{GUIDE}.yaml").is_file()
    library = province / "library" / "guides"
    shutil.copy(BUNDLED_DIR / "guides" / "dang-ky-ket-hon.yaml", library)
    text = (library / f"{GUIDE}.yaml").read_text(encoding="utf-8")
    (library / f"{GUIDE}.yaml").write_text(text.replace("result: Giấy khai sinh (bản chính và bản điện tử)",
                                                        "result: Giấy khai sinh"), encoding="utf-8")
    result = run(tan_phu, "library", "update")
    assert result.exit_code == 0, result.output
    assert f"{GUIDE}: result: «Giấy khai sinh (bản chính và bản điện tử)» → «Giấy khai sinh»" in result.output
    assert "dang-ky-ket-hon: hướng dẫn mới của thư viện: Đăng ký kết hôn" in result.output
    assert "Thư viện không có gì mới." in run(tan_phu, "library", "update").output


def test_unconfirmed_facts_are_marked_on_the_officers_preview_only(province):
    tan_phu = commune(province, "tan-phu")
    assert build(tan_phu).exit_code == 0
    project = Project(tan_phu)
    content = load_content(project)
    guide = content.guides[GUIDE]
    assert "fee" in guide.unconfirmed
    preview, _ = render_page(make_context(project, content, "espeak-ng", {}), BY_NAME["handout"].page, guide)
    first_line = pdf_bytes_text(preview).splitlines()[0]
    assert first_line.startswith("BẢN XEM TRƯỚC CHO CÁN BỘ – chưa xác nhận: phí, lệ phí;")
    assert "XEM TRƯỚC" not in pdf_text(tan_phu / "build" / GUIDE / "handout.pdf")
    warning = run(tan_phu, "validate").output
    assert f"outreach/../library/guides/{GUIDE}.yaml" not in warning
    assert "unconfirmed: chưa xác nhận: phí, lệ phí;" in warning
    (tan_phu / "content" / "guides" / f"{GUIDE}.yaml").write_text(f"follows: {GUIDE}\nunconfirmed: []\n",
                                                                 encoding="utf-8")
    confirmed = load_content(project).guides[GUIDE]
    assert confirmed.unconfirmed == []


def pdf_text(path: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def pdf_bytes_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize("path", sorted((BUNDLED_DIR / "guides").glob("*.yaml")), ids=lambda p: p.stem)
def test_each_library_guide_says_where_its_facts_come_from_in_current_terms(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["sources"] and data["last_checked"]
    assert data["unconfirmed"] == [] or "CHƯA" in data["notes"]  # what is unconfirmed is said, and why
    text = path.read_text(encoding="utf-8")
    for outdated in ("huyện", "Bộ phận Tiếp nhận", "chứng minh nhân dân", "mức độ 3", "mức độ 4"):
        assert outdated not in text, outdated


def test_init_with_a_name_follows_the_bundled_library_and_prints_only_that_name(tmp_path):
    target = tmp_path / "xa-tan-phu"
    result = run(tmp_path, "init", str(target), "--name", "xã Tân Phú", "--no-audio")
    assert result.exit_code == 0, result.output
    assert "theo thư viện có sẵn" in result.output
    assert not list((target / "content" / "guides").iterdir())
    library = sorted(p.stem for p in (BUNDLED_DIR / "guides").glob("*.yaml"))
    built = sorted(p.name for p in (target / "build").iterdir() if (p / "handout.pdf").is_file())
    assert built == library  # every library guide validates and its A4 handout fits one page
    texts = texts_of(target / "build")
    printed = [u for u in UNITS if u.kind == "pdf" and not u.print_shop]
    assert len([p for p in texts if p.endswith(".pdf")]) >= len(printed) * len(library)
    for path, text in texts.items():
        assert "An Viễn" not in " ".join(text.split()) and "AN VIỄN" not in text, path
    for slug in library:
        handout = " ".join(texts[str(target / "build" / slug / "handout.pdf")].split())
        assert "XÃ TÂN PHÚ" in handout, slug
    assert "xã Tân Phú" in (target / "build" / GUIDE / "broadcast.txt").read_text(encoding="utf-8")
    voiced = run(target, "build", "--only", GUIDE, "--engine", "espeak-ng", "-j", "1")
    assert voiced.exit_code == 0, voiced.output
    sidecar = json.loads((target / "build" / GUIDE / "broadcast.json").read_text(encoding="utf-8"))
    assert "xã Tân Phú" in sidecar["text"] and "An Viễn" not in json.dumps(sidecar, ensure_ascii=False)
    clips = (target / "build" / GUIDE / "meeting" / "index.json").read_text(encoding="utf-8")
    assert "An Viễn" not in clips
    refused = run(tmp_path, "init", str(tmp_path / "khac"), "--name", "Tân Phú")
    assert refused.exit_code == 1 and "cần có chữ xã, phường hoặc đặc khu" in refused.output


def test_show_says_where_each_value_comes_from_and_only_builds_a_library_guide(province):
    tan_phu = commune(province, "tan-phu")
    (tan_phu / "content" / "guides" / f"{GUIDE}.yaml").write_text(f"follows: {GUIDE}\n# của xã\nfee: Miễn lệ phí.\n",
                                                                 encoding="utf-8")
    shown = run(tan_phu, "library", "show", GUIDE).output.splitlines()
    assert f"fee: xã (content/guides/{GUIDE}.yaml:3)" in shown
    code = next(n for n, row in enumerate((BUNDLED_DIR / "guides" / f"{GUIDE}.yaml").read_text(
        encoding="utf-8").splitlines(), 1) if row.startswith("code:"))
    assert f"code: thư viện (../../library/guides/{GUIDE}.yaml:{code})" in shown
    assert "agency: thông tin của xã (content/commune.yaml:6)" in shown
    only = run(tan_phu, "build", "--no-audio", "--only", "chung-thuc-ban-sao")
    assert only.exit_code == 0, only.output
    assert (tan_phu / "build" / "chung-thuc-ban-sao" / "handout.pdf").is_file()
    assert not (tan_phu / "build" / GUIDE).exists()


def test_a_librarys_templates_give_every_commune_the_same_look(province):
    templates = province / "library" / "templates"
    templates.mkdir()
    bulletin = (REPO / "templates" / "broadcast.txt.j2").read_text(encoding="utf-8")
    (templates / "broadcast.txt.j2").write_text(bulletin.replace("Kính thưa bà con", "Thân mời bà con"),
                                                encoding="utf-8")
    for slug in COMMUNES:
        assert build(commune(province, slug)).exit_code == 0
        said = (commune(province, slug) / "build" / GUIDE / "broadcast.txt").read_text(encoding="utf-8")
        assert said.startswith(f"Thân mời bà con {COMMUNES[slug]['xã An Viễn']}.")


def test_the_studio_judges_a_commune_file_with_the_library_under_it(province):
    tan_phu = commune(province, "tan-phu")
    path = tan_phu / "content" / "guides" / f"{GUIDE}.yaml"
    path.write_text(f"follows: {GUIDE}\nfee: Miễn lệ phí.\n", encoding="utf-8")
    assert check_file(Project(tan_phu), path)[0] == []
    path.write_text(f"follows: {GUIDE}\nfee: ''\n", encoding="utf-8")
    problems = check_file(Project(tan_phu), path)[0]
    assert [str(p) for p in problems] == [f"content/guides/{GUIDE}.yaml:2: fee: không được để trống"]


def test_new_with_a_library_guides_name_writes_a_file_that_follows_it(province):
    tan_phu = commune(province, "tan-phu")
    result = run(tan_phu, "new", GUIDE)
    assert result.exit_code == 0 and "Thư viện đã có hướng dẫn" in result.output
    written = (tan_phu / "content" / "guides" / f"{GUIDE}.yaml").read_text(encoding="utf-8")
    assert written.endswith(f"follows: {GUIDE}\n")
    checked = run(tan_phu, "validate")
    assert checked.exit_code == 0, checked.output
    assert f"{GUIDE}: theo thư viện (content/guides/{GUIDE}.yaml)" in run(tan_phu, "library", "status").output
