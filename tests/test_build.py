"""Building: bad guides are skipped and reported, good ones still built, text never becomes markup."""

from __future__ import annotations


from conftest import run, starter, tool, write_guide
from outreach.atomic import LEFTOVERS


def test_invalid_guide_is_reported_valid_guide_still_built_old_output_kept(project):
    write_guide(project, "tot", starter(project, "tot"))
    write_guide(project, "hong", starter(project, "hong"))
    assert run(project, "build").exit_code == 0
    old = (project / "build" / "hong" / "handout.pdf").read_bytes()

    write_guide(project, "hong", "title: [")
    result = run(project, "build")
    assert result.exit_code == 1
    assert "content/guides/hong.yaml:1: (tệp): lỗi cú pháp YAML" in result.output
    assert (project / "build" / "hong" / "handout.pdf").read_bytes() == old
    assert (project / "build" / "tot" / "handout.pdf").stat().st_size > 5_000
    assert not list((project / "build").glob(LEFTOVERS))  # no temp file of a failed unit stays


def test_markup_in_text_is_printed_not_interpreted(project):
    text = starter(project).replace(
        "text: Vào Cổng dịch vụ công,", 'text: <b>đậm</b> <img src="file:///etc/hostname"> Vào Cổng dịch vụ công,')
    write_guide(project, "thu-tuc", text)
    assert run(project, "build").exit_code == 0
    page = tool("pdftotext", str(project / "build" / "thu-tuc" / "handout.pdf"), "-")
    assert '<b>đậm</b> <img src="file:///etc/hostname">' in " ".join(page.split())


def test_too_long_guide_is_an_error_not_a_second_page(project):
    text = starter(project).replace(
        "text: Tìm dịch vụ Đăng ký khai sinh, điền tờ khai rồi bấm Gửi.", "text: " + "Nội dung rất dài. " * 12)
    documents = "".join(f"  - name: Giấy tờ số {i} có tên rất dài để chiếm chỗ trên trang giấy\n"
                        f"    form: Mẫu số {i} kèm theo thông tư hướng dẫn\n"
                        "    note: Bản sao có chứng thực, còn hạn, chụp rõ cả hai mặt\n" for i in range(9))
    text = text.replace("documents:\n", "documents:\n" + documents, 1)
    write_guide(project, "thu-tuc", text)
    result = run(project, "build")
    assert result.exit_code == 1
    assert "content/guides/thu-tuc.yaml:1: (tệp): nội dung quá dài cho handout.pdf" in result.output
    assert not (project / "build" / "thu-tuc" / "handout.pdf").exists()
    assert (project / "build" / "thu-tuc" / "handout-large.pdf").exists()


def test_step_picture_from_content_is_downscaled_into_the_pdf(project):
    from PIL import Image

    (project / "content" / "images").mkdir()
    Image.new("RGB", (4000, 3000), "white").save(project / "content" / "images" / "man-hinh.jpg", quality=95)
    text = starter(project).replace("    icon: login\n", "    icon: login\n    image: images/man-hinh.jpg\n")
    write_guide(project, "anh", text)
    assert run(project, "build", "--only", "anh").exit_code == 0
    listing = tool("pdfimages", "-list", str(project / "build" / "anh" / "handout-large.pdf"))
    sizes = [tuple(map(int, row.split()[3:5])) for row in listing.splitlines()[2:]]
    assert (1000, 750) in sizes


def test_only_builds_one_guide_and_refuses_unknown(project):
    write_guide(project, "mot", starter(project, "mot"))
    write_guide(project, "hai", starter(project, "hai"))
    assert run(project, "build", "--only", "mot").exit_code == 0
    assert (project / "build" / "mot" / "poster.pdf").exists()
    assert not (project / "build" / "hai").exists()
    result = run(project, "build", "--only", "ba")
    assert result.exit_code == 1 and "content/guides/ba.yaml" in result.output


def test_template_error_names_the_template_and_line(project):
    path = project / "templates" / "poster.html.j2"
    title = "{{ guide.title | keep_together }}"
    path.write_text(path.read_text(encoding="utf-8").replace(title, title[:-1]), encoding="utf-8")
    write_guide(project, "thu-tuc", starter(project))
    result = run(project, "build")
    assert result.exit_code == 1
    assert "templates/poster.html.j2:" in result.output and "lỗi trong mẫu trình bày" in result.output
    assert (project / "build" / "thu-tuc" / "handout.pdf").exists()


def test_commune_logo_is_printed_on_every_product(project):
    from PIL import Image

    (project / "content" / "images").mkdir()
    Image.new("RGB", (300, 300), "black").save(project / "content" / "images" / "logo.png")
    commune = project / "content" / "commune.yaml"
    commune.write_text(commune.read_text(encoding="utf-8") + "logo: images/logo.png\n", encoding="utf-8")
    write_guide(project, "thu-tuc", starter(project))
    assert run(project, "build", "--no-audio").exit_code == 0
    for product in ("handout", "handout-large", "poster"):
        listing = tool("pdfimages", "-list", str(project / "build" / "thu-tuc" / f"{product}.pdf"))
        assert "300   300" in listing, product


def test_missing_commune_settings_are_named(project):
    (project / "content" / "commune.yaml").unlink()
    result = run(project, "validate")
    assert result.exit_code == 1
    assert "content/commune.yaml:1: (tệp): không tìm thấy tệp" in result.output


def test_print_shop_files_have_bleed_crop_area_and_pdfa_marking(project):
    import re
    import subprocess

    write_guide(project, "thu-tuc", starter(project))
    assert run(project, "build", "--no-audio", "--print").exit_code == 0
    for name, (width, height) in (("handout", (595.28, 841.89)), ("poster", (841.89, 1190.55))):
        pdf = project / "build" / "thu-tuc" / "print" / f"{name}.pdf"
        boxes = tool("pdfinfo", "-box", str(pdf))
        trim = [float(v) for v in re.search(r"TrimBox:\s+(.+)", boxes).group(1).split()]
        bleed = [float(v) for v in re.search(r"BleedBox:\s+(.+)", boxes).group(1).split()]
        assert trim == [0.0, 0.0, width, height]
        assert [round(b - t, 1) for b, t in zip(bleed, trim)] == [-8.5, -8.5, 8.5, 8.5]  # 3 mm
        assert 'pdfaid:part="3" pdfaid:conformance="B"' in tool("pdfinfo", "-meta", str(pdf))
        subprocess.run(["qpdf", "--check", str(pdf)], check=True, capture_output=True)
    assert not (project / "build" / "thu-tuc" / "print" / "handout-large.pdf").exists()
