"""A new commune's project: a commented commune.yaml, one example guide, an empty schedule and
lexicon. It has no templates/ of its own: the built-in ones are used until the commune puts a file
of the same name in templates/ (see README, Layout)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from outreach.atomic import write_atomic
from outreach.errors import OutreachError
from outreach.model import SLUG_PATTERN
from outreach.project import Project
from outreach.templating import render, template_environment

STARTER = Path(__file__).parent / "starter"  # the content/ folder of a new project


def create(project: Project, name: str | None = None) -> list[Path]:
    """Write a new project into `project.root`; never over an existing content/ folder. With the
    commune's `name` ("xã Tân Phú"), the project follows the bundled library under that name: its
    guides are the library's, and its own guides folder starts empty."""
    if name is not None:
        name = commune_name(name)
    if project.content_dir.exists() and any(project.content_dir.iterdir()):
        raise OutreachError(f"{project.shown(project.content_dir)}/ đã có nội dung; "
                            "hãy chọn một thư mục mới, ví dụ: outreach init xa-moi")
    shutil.copytree(STARTER, project.content_dir, dirs_exist_ok=True)
    if name is not None:
        _follow_bundled_library(project, name)
    return sorted(path for path in project.content_dir.rglob("*") if path.is_file())


SAMPLE_NAME = "xã An Viễn"  # the starter commune.yaml's example commune
UNIT_WORDS = ("xã", "phường", "đặc khu")


def commune_name(name: str) -> str:
    """The commune's name as settings write it ("xã Tân Phú"), or an error saying how to write it."""
    name = " ".join(name.split())
    words = name.split(" ", 1)
    if len(words) < 2 or words[0].lower() not in UNIT_WORDS:
        raise OutreachError(f"tên '{name}' cần có chữ xã, phường hoặc đặc khu ở đầu, ví dụ --name \"xã Tân Phú\"")
    return f"{words[0].lower()} {words[1]}"


def _follow_bundled_library(project: Project, name: str) -> None:
    """commune.yaml with the commune's name wherever the sample's stood, following the bundled
    library; the sample guide goes (the library has it, written for every commune)."""
    path = project.content_dir / "commune.yaml"
    bare = name.split(" ", 1)[1]
    text = path.read_text(encoding="utf-8").replace(SAMPLE_NAME, name).replace(SAMPLE_NAME.split(" ", 1)[1], bare)
    text = text.replace("# library: bundled", "library: bundled")
    write_atomic(path, text.encode("utf-8"))
    for guide in project.guides_dir.glob("*.yaml"):
        guide.unlink()


def follow_library_guide(project: Project, slug: str) -> Path:
    """content/guides/SLUG.yaml that follows the library guide of that name, with nothing changed
    yet: comments say how to change a key or hide the guide. Never over an existing file."""
    target = project.guide_path(slug)
    if target.exists():
        raise OutreachError(f"{project.shown(target)} đã có; hãy sửa tệp đó")
    text = (f"# Xã theo hướng dẫn '{slug}' của thư viện. Chỉ ghi các mục xã muốn sửa; mục nào không ghi thì\n"
            "# lấy của thư viện (xem từng mục: outreach library show " + slug + ").\n"
            "# Ví dụ: fee: \"Miễn lệ phí.\"   hoặc   hidden: true   (xã không làm thủ tục này)\n"
            f"follows: {slug}\n")
    write_atomic(target, text.encode("utf-8"))
    return target


SLUG_RULE = "chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ dang-ky-khai-sinh"


def new_guide(project: Project, slug: str) -> Path:
    """Write the commented starter guide content/guides/SLUG.yaml (templates/new-guide.yaml.j2);
    never over an existing guide."""
    if not SLUG_PATTERN.match(slug):
        raise OutreachError(f"tên '{slug}' không dùng được: {SLUG_RULE}")
    target = project.guide_path(slug)
    if target.exists():
        raise OutreachError(f"{project.shown(target)} đã có; hãy chọn tên khác hoặc sửa tệp đó")
    text = render(template_environment(project), "new-guide.yaml.j2", slug=slug, today=dt.date.today().isoformat())
    write_atomic(target, text.encode("utf-8"))
    return target
