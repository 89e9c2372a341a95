"""The guides page's memo of validation: the same answer while no file changed, a new one as soon as
one did, and never a memo of files changed so recently that a second change could hide."""

from __future__ import annotations

import os
import time

from conftest import copy_project

from outreach.content import load_content
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


def test_the_lexicon_alone_is_kept_until_lexicon_yaml_changes(tmp_path):
    """What a check while typing reads besides its one file: the lexicon's entries as validation
    reads them (a bad entry left out, the others used), read again when the file changes."""
    root = copy_project(tmp_path / "p", guides=True)
    lexicon = root / "content" / "lexicon.yaml"
    lexicon.write_text("VNeID: vê en e i đi\nUBND: [1]\n", encoding="utf-8")
    _age(root, 60)
    project = Project(root)
    cache = ContentCache(project)
    first = cache.lexicon()
    assert first == {"VNeID": "vê en e i đi"} == load_content(project).lexicon
    assert cache.lexicon() is first, "unchanged: kept"
    lexicon.write_text("VNeID: vê en e i đi\nUBND: ủy ban nhân dân\n", encoding="utf-8")
    assert cache.lexicon() == {"VNeID": "vê en e i đi", "UBND": "ủy ban nhân dân"}
    lexicon.unlink()
    assert cache.lexicon() == {}
