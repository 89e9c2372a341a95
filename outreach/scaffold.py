"""A new commune's project: a commented commune.yaml, one example guide, an empty schedule and
lexicon. It has no templates/ of its own: the built-in ones are used until the commune puts a file
of the same name in templates/ (see README, Layout)."""

from __future__ import annotations

import shutil
from pathlib import Path

from outreach.errors import OutreachError
from outreach.project import Project

STARTER = Path(__file__).parent / "starter"  # the content/ folder of a new project


def create(project: Project) -> list[Path]:
    """Write a new project into `project.root`; never over an existing content/ folder."""
    if project.content_dir.exists() and any(project.content_dir.iterdir()):
        raise OutreachError(f"{project.shown(project.content_dir)}/ đã có nội dung; "
                            "hãy chọn một thư mục mới, ví dụ: outreach init xa-moi")
    shutil.copytree(STARTER, project.content_dir, dirs_exist_ok=True)
    return sorted(path for path in project.content_dir.rglob("*") if path.is_file())
