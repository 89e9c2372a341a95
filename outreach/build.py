"""Build orchestration: valid guides → build/<slug>/*.pdf, written atomically; problems collected."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from outreach import assets
from outreach.content import Project, load_content
from outreach.errors import Problem
from outreach.model import Commune, Guide
from outreach.pdf import DoesNotFit, render_pdf
from outreach.render import PRODUCTS, Product, render_html, template_environment
from outreach.yamlsource import WHOLE_FILE


@dataclass
class BuildReport:
    built: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    guides: int = 0


def build(project: Project, only: str | None = None) -> BuildReport:
    """Build every valid guide (or just `only`); invalid ones are reported and their old outputs kept."""
    content = load_content(project)
    report = BuildReport(problems=list(content.problems))
    if content.commune is None:
        return report
    guides = content.guides
    if only is not None:
        guides = {only: guides[only]} if only in guides else {}
    env = template_environment(project)
    for slug, guide in guides.items():
        report.guides += 1
        for product in PRODUCTS:
            _build_product(project, env, product, slug, guide, content.commune, report)
    return report


def _build_product(project: Project, env: jinja2.Environment, product: Product, slug: str,
                   guide: Guide, commune: Commune, report: BuildReport) -> None:
    target = project.build_dir / slug / f"{product.name}.pdf"
    guide_file = project.shown(project.guides_dir / f"{slug}.yaml")
    try:
        pdf, warnings = render_product(project, env, product, guide, commune)
    except DoesNotFit as exc:
        report.problems.append(Problem(guide_file, 1, WHOLE_FILE,
                                       f"nội dung quá dài cho {product.name}.pdf (cần {exc.args[0]} trang, chỉ được 1); "
                                       "hãy rút gọn các bước hoặc danh sách giấy tờ"))
        return
    except jinja2.TemplateError as exc:
        report.problems.append(_template_problem(project, exc))
        return
    write_atomic(target, pdf)
    report.built.append(target)
    report.warnings += [f"{project.shown(target)}: {w}" for w in warnings]


def render_product(project: Project, env: jinja2.Environment, product: Product, guide: Guide,
                   commune: Commune) -> tuple[bytes, list[str]]:
    """PDF bytes of one product and WeasyPrint's warnings about it."""
    roots = [project.content_dir, project.templates_dir, assets.FONT_DIR]
    return render_pdf(lambda scale: render_html(env, project, product, guide, commune, scale),
                      project.templates_dir, roots, product.one_page)


def _template_problem(project: Project, exc: jinja2.TemplateError) -> Problem:
    name = getattr(exc, "filename", None) or getattr(exc, "name", None) or "templates"
    shown = project.shown(Path(name)) if name != "templates" else name
    return Problem(shown, getattr(exc, "lineno", None) or 1, "(mẫu)", f"lỗi trong mẫu trình bày: {exc.message}")


def write_atomic(target: Path, data: bytes) -> None:
    """Write through a temp file in the same folder, then rename: never a half-written output."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared and printed
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
