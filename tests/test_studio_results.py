"""The studio's results page in Debian's chromium: the charts and the list are shown, a row of the
paper form is edited and saved into content/results.csv, and the suggested week goes into
schedule.yaml only when the officer clicks to accept it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO, copy_project
from studio_fixtures import browser, studio  # noqa: F401  (pytest fixtures: the studio in Chromium)
from test_studio import CHROMIUM, shot

from outreach.content import load_content
from outreach.project import Project

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Debian chromium is installed by `make test`")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("studio-results"), guides=True)
    for name in ("results.csv", "schedule.yaml"):
        shutil.copy(REPO / "content" / name, root / "content" / name)
    return root


@pytest.fixture
def page(browser, studio):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(studio.address)
    page.goto(f"{studio.origin}/results")
    yield page
    context.close()


def row_of(page, month: str, code: str) -> int:
    """The form row of `month` and procedure `code`."""
    for i in range(page.locator("table.figures tbody tr[id^=row-]").count()):
        if page.locator(f'[name="month.{i}"]').input_value() == month and \
                page.locator(f'[name="code.{i}"]').input_value() == code:
            return i
    raise AssertionError(f"no row {month} {code}")


def test_the_page_shows_the_charts_the_list_and_the_week(page, tmp_path):
    charts = page.locator("section.results img")
    assert charts.count() == 7
    for i in range(charts.count()):
        assert charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 300"), "each chart is drawn"
    assert "T11/2026: 26 % (42/159 hồ sơ trực tuyến)" in page.locator("section.results figcaption").first.inner_text()
    push = page.locator("ol.push > li")
    assert push.count() == 3 and push.first.inner_text().startswith("Chứng thực bản sao từ bản chính")
    assert "Tuần đẩy mạnh nộp trực tuyến" in page.locator(".week").inner_text()
    assert "trước (T6/2026–T8/2026): 19 %, sau (T9/2026–T11/2026): 39 %" in page.locator("ul.campaigns").inner_text()
    shot(page, "results", tmp_path)


def test_a_row_edited_like_a_paper_form_is_saved_into_results_csv(page, project):
    csv = project / "content" / "results.csv"
    row = row_of(page, "11/2026", "1.001193")
    page.locator(f'[name="online.{row}"]').fill("40")
    page.locator("#save-figures").click()
    page.wait_for_load_state()
    assert "số hồ sơ trực tuyến (40) lớn hơn tổng số hồ sơ (25)" in page.locator(f"#row-{row} + tr").inner_text()
    assert "2026-11,1.001193,12,25" in csv.read_text(encoding="utf-8"), "nothing written while a row is wrong"
    page.locator(f'[name="online.{row}"]').fill("13")
    blank = row_of(page, "12/2026", "1.001193")
    page.locator(f'[name="online.{blank}"]').fill("14")
    page.locator(f'[name="total.{blank}"]').fill("1.030")
    page.locator("#save-figures").click()
    page.wait_for_url("**/results?saved=1")
    text = csv.read_text(encoding="utf-8")
    assert "2026-11,1.001193,13,25\n" in text and "2026-12,1.001193,14,1030\n" in text
    assert len(text.splitlines()) == 1 + 37, "every other row kept, one month added"
    assert page.locator("#notice").inner_text() == "Đã lưu số liệu vào content/results.csv."
    assert load_content(Project(project)).problems == []


def test_the_suggested_week_goes_into_the_schedule_only_by_the_officers_click(page, project, studio):
    schedule = project / "content" / "schedule.yaml"
    before = schedule.read_text(encoding="utf-8")
    status, _ = studio.request("POST", "/results/week", {"Content-Type": "application/x-www-form-urlencoded"},
                               b"suggestion=x&base=y")
    assert status == 403 and schedule.read_text(encoding="utf-8") == before, "no Origin: refused"
    page.reload()
    assert schedule.read_text(encoding="utf-8") == before, "showing the suggestion changes nothing"
    first = page.locator("ol.push > li a").first.get_attribute("href").rsplit("/", 1)[1]
    page.locator("#accept-week").click()
    page.wait_for_url("**/results?accepted=1*")
    after = schedule.read_text(encoding="utf-8")
    assert after.startswith(before), "the officer's file and comments stay as they were, the week is added after"
    assert "- name: Tuần đẩy mạnh nộp trực tuyến" in after and 'start: "06:30"' in after
    content = load_content(Project(project))
    assert content.problems == [] and len(content.schedule.campaigns) == 4
    week = content.schedule.campaigns[-1]
    assert week.slots[0].guides[0] == week.slots[1].guides[0] == first, "the first on the list, twice a day"
    assert len(week.days) == 7
