"""The studio on a commune that follows the bundled library (README "Library"): every library guide is
listed and opens in the editor with its layered values, each field saying whose value it shows; a save
writes only what differs from the library into content/guides/<slug>.yaml; "dùng lại của thư viện"
and the "thư viện đã đổi" notice's keep/take act on that file. Chromium for the officer's story,
plain HTTP for what the file holds."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from conftest import REPO
from studio_fixtures import browser, page, studio  # noqa: F401  (pytest fixtures: the studio in Chromium)
from test_studio import CHROMIUM

from outreach.library import BUNDLED_DIR
from outreach.project import Project

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Debian chromium is installed by `make test`")
GUIDE = "dang-ky-khai-sinh"
LIBRARY_GUIDES = sorted(p.stem for p in (BUNDLED_DIR / "guides").glob("*.yaml"))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A commune with no guide of its own that follows the bundled library."""
    root = tmp_path_factory.mktemp("follows")
    (root / "content" / "guides").mkdir(parents=True)
    commune = (REPO / "content" / "commune.yaml").read_text(encoding="utf-8")
    (root / "content" / "commune.yaml").write_text(commune + "library: bundled\n", encoding="utf-8")
    return root


def override(project: Path, slug: str = GUIDE) -> dict | None:
    path = project / "content" / "guides" / f"{slug}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def library_value(key: str, slug: str = GUIDE):
    return yaml.safe_load((BUNDLED_DIR / "guides" / f"{slug}.yaml").read_text(encoding="utf-8"))[key]


def form_of(studio, project: Path, slug: str) -> dict[str, str]:
    """The editor's form as a browser would send it untouched (from the page itself)."""
    from outreach.library import followed
    from outreach.studio import forms
    from outreach.studio.app import GUIDE_SCHEMA

    found = followed(Project(project), slug)
    assert found is not None
    fields = forms.fields_of(GUIDE_SCHEMA, found.guide.data)
    status, body = studio.request("GET", f"/guides/{slug}")
    base = re.search(r'name="base" value="([^"]*)"', body)
    assert status == 200 and base
    return {"base": base.group(1), **forms.submitted(fields)}


def post(studio, path: str, values: dict[str, str]) -> tuple[int, str]:
    return studio.request("POST", path, body=urlencode(values).encode(),
                          headers={"Origin": studio.origin, "Content-Type": "application/x-www-form-urlencoded"})


def test_every_library_guide_is_listed_and_opens(studio):
    status, body = studio.request("GET", "/")
    assert status == 200
    assert f"{len(LIBRARY_GUIDES)} hướng dẫn." in body
    assert all(f'href="/guides/{slug}"' in body for slug in LIBRARY_GUIDES)
    status, body = studio.request("GET", f"/guides/{GUIDE}")
    assert status == 200 and "Đăng ký khai sinh" in body
    assert "outreach/library/guides/dang-ky-khai-sinh.yaml" in body
    assert 'id="f-title-from">thư viện' in body and f"follows: {GUIDE}\n</textarea>" in body
    assert studio.request("GET", "/guides/khong-co-thu-tuc-nay")[0] == 404


def test_the_form_is_judged_while_typing_as_the_library_and_the_commune_together(studio, project):
    slug = "dang-ky-tam-tru"
    values = {**form_of(studio, project, slug), "fee": "", "processing_time": "Trong ngày"}
    status, body = post(studio, f"/guides/{slug}/check", values)
    assert status == 200
    judged = json.loads(body)
    assert judged["count"] == 1 and "chưa điền" in judged["fields"]["f-fee"]["problems"][0]
    assert override(project, slug) is None, "nothing written while typing"



def test_a_library_guide_followed_under_another_name_opens_by_that_name(studio, project):
    (project / "content" / "guides" / "khai-tu.yaml").write_text("follows: dang-ky-khai-tu\n", encoding="utf-8")
    try:
        status, body = studio.request("GET", "/")
        assert 'href="/guides/khai-tu"' in body and 'href="/guides/dang-ky-khai-tu"' not in body
        assert studio.request("GET", "/guides/khai-tu")[0] == 200
        assert studio.request("GET", "/guides/dang-ky-khai-tu")[0] == 404
    finally:
        (project / "content" / "guides" / "khai-tu.yaml").unlink()


def test_a_save_writes_only_what_differs_from_the_library(studio, project):
    values = form_of(studio, project, GUIDE)
    assert post(studio, f"/guides/{GUIDE}", values)[0] == 303
    assert override(project) == {"follows": GUIDE}  # an untouched form changes nothing of the library's
    values = form_of(studio, project, GUIDE)
    values["fee"] = "Miễn lệ phí khi đăng ký đúng hạn."
    values["unconfirmed.n"] = "0"
    assert post(studio, f"/guides/{GUIDE}", values)[0] == 303
    assert override(project) == {"follows": GUIDE, "fee": "Miễn lệ phí khi đăng ký đúng hạn.", "unconfirmed": []}
    status, body = studio.request("GET", f"/guides/{GUIDE}")
    assert 'id="f-fee-from">của xã' in body and 'id="f-title-from">thư viện' in body
    assert "follows: từ lạ" not in body, "the slug `follows:` names is not prose to spell"
    # a comment the officer wrote by hand survives the next save
    path = project / "content" / "guides" / f"{GUIDE}.yaml"
    path.write_text("# Xã đã kiểm tra phí với tư pháp\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    values = form_of(studio, project, GUIDE)
    values["processing_time"] = "Trong ngày"
    assert post(studio, f"/guides/{GUIDE}", values)[0] == 303
    assert path.read_text(encoding="utf-8").startswith("# Xã đã kiểm tra phí với tư pháp\n")
    assert override(project)["processing_time"] == "Trong ngày"
    # "dùng lại của thư viện" takes the key out of the commune's file
    values = form_of(studio, project, GUIDE)
    assert post(studio, f"/guides/{GUIDE}/library", {**values, "take": "processing_time"})[0] == 303
    assert "processing_time" not in override(project) and override(project)["fee"]


def test_the_officer_overrides_a_field_and_takes_it_back_in_chromium(page, studio, project):
    slug = "dang-ky-ket-hon"
    page.goto(f"{studio.origin}/")
    page.get_by_role("link", name=re.compile("Đăng ký kết hôn")).first.click()
    page.wait_for_load_state()
    assert page.locator("#f-fee-from").inner_text().startswith("thư viện")
    page.locator('[name="fee"]').fill("Không mất phí.")
    page.locator(".savebar button.primary").first.click()
    page.wait_for_load_state()
    assert page.locator("#saved").is_visible()
    assert page.locator("#f-fee-from").inner_text().startswith("của xã")
    assert override(project, slug) == {"follows": slug, "fee": "Không mất phí."}
    page.locator("#f-fee-from button").click()
    page.wait_for_load_state()
    assert page.locator("#f-fee-from").inner_text().startswith("thư viện")
    assert page.locator('[name="fee"]').input_value().strip() == str(library_value("fee", slug)).strip()
    assert override(project, slug) == {"follows": slug}


def test_a_changed_library_value_is_shown_with_both_values_and_kept_or_taken(page, studio, project, tmp_path):
    slug, seen = "chung-thuc-ban-sao", project / "content" / "library-seen" / "chung-thuc-ban-sao.yaml"
    (project / "content" / "guides" / f"{slug}.yaml").write_text(
        f"follows: {slug}\n# phí của xã\nfee: Hai nghìn đồng một trang.\nprocessing_time: Trong ngày\n",
        encoding="utf-8")
    old = yaml.safe_load((BUNDLED_DIR / "guides" / f"{slug}.yaml").read_text(encoding="utf-8"))
    seen.parent.mkdir(exist_ok=True)
    seen.write_text(yaml.safe_dump({**old, "fee": "Giá cũ của thư viện", "processing_time": "Cũ"},
                                   allow_unicode=True), encoding="utf-8")
    page.goto(f"{studio.origin}/guides/{slug}")
    notice = page.locator("#library-changed")
    assert "Thư viện đã đổi" in notice.inner_text()
    row = page.locator("#library-changed-fee")
    assert "Hai nghìn đồng một trang." in row.inner_text() and str(old["fee"])[:30] in row.inner_text()
    page.screenshot(path=str(tmp_path / "library-changed.png"))
    row.get_by_role("button", name="Giữ của xã").click()
    page.wait_for_load_state()
    assert page.locator("#library-changed-fee").count() == 0
    assert override(project, slug)["fee"] == "Hai nghìn đồng một trang."
    page.locator("#library-changed-processing_time").get_by_role("button", name="Lấy của thư viện").click()
    page.wait_for_load_state()
    assert page.locator("#library-changed").count() == 0
    assert override(project, slug) == {"follows": slug, "fee": "Hai nghìn đồng một trang."}
    assert "# phí của xã" in (project / "content" / "guides" / f"{slug}.yaml").read_text(encoding="utf-8")
