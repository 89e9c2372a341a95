"""The `outreach` command: each subcommand loads the project and calls one library function."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from pathlib import Path

import click

from outreach import spelling
from outreach.build import BuildReport, Options
from outreach.build import build as build_project
from outreach.atomic import write_atomic
from outreach.guidebuild import GuideResult
from outreach.content import load_content
from outreach.project import Project
from outreach.errors import ContentError, SpellerMissing
from outreach.sound.engines import PREFERENCE, all_engines
from outreach.model import SLUG_PATTERN, AudioSettings
from outreach.sound.reading import read_aloud
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
@click.option("--strict", is_flag=True, help="Unknown words (spelling) are errors, not warnings.")
@click.pass_obj
def validate(project: Project, strict: bool) -> None:
    """Check commune.yaml and every guide; report all problems at once."""
    content = load_content(project)
    problems = list(content.problems)
    try:
        words = spelling.check(project, content)
    except SpellerMissing as exc:
        words = []
        click.echo(f"Bỏ qua kiểm tra chính tả: {exc}", err=True)
    except ContentError as exc:  # content/words.txt itself is unreadable
        words = []
        problems += exc.problems
    if strict:
        problems += words
    else:
        for word in words:
            click.echo(f"Cảnh báo: {word}", err=True)
    if problems:
        raise ContentError(problems)
    click.echo(f"Hợp lệ: commune.yaml và {len(content.guides)} hướng dẫn.")


@main.command()
@click.pass_obj
def check(project: Project) -> None:
    """Spelling check of every Vietnamese text field (hunspell-vi and content/words.txt)."""
    content = load_content(project)
    try:
        words = spelling.check(project, content)
    except SpellerMissing as exc:
        raise click.ClickException(str(exc)) from None
    if words:
        raise ContentError(words)
    click.echo("Chính tả: không có từ lạ.")


ENGINE_CHOICES = click.Choice(["auto", *PREFERENCE])


@main.command()
@click.option("--only", metavar="SLUG", help="Build one guide only.")
@click.option("--engine", type=ENGINE_CHOICES, help="Speech engine (default: audio.engine in commune.yaml).")
@click.option("--no-audio", is_flag=True, help="Printed products and scripts only.")
@click.option("--force", is_flag=True, help="Rebuild everything, even what is up to date.")
@click.option("--print", "print_shop", is_flag=True,
              help="Also write print/handout.pdf and print/poster.pdf: PDF/A-3b, 3 mm bleed, crop marks.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default=True,
              help="Worker processes.")
@click.option("--timings", is_flag=True, help="Print seconds spent per stage (summed over workers).")
@click.pass_obj
def build(project: Project, only: str | None, engine: str | None, no_audio: bool, force: bool, print_shop: bool,
          jobs: int, timings: bool) -> None:
    """Build what is out of date into build/<slug>/, then build/index.html."""
    if only is not None:
        _check_slug(only)
        if not (project.guides_dir / f"{only}.yaml").is_file():
            raise click.ClickException(f"không có hướng dẫn content/guides/{only}.yaml")
    options = Options(only=only, engine=engine, with_audio=not no_audio, force=force, print_shop=print_shop,
                      jobs=jobs)
    with _progress() as on_guide:
        report = build_project(project, options, on_guide)
    for warning in report.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    _summary(project, report)
    if timings:
        click.echo("Thời gian theo bước (giây): " + ", ".join(
            f"{name} {report.stages.get(name, 0.0):.2f}" for name in ("validate", "html", "pdf", "speech", "audio")))
    if report.problems:
        ContentError(report.problems).show()
        sys.exit(1)


@contextlib.contextmanager
def _progress():
    """A progress bar on a terminal, one plain line per guide otherwise (logs, CI)."""
    if not sys.stdout.isatty():
        def plain(done: int, total: int, result: GuideResult) -> None:
            state = "lỗi" if result.problems else f"{len(result.built)} tệp"
            click.echo(f"[{done}/{total}] {result.slug} ({result.part}): {state}")
        yield plain
        return
    bar = None
    def draw(done: int, total: int, result: GuideResult) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Đang tạo", show_pos=True).__enter__()
        bar.update(1, result.slug)
    try:
        yield draw
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _summary(project: Project, report: BuildReport) -> None:
    if not report.built and not report.failed:
        click.echo(f"Không có gì thay đổi: {report.unchanged} phần đã mới nhất, không tạo lại gì.")
    else:
        click.echo(f"Đã tạo {len(report.built)} tệp cho {report.guides} hướng dẫn; {report.unchanged} phần không "
                   f"đổi; {len(report.failed)} hướng dẫn lỗi; {len(report.drafts)} tệp âm thanh nháp.")
    for draft in report.drafts:
        click.echo(f"  bản nháp (giọng máy espeak-ng, nghe thử trước khi phát loa): {project.shown(draft)}")
    click.echo(f"Danh mục: {project.shown(project.build_dir / 'index.html')}")


@main.command()
@click.argument("text")
@click.option("--dialect", type=click.Choice(["north", "south"]), help="Default: dialect in commune.yaml.")
@click.pass_obj
def say(project: Project, text: str, dialect: str | None) -> None:
    """Print how TEXT will be read aloud."""
    content = load_content(project)
    dialect = dialect or (content.commune.dialect if content.commune else "north")
    click.echo(read_aloud(text, dialect, content.lexicon))


@main.command()
@click.pass_obj
def engines(project: Project) -> None:
    """List the speech engines and whether each can be used here."""
    content = load_content(project)
    settings = content.commune.audio if content.commune else AudioSettings()
    model = settings.piper_model_path(project.root)
    for engine in all_engines(content.commune.dialect if content.commune else "north", model, settings.gtts_tld):
        reason = engine.unusable_reason()
        state = "dùng được" if reason is None else f"không dùng được: {reason}"
        draft = " (giọng máy, chỉ tạo bản nháp)" if engine.draft else ""
        click.echo(f"{engine.name:<10} {state}{draft}")
    click.echo(f"Đang chọn: {settings.engine} (auto = gtts, rồi piper nếu có, rồi espeak-ng)")


def _check_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug):
        raise click.BadParameter("chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ dang-ky-khai-sinh",
                                 param_hint="SLUG")
