"""A commune on the server: a project folder exactly as `outreach init --no-audio` makes it, with the
commune's own name written in, so the CLI works on it as on any project."""

from __future__ import annotations

from outreach import approvals, scaffold
from outreach.build import BuildReport, Options, build
from outreach.errors import OutreachError
from outreach.project import Project
from outreach.server.folder import ServerFolder
from outreach.studio import yamledit
from outreach.yamlsource import load_yaml


def add(folder: ServerFolder, slug: str, name: str, province: str) -> tuple[Project, BuildReport]:
    project = folder.project(slug)
    if not name.strip():
        raise OutreachError("hãy cho tên xã bằng --name, ví dụ --name \"xã An Viễn\"")
    if project.root.exists():
        raise OutreachError(f"đã có xã '{slug}' ({project.root}); hãy chọn tên khác")
    scaffold.create(project)
    _name(project, name.strip(), province.strip())
    approvals.write(project, approvals.Register(server=True))  # nothing approved yet: only previews are built
    # Only the starter's sample guide is built now: the library's guides the commune follows (server
    # init copies them) are built when the commune first makes its products.
    sample = next((path.stem for path in project.guide_paths()), None)
    return project, build(project, Options(with_audio=False, only=sample))


def _name(project: Project, name: str, province: str) -> None:
    """The commune's name (and the province's, when the server has one) in content/commune.yaml."""
    path = project.content_dir / "commune.yaml"
    before = load_yaml(path, "content/commune.yaml").data
    values = {"name": name, "committee": f"Ủy ban nhân dân {name}"}
    if province:
        values["province"] = province
    yamledit.save_form(path, yamledit.version_of(path), values, before if isinstance(before, dict) else {})
