"""The studio's form behaves like a form, driven in Debian's chromium (Playwright): a phone photo is
made small and upright before upload, list buttons change the form and not the file, dates are typed
as officers write them, a stale save says what differs, pasted Word text is cleaned and said so."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from conftest import copy_project, run
from studio_fixtures import browser, page, studio  # noqa: F401  (pytest fixtures: the studio in Chromium)
from test_studio import CHROMIUM, Running

from outreach.yamlsource import load_yaml

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Debian chromium is installed by `make test`")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("officer"), guides=True)


def save(page) -> None:
    page.locator(".savebar button.primary").first.click()
    page.wait_for_load_state()


def data_of(project: Path, slug: str) -> dict:
    path = project / "content" / "guides" / f"{slug}.yaml"
    return load_yaml(path, path.name).data


def big_phone_photo() -> bytes:
    """Over the 10 MB upload cap, as a phone's 12-megapixel photo is, stored sideways (orientation 6)."""
    from PIL import Image

    image = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))
    image.paste((0, 0, 0), (0, 0, 1000, 3000))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def test_a_phone_photo_over_the_cap_is_shrunk_upright_and_the_other_edits_are_kept(page, studio, project):
    from PIL import Image

    photo = big_phone_photo()
    assert len(photo) > 10 * 1024 * 1024
    page.goto(f"{studio.origin}/guides/dang-ky-khai-tu")
    page.fill('[name="fee"]', "Miễn lệ phí (sửa cùng lúc với ảnh)")
    page.set_input_files('[name="steps.0.image.upload"]', files=[
        {"name": "IMG_20261125.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    page.wait_for_function("() => /thu nhỏ từ/.test(document.querySelector('.photo-note')?.textContent || '')")
    assert "MB" in page.inner_text(".photo-note"), "the officer is told the photo was made smaller"
    save(page)
    data = data_of(project, "dang-ky-khai-tu")
    assert data["fee"] == "Miễn lệ phí (sửa cùng lúc với ảnh)", "the form's other edit was saved with the photo"
    stored = project / "content" / data["steps"][0]["image"]
    assert stored.stat().st_size < 10 * 1024 * 1024
    with Image.open(stored) as image:
        assert max(image.size) <= 2400 and image.height > image.width, "upright, at print size"
        assert image.getpixel((image.width // 2, 10))[0] < 60, "the dark band is on top, as on the phone"


def test_a_small_sideways_photo_is_stored_upright_by_the_server(page, studio, project):
    from PIL import Image
    from test_officer_print import phone_photo

    page.goto(f"{studio.origin}/guides/dang-ky-khai-tu")
    page.set_input_files('[name="steps.1.image.upload"]', files=[
        {"name": "nho.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}])
    save(page)
    with Image.open(project / "content" / data_of(project, "dang-ky-khai-tu")["steps"][1]["image"]) as image:
        assert image.size == (200, 400) and image.getexif().get(0x0112, 1) == 1


def test_pasted_word_text_loses_its_markers_and_wrapping_quotes_and_the_page_says_so(page, studio, project):
    page.goto(f"{studio.origin}/guides/dang-ky-ket-hon")
    page.fill('[name="key_messages.0"]',
              "•\tĐăng ký kết hôn không mất lệ phí.\n◦\tMang theo căn cước của cả hai người.")
    page.fill('[name="key_messages.2"]', "3) Cô dâu và chú rể cùng có mặt - ký tên trước cán bộ.")
    page.fill('[name="fee"]', "“Miễn lệ phí”")
    page.fill('[name="faq.0.answer"]', 'Thường là không. Ghi "độc thân" vào ô tình trạng hôn nhân.')
    page.fill('[name="steps.0.text"]', "1.\tĐăng nhập VNeID mức 2, chọn dịch vụ.")
    save(page)
    data = data_of(project, "dang-ky-ket-hon")
    assert data["key_messages"][:2] == ["Đăng ký kết hôn không mất lệ phí.", "Mang theo căn cước của cả hai người."]
    assert data["key_messages"][2].startswith("Nộp hồ sơ tại nhà"), "the next item moved down, unchanged"
    assert data["key_messages"][3] == "Cô dâu và chú rể cùng có mặt - ký tên trước cán bộ.", "a dash inside stays"
    assert data["fee"] == "Miễn lệ phí"
    assert data["faq"][0]["answer"] == 'Thường là không. Ghi "độc thân" vào ô tình trạng hôn nhân.', "inner quotes stay"
    assert data["steps"][0]["text"] == "Đăng nhập VNeID mức 2, chọn dịch vụ."
    said = page.inner_text("#cleaned")
    assert "Thông điệp chính — mục 1" in said and "tách danh sách" in said
    assert "ngoặc kép" in said and "dấu đầu dòng" in said
    assert len(said.splitlines()) == 6, f"only what was changed is named: {said}"
    assert run(project, "validate", "--only", "dang-ky-ket-hon").exit_code == 0


# --- outputs that no longer match the commune's settings -----------------------------------------

@pytest.fixture(scope="module")
def two_built(tmp_path_factory):
    """Two guides built for print, served by a studio of their own."""
    from conftest import starter, write_guide

    root = copy_project(tmp_path_factory.mktemp("two"), guides=False)
    write_guide(root, "mot", starter(root, "mot").replace("title: Đăng ký khai sinh", "title: Đăng ký kết hôn"))
    starter(root, "hai")
    assert run(root, "build", "--no-audio", "-j", "1").exit_code == 0
    running = Running(root)
    yield root, running
    running.stop()


def states(running) -> dict[str, str]:
    import re

    listed = running.request("GET", "/")[1]
    return {slug: state for slug, state in re.findall(r'<tr data-search="(\w+).*?<span class="state \w+">([^<]+)<',
                                                      listed, re.S)}


def test_after_the_communes_settings_change_stale_outputs_say_so_and_are_not_joined(browser, two_built):
    import subprocess

    root, running = two_built
    assert states(running) == {"hai": "hợp lệ", "mot": "hợp lệ"}
    page = browser.new_page()
    page.goto(running.address)
    page.goto(f"{running.origin}/commune")
    page.fill('[name="hotlines.0.number"]', "(0251) 3822 123")
    save(page)
    page.close()
    assert states(running) == {"hai": "cần tạo lại", "mot": "cần tạo lại"}, "the guides page says so"
    assert "Cần tạo lại" in running.request("GET", "/guides/hai")[1], "and the guide's own list of files"
    catalog = (root / "build" / "index.html").read_text(encoding="utf-8")
    assert "Cần tạo lại: hai, mot" in catalog, "the catalog on disk says so at once"
    assert run(root, "build", "--only", "mot", "--no-audio", "-j", "1").exit_code == 0
    assert states(running) == {"hai": "cần tạo lại", "mot": "hợp lệ"}
    catalog = (root / "build" / "index.html").read_text(encoding="utf-8")
    assert "Cần tạo lại: hai." in catalog
    joined = subprocess.run(["pdftotext", str(root / "build" / "handouts.pdf"), "-"], capture_output=True,
                            text=True, check=True).stdout
    assert "(0251) 3822 123" in joined and "(0251) 1022" not in joined, "no stale page in the joined PDF"
    assert joined.count("\f") == 1 and "Đăng ký kết hôn" in joined, "only the current guide's page"


# --- list buttons change the form, not the file ---------------------------------------------------

def test_list_buttons_change_the_form_and_only_save_writes(page, studio, project):
    path = project / "content" / "guides" / "dang-ky-thuong-tru.yaml"
    noted = path.read_text(encoding="utf-8").replace("\nsteps:\n", "\n# các bước: ghi chú của cán bộ\nsteps:\n")
    path.write_text(noted, encoding="utf-8")
    before_bytes, before = path.read_bytes(), data_of(project, "dang-ky-thuong-tru")
    page.goto(f"{studio.origin}/guides/dang-ky-thuong-tru")
    page.click('button[value="down:steps.0"]')
    page.wait_for_load_state()
    assert page.locator('[name="steps.0.title"]').input_value() == before["steps"][1]["title"]
    assert page.locator("#unsaved").is_visible() and path.read_bytes() == before_bytes, "nothing written yet"
    page.click('button[value="remove:faq.0"]')
    page.wait_for_load_state()
    count = len(before["key_messages"])
    page.click('button[value="add:key_messages"]')
    page.wait_for_load_state()
    assert path.read_bytes() == before_bytes, "three buttons, and the file is as it was"
    fresh = page.locator(f'[name="key_messages.{count}"]')
    assert fresh.input_value() == "" and problems_of(page, f"key_messages-{count}") == "", "not red before typing"
    assert page.locator(f"#f-key_messages-{count}.has-problem").count() == 0
    assert page.locator('[name="steps.0.title"]').input_value() == before["steps"][1]["title"], "the move is kept"
    fresh.fill("Mang theo căn cước khi đến xã.")
    save(page)
    after = data_of(project, "dang-ky-thuong-tru")
    assert [s["title"] for s in after["steps"]] == [before["steps"][1]["title"], before["steps"][0]["title"],
                                                    *[s["title"] for s in before["steps"][2:]]]
    assert after["steps"][0] == before["steps"][1], "each step moved whole"
    assert after["faq"] == before["faq"][1:]
    assert after["key_messages"] == [*before["key_messages"], "Mang theo căn cước khi đến xã."]
    assert "# các bước: ghi chú của cán bộ\nsteps:" in path.read_text(encoding="utf-8")


def test_an_empty_required_field_says_chua_dien_in_the_studio_and_the_file_wording_in_the_cli(page, studio, project):
    page.goto(f"{studio.origin}/guides/chung-thuc-ban-sao")
    page.fill('[name="fee"]', "")
    save(page)
    assert "chưa điền" in problems_of(page, "fee") and "dấu hai chấm" not in problems_of(page, "fee")
    said = run(project, "validate", "--only", "chung-thuc-ban-sao").output
    assert "fee: còn để trống; hãy điền nội dung sau dấu hai chấm" in said


def problems_of(page, anchor: str) -> str:
    box = page.locator(f"#f-{anchor}-problems")
    return box.inner_text() if box.count() else ""


def test_dates_are_typed_as_officers_write_them_whatever_the_browsers_locale(browser, studio, project):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(studio.address)
    page.goto(f"{studio.origin}/guides/dang-ky-khai-tu")
    box = page.locator('[name="last_checked"]')
    assert box.get_attribute("type") == "text" and re.fullmatch(r"\d\d/\d\d/\d{4}", box.input_value())
    box.fill("31022026")
    assert box.evaluate("e => e.validity.patternMismatch"), "a date without separators is not taken as another date"
    box.fill("31/02/2026")
    page.wait_for_function("() => /không có ngày 31\\/2\\/2026/.test("
                           "document.getElementById('f-last_checked-problems')?.textContent || '')")
    save(page)
    assert "không có ngày 31/2/2026" in problems_of(page, "last_checked"), "under its field, after the save too"
    assert "last_checked: 31/02/2026" in (project / "content" / "guides" / "dang-ky-khai-tu.yaml").read_text("utf-8")
    page.locator('[name="last_checked"]').fill("25/11/2026")
    save(page)
    assert problems_of(page, "last_checked") == ""
    assert data_of(project, "dang-ky-khai-tu")["last_checked"] == "25/11/2026", "kept as the officer wrote it"
    context.close()


def test_two_tabs_a_refused_save_shows_what_differs_and_save_anyway_writes_the_form(browser, studio, project):
    context = browser.new_context()
    first, second = context.new_page(), context.new_page()
    first.goto(studio.address)
    for tab in (first, second):
        tab.goto(f"{studio.origin}/guides/chung-thuc-ban-sao")
    promise = first.locator('[name="promise"]').input_value()
    second.fill('[name="promise"]', "Khai ở nhà, đến xã đối chiếu bản chính")
    save(second)
    first.fill('[name="fee"]', "2.000 đồng/trang")
    save(first)
    assert first.locator('table.differs a[href="#f-promise"]').count() == 1, "each differing field, linked"
    rows = first.locator("table.differs tbody tr").all_inner_texts()
    assert len(rows) == 2, rows
    assert any(promise in row and "Khai ở nhà, đến xã đối chiếu bản chính" in row for row in rows)
    assert any("2.000 đồng/trang" in row for row in rows)
    assert "bản đang lưu trong tệp" in first.inner_text("#preview h2"), "the preview is the file's, and says so"
    save(first)  # save anyway: exactly what the form shows
    data = data_of(project, "chung-thuc-ban-sao")
    assert data["promise"] == promise and data["fee"] == "2.000 đồng/trang"
    context.close()


def test_files_to_send_come_first_download_under_the_procedures_name_and_the_preview_enlarges(browser, two_built):
    import subprocess

    root, running = two_built
    context = browser.new_context()
    page = context.new_page()
    page.goto(running.address)
    page.goto(f"{running.origin}/guides/mot")
    first = page.locator("#outputs li a").first
    assert first.inner_text() == "Ảnh tờ hướng dẫn (gửi Zalo)", "the files to send are at the top"
    answer = context.request.get(f"{running.origin}{first.get_attribute('href')}")
    assert answer.ok and answer.headers["content-disposition"].startswith("attachment")
    assert 'filename="mot-to-huong-dan.jpg"' in answer.headers["content-disposition"]
    zoom = page.locator("#zoom").get_attribute("href")
    enlarged = context.request.get(f"{running.origin}{zoom}")
    assert enlarged.headers["content-type"] == "application/pdf"
    pdf = root / "enlarged.pdf"
    pdf.write_bytes(enlarged.body())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Giấy chứng sinh" in text, "the documents list can be read enlarged, line by line"
    context.close()


def test_the_zip_holds_each_file_once(tmp_path):
    import zipfile

    from outreach.share import folder_zip

    folder = tmp_path / "dang-ky-khai-sinh"
    (folder / "share").mkdir(parents=True)
    (folder / "broadcast.mp3").write_bytes(b"ID3 the bulletin")
    (folder / "share" / "dang-ky-khai-sinh.mp3").write_bytes(b"ID3 the bulletin")
    (folder / "handout.pdf").write_bytes(b"%PDF-1.7 page")
    names = zipfile.ZipFile(io.BytesIO(folder_zip(folder, set()))).namelist()
    assert names == ["dang-ky-khai-sinh/handout.pdf", "dang-ky-khai-sinh/share/dang-ky-khai-sinh.mp3"]


def test_the_studio_names_each_sample_value_under_its_field(page, studio):
    page.goto(f"{studio.origin}/commune")
    for anchor in ("name", "desk-address", "desk-hours", "hotlines-0-number", "contacts-0-name", "contacts-0-phone"):
        assert "giá trị mẫu" in problems_of(page, anchor), anchor
    assert "giá trị mẫu" not in problems_of(page, "province")
