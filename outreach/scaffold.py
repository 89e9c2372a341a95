"""A new commune's project: a commented commune.yaml, one example guide, an empty schedule and
lexicon. It has no templates/ of its own: the built-in ones are used until the commune puts a file
of the same name in templates/ (see README, Layout)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from outreach import samples
from outreach.atomic import write_atomic
from outreach.errors import OutreachError
from outreach.model import SLUG_PATTERN
from outreach.project import Project
from outreach.templating import render, template_environment
from outreach.yamlsource import load_yaml

STARTER = Path(__file__).parent / "starter"  # the content/ folder of a new project


def create(project: Project) -> list[Path]:
    """Write a new project into `project.root`; never over an existing content/ folder."""
    if project.content_dir.exists() and any(project.content_dir.iterdir()):
        raise OutreachError(f"{project.shown(project.content_dir)}/ đã có nội dung; "
                            "hãy chọn một thư mục mới, ví dụ: outreach init xa-moi")
    shutil.copytree(STARTER, project.content_dir, dirs_exist_ok=True)
    return sorted(path for path in project.content_dir.rglob("*") if path.is_file())


SLUG_RULE = "chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ dang-ky-khai-sinh"


def new_guide(project: Project, slug: str) -> Path:
    """Write the commented starter guide content/guides/SLUG.yaml (templates/new-guide.yaml.j2);
    never over an existing guide."""
    if not SLUG_PATTERN.match(slug):
        raise OutreachError(f"tên '{slug}' không dùng được: {SLUG_RULE}")
    target = project.guide_path(slug)
    if target.exists():
        raise OutreachError(f"{project.shown(target)} đã có; hãy chọn tên khác hoặc sửa tệp đó")
    text = render(template_environment(project), "new-guide.yaml.j2", slug=slug, today=dt.date.today().isoformat(),
                  agency=_commune_agency(project))
    write_atomic(target, text.encode("utf-8"))
    return target


def _commune_agency(project: Project) -> str | None:
    """The commune's committee as a YAML value, for a new guide's agency (most procedures a commune
    explains are its own); None while commune.yaml cannot be read or still holds the sample's."""
    try:
        data = load_yaml(project.content_dir / "commune.yaml", "content/commune.yaml").data
    except OutreachError:
        return None
    committee = data.get("committee") if isinstance(data, dict) else None
    if not isinstance(committee, str) or not committee.strip() or any(
            path == ("committee",) for path, _ in samples.remaining(data)):
        return None
    committee = committee.strip()
    plain = ":" not in committee and "#" not in committee and committee[0] not in "-?[]{},&*!|>'\"%@`"
    return committee if plain else json.dumps(committee, ensure_ascii=False)
