"""A new commune's project: a commented commune.yaml, one example guide, an empty schedule and
lexicon, and the templates the commune may edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from outreach.errors import OutreachError
from outreach.project import Project

STARTER = Path(__file__).parent / "starter"  # the content/ folder of a new project


def bundled_templates() -> Path:
    """The templates a new project starts from: the package's own once it ships them, until then
    (an editable install) the source tree's templates/ folder."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "templates"


def create(project: Project) -> list[Path]:
    """Write a new project into `project.root`; never over an existing content/ folder."""
    if project.content_dir.exists() and any(project.content_dir.iterdir()):
        raise OutreachError(f"{project.shown(project.content_dir)}/ đã có nội dung; "
                            "hãy chọn một thư mục mới, ví dụ: outreach init xa-moi")
    templates = bundled_templates()
    if not project.templates_dir.exists() and not templates.is_dir():
        raise OutreachError(f"không tìm thấy bộ mẫu trình bày {templates}; hãy cài lại outreach")
    shutil.copytree(STARTER, project.content_dir, dirs_exist_ok=True)
    if not project.templates_dir.exists():
        shutil.copytree(templates, project.templates_dir)
    return sorted(path for path in project.content_dir.rglob("*") if path.is_file())
