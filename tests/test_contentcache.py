"""The guides page's memo of validation: the same answer while no file changed, a new one as soon as
one did, and never a memo of files changed so recently that a second change could hide."""

from __future__ import annotations

import os
import time

from conftest import copy_project

from outreach.contentcache import ContentCache
from outreach.project import Project


def _age(root, seconds: float) -> None:
    """Every file as if last written `seconds` ago."""
    then = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


def test_validation_is_kept_while_no_file_changes_and_redone_when_one_does(tmp_path):
    root = copy_project(tmp_path / "p", guides=True)
    _age(root, 60)
    cache = ContentCache(Project(root))
    first = cache.load()
    assert cache.load() is first, "nothing changed: the same judgement"
    guide = root / "content" / "guides" / "dang-ky-khai-sinh.yaml"
    guide.write_text(guide.read_text(encoding="utf-8").replace("title: Đăng ký khai sinh", "title: Khai sinh", 1),
                     encoding="utf-8")
    fresh = cache.load()
    assert fresh is not first and fresh.guides["dang-ky-khai-sinh"].title == "Khai sinh"
    assert cache.load() is not fresh, "a file written just now: judged again each time, not kept"
    _age(root, 60)
    settled = cache.load()
    assert cache.load() is settled
    (root / "content" / "guides" / "dang-ky-khai-sinh.yaml").unlink()
    assert "dang-ky-khai-sinh" not in cache.load().guides, "a removed guide is seen at once"
