"""The broadcast schedule: validated (unknown guides, overlaps), playlists and the wall chart."""

from __future__ import annotations

import json

from conftest import line_of, run, starter, tool, write_guide

SCHEDULE = """campaigns:
  - name: Tháng cao điểm
    start: 2026-12-01
    end: 2026-12-31
    days: [thứ hai, thứ tư]
    slots:
      - start: "06:00"
        end: "06:10"
        guides: [mot, hai]
      - start: "17:30"
        end: "17:31"
        guides: [hai]
        priority: ưu tiên
"""


def test_playlists_with_real_durations_and_wall_chart(project):
    write_guide(project, "mot", starter(project, "mot"))
    write_guide(project, "hai", starter(project, "hai").replace("title: Đăng ký khai sinh", "title: Đăng ký kết hôn"))
    (project / "content" / "schedule.yaml").write_text(SCHEDULE, encoding="utf-8")
    result = run(project, "build", "--engine", "espeak-ng")
    assert result.exit_code == 0, result.output
    lines = (project / "build" / "schedule" / "01-0600.m3u").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    for slug, title, (info, path) in zip(("mot", "hai"), ("Đăng ký khai sinh", "Đăng ký kết hôn"),
                                         zip(lines[1::2], lines[2::2])):
        seconds = json.loads((project / "build" / slug / "broadcast.json").read_text(encoding="utf-8"))["duration_seconds"]
        assert info == f"#EXTINF:{round(seconds)},{title}"
        assert path == f"../{slug}/broadcast.mp3" and (project / "build" / "schedule" / path).is_file()
    assert "build/schedule/01-1730.m3u: các bản tin dài" in result.output and "quá khung 17:30–17:31" in result.output
    chart = " ".join(tool("pdftotext", str(project / "build" / "schedule" / "schedule.pdf"), "-").split())
    assert "Lịch phát thanh tuyên truyền dịch vụ công trực tuyến" in chart
    assert "06:00–06:10" in chart and "Mức ưu tiên" in chart and "1. Đăng ký khai sinh" in chart
    assert "A4" in tool("pdfinfo", str(project / "build" / "schedule" / "schedule.pdf"))
    catalog = (project / "build" / "index.html").read_text(encoding="utf-8")  # linked at the catalog's top
    for href, label in (("schedule/schedule.pdf", "Lịch phát thanh (PDF)"),
                        ("schedule/01-0600.m3u", "Danh sách phát khung 01-0600"),
                        ("schedule/01-1730.m3u", "Danh sách phát khung 01-1730")):
        assert f'<a href="{href}">{label}</a>' in catalog


def test_unknown_guides_and_overlaps_are_named(project):
    write_guide(project, "mot", starter(project, "mot"))
    text = SCHEDULE.replace("guides: [mot, hai]", "guides: [mot, khong-co]").replace('start: "17:30"', 'start: "06:05"')
    text = text.replace('end: "17:31"', 'end: "06:20"').replace("guides: [hai]", "guides: [mot]")
    (project / "content" / "schedule.yaml").write_text(text, encoding="utf-8")
    result = run(project, "validate")
    assert result.exit_code == 1
    assert (f"content/schedule.yaml:{line_of(text, 'khong-co')}: campaigns[0].slots[0].guides[1]: "
            "không có hướng dẫn content/guides/khong-co.yaml") in result.output
    assert (f"content/schedule.yaml:{line_of(text, '06:05')}: campaigns[0].slots[1].start: trùng giờ với khung "
            "06:00–06:10 của đợt 'Tháng cao điểm'") in result.output
