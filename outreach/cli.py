"""The `outreach` command: each subcommand loads the project and calls one library function."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from outreach.build import build as build_project
from outreach.build import write_atomic
from outreach.content import Project, load_content
from outreach.errors import ContentError
from outreach.model import SLUG_PATTERN
from outreach.render import template_environment


@click.group()
@click.option("--project", "-p", "root", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Project folder holding content/ and templates/.")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Turn YAML guides into printable handouts (and audio) for residents."""
    ctx.obj = Project(root.resolve())


@main.command()
@click.argument("slug")
@click.pass_obj
def new(project: Project, slug: str) -> None:
    """Write a commented starter guide content/guides/SLUG.yaml."""
    _check_slug(slug)
    target = project.guides_dir / f"{slug}.yaml"
    if target.exists():
        raise click.ClickException(f"{project.shown(target)} đã có; hãy chọn tên khác hoặc sửa tệp đó")
    text = template_environment(project).get_template("new-guide.yaml.j2").render(
        slug=slug, today=dt.date.today().isoformat())
    write_atomic(target, text.encode("utf-8"))
    click.echo(f"Đã tạo {project.shown(target)}. Hãy sửa nội dung rồi chạy 'outreach validate'.")


@main.command()
@click.pass_obj
def validate(project: Project) -> None:
    """Check commune.yaml and every guide; report all problems at once."""
    content = load_content(project)
    if content.problems:
        raise ContentError(content.problems)
    click.echo(f"Hợp lệ: commune.yaml và {len(content.guides)} hướng dẫn.")


@main.command()
@click.option("--only", metavar="SLUG", help="Build one guide only.")
@click.pass_obj
def build(project: Project, only: str | None) -> None:
    """Render every valid guide into build/<slug>/."""
    if only is not None:
        _check_slug(only)
        if not (project.guides_dir / f"{only}.yaml").is_file():
            raise click.ClickException(f"không có hướng dẫn content/guides/{only}.yaml")
    report = build_project(project, only)
    for path in report.built:
        click.echo(f"  {project.shown(path)}")
    for warning in report.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    click.echo(f"Đã tạo {len(report.built)} tệp cho {report.guides} hướng dẫn.")
    if report.problems:
        ContentError(report.problems).show()
        click.echo(f"Có {len(report.problems)} lỗi; các hướng dẫn lỗi không được tạo lại.", err=True)
        sys.exit(1)


def _check_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug):
        raise click.BadParameter("chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ dang-ky-khai-sinh",
                                 param_hint="SLUG")
