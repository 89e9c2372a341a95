"""The `outreach` command: each subcommand loads the project and calls one library function.

Every word an officer reads is Vietnamese, click's own included (outreach/clitext.py).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from outreach import __version__, recordsheet, scaffold, spelling
from outreach.build import REAL_VOICE, BuildReport, Options
from outreach.build import build as build_project
from outreach.clitext import Group
from outreach.content import load_content
from outreach.errors import ContentError, Problem, SpellerMissing
from outreach.guidebuild import GuideResult
from outreach.model import SLUG_PATTERN, AudioSettings
from outreach.project import Project
from outreach.sound.engines import ENGINE_CHOICES, all_engines
from outreach.sound.reading import DIALECTS, read_aloud
from outreach.templating import template_environment
from outreach.verbosity import NORMAL, VERBOSE, verbosity_options
from outreach.verbosity import level as _level


def _tell(message: str) -> None:
    """A normal message: not shown with -q."""
    if _level() >= NORMAL:
        click.echo(message)


def _detail(message: str) -> None:
    """Shown only with -v."""
    if _level() >= VERBOSE:
        click.echo(message)


def _warn(message: object) -> None:
    if _level() >= NORMAL:
        click.echo(f"Cảnh báo: {message}", err=True)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]},
             help="Biến các hướng dẫn thủ tục (tệp YAML) thành tờ hướng dẫn để in và bản tin loa cho người dân.")
@click.version_option(__version__, "--version", message="outreach %(version)s", help="In số phiên bản rồi thoát.")
@click.option("--project", "-p", "root", default=".", metavar="THƯ_MỤC",
              type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục dự án của xã (chứa content/ và templates/); mặc định: thư mục hiện tại.")
@verbosity_options
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    ctx.obj = Project(root.resolve())


@main.command(short_help="Tạo dự án mới cho một xã, rồi tạo sản phẩm mẫu.",
              help="Tạo dự án mới cho một xã trong THƯ_MỤC (mặc định: thư mục dự án): content/commune.yaml "
                   "có ghi chú từng mục, một hướng dẫn mẫu, lịch phát thanh và bảng cách đọc còn trống, các mẫu "
                   "trình bày trong templates/; rồi tạo ngay sản phẩm của hướng dẫn mẫu.")
@click.argument("directory", metavar="[THƯ_MỤC]", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-audio", is_flag=True, help="Chỉ tạo bản in, chưa tạo âm thanh.")
@verbosity_options
@click.pass_obj
def init(project: Project, directory: Path | None, no_audio: bool) -> None:
    target = Project((directory or project.root).resolve())
    for path in scaffold.create(target):
        _detail(f"  đã viết {target.shown(path)}")
    _tell(f"Đã tạo dự án mới trong {target.root}. Đang tạo sản phẩm của hướng dẫn mẫu...")
    _build_and_report(target, Options(with_audio=not no_audio))
    where = f"vào thư mục dự án (cd {directory}), " if directory else ""
    _tell(f"Tiếp theo: {where}sửa content/commune.yaml cho đúng xã mình, tạo hướng dẫn mới bằng "
          "'outreach new <tên-thủ-tục>', rồi chạy 'outreach validate' và 'outreach build'.")


@main.command(short_help="Viết hướng dẫn mẫu content/guides/TÊN.yaml.",
              help="Viết hướng dẫn mẫu content/guides/TÊN.yaml, có ghi chú từng mục, để sửa thành thủ tục thật.")
@click.argument("slug", metavar="TÊN")
@verbosity_options
@click.pass_obj
def new(project: Project, slug: str) -> None:
    _check_slug(slug)
    target = scaffold.new_guide(project, slug)
    _tell(f"Đã tạo {project.shown(target)}. Hãy sửa nội dung rồi chạy 'outreach validate'.")


@main.command(short_help="Kiểm tra mọi tệp, báo mọi lỗi cùng lúc.",
              help="Kiểm tra commune.yaml và mọi hướng dẫn; báo mọi lỗi cùng lúc (tệp:dòng: mục: lỗi).")
@click.option("--strict", is_flag=True, help="Từ lạ (chính tả) cũng tính là lỗi, không chỉ là cảnh báo.")
@click.option("--only", metavar="TÊN", help="Chỉ xét hướng dẫn này; lỗi của hướng dẫn khác chỉ là cảnh báo.")
@verbosity_options
@click.pass_obj
def validate(project: Project, strict: bool, only: str | None) -> None:
    _check_only(project, only)
    content = load_content(project)
    problems, others = _judged(project, content.problems, only)
    for warning in [*content.warnings, *others]:
        _warn(warning)
    try:
        words = spelling.check(project, content)
    except SpellerMissing as exc:
        words = []
        _warn(f"bỏ qua kiểm tra chính tả: {exc}")
    except ContentError as exc:  # content/words.txt itself is unreadable
        words = []
        problems += exc.problems
    if strict:
        problems += _judged(project, words, only)[0]
    else:
        for word in words:
            _warn(word)
    _list_files(project, problems)
    if problems:
        raise ContentError(problems)
    _tell(f"Hợp lệ: commune.yaml và {len(content.guides)} hướng dẫn.")


def _list_files(project: Project, problems: list[Problem]) -> None:
    """With -v: each file read and whether it holds errors."""
    with_errors = {p.file for p in problems}
    for path in [project.content_dir / "commune.yaml", *project.guide_paths()]:
        shown = project.shown(path)
        _detail(f"  {shown}: {'có lỗi' if shown in with_errors else 'hợp lệ'}")


@main.command(short_help="Kiểm tra chính tả.",
              help="Kiểm tra chính tả mọi đoạn chữ tiếng Việt (từ điển hunspell-vi và content/words.txt).")
@verbosity_options
@click.pass_obj
def check(project: Project) -> None:
    content = load_content(project)
    try:
        words = spelling.check(project, content)
    except SpellerMissing as exc:
        raise click.ClickException(str(exc)) from None
    if words:
        raise ContentError(words)
    _tell("Chính tả: không có từ lạ.")




@main.command(short_help="Tạo tờ hướng dẫn, bản tin loa, SMS vào build/.",
              help="Tạo những gì đã cũ vào build/<tên>/ (tờ hướng dẫn, áp phích, bản tin loa, đoạn âm thanh cho "
                   "buổi họp, tin nhắn SMS), rồi danh mục build/index.html.")
@click.option("--only", metavar="TÊN", help="Chỉ tạo một hướng dẫn; lỗi của hướng dẫn khác chỉ là cảnh báo.")
@click.option("--engine", type=click.Choice(ENGINE_CHOICES),
              help="Giọng đọc (mặc định: audio.engine trong commune.yaml).")
@click.option("--no-audio", is_flag=True, help="Chỉ tạo bản in và lời bản tin, không tạo âm thanh.")
@click.option("--force", is_flag=True, help="Tạo lại tất cả, kể cả những gì đã mới nhất.")
@click.option("--print", "print_shop", is_flag=True,
              help="Tạo thêm print/handout.pdf và print/poster.pdf cho nhà in: PDF/A-3b, chừa lề xén 3 mm, dấu cắt.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), metavar="N",
              help="Số tiến trình chạy song song (mặc định: số lõi của máy).")
@click.option("--timings", is_flag=True, help="In số giây của từng bước (cộng trên mọi tiến trình).")
@verbosity_options
@click.pass_obj
def build(project: Project, only: str | None, engine: str | None, no_audio: bool, force: bool, print_shop: bool,
          jobs: int | None, timings: bool) -> None:
    _check_only(project, only)
    options = Options(only=only, engine=engine, with_audio=not no_audio, force=force, print_shop=print_shop,
                      jobs=jobs or os.cpu_count() or 1)
    _build_and_report(project, options, timings)


def _build_and_report(project: Project, options: Options, timings: bool = False) -> None:
    """Build, then show warnings, the summary and, last, the errors with a one-line summary."""
    with _progress() as on_guide:
        report = build_project(project, options, on_guide)
    errors, others = _judged(project, report.problems, options.only)
    for warning in [*report.warnings, *others]:
        _warn(warning)
    _summary(project, report, errors, options.only)
    if timings or _level() >= VERBOSE:
        stages = ("validate", "html", "pdf", "speech", "audio") + (("asr",) if "asr" in report.stages else ())
        click.echo("Thời gian theo bước (giây): " + ", ".join(f"{name} {report.stages.get(name, 0.0):.2f}"
                                                              for name in stages))
    if errors:
        ContentError(errors).show()
        click.echo(_errors_in_one_line(project, errors), err=True)
        sys.exit(1)


def _judged(project: Project, problems: list[Problem], only: str | None) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings): with --only, the other guides' problems do not decide the exit status."""
    if only is None:
        return list(problems), []
    others = {project.shown(path) for path in project.guide_paths() if path.stem != only}
    return [p for p in problems if p.file not in others], [p for p in problems if p.file in others]


def _errors_in_one_line(project: Project, errors: list[Problem]) -> str:
    guides = sorted({slug for p in errors if (slug := _guide_of(project, p))})
    files = sorted({p.file for p in errors if not _guide_of(project, p)})
    where = [f"{len(guides)} hướng dẫn ({', '.join(guides)})"] if guides else []
    return (f"Có lỗi ở {' và '.join(where + files)}: xem các dòng ở trên; những gì có lỗi chưa được tạo lại "
            "(bản cũ, nếu có, vẫn giữ). Sửa xong chạy lại 'outreach build'.")


def _guide_of(project: Project, problem: Problem) -> str | None:
    """The slug of the guide a problem is in, None for commune.yaml, the schedule, templates..."""
    path = Path(problem.file)
    return path.stem if path.parent == Path(project.shown(project.guides_dir)) else None


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[int, int, GuideResult], None]]:
    """A progress bar on a terminal, one plain line per guide otherwise (logs, CI); nothing with -q."""
    def files(result: GuideResult) -> None:
        for rel in result.built:
            _detail(f"  đã tạo build/{rel}")
    if _level() < NORMAL:
        yield lambda done, total, result: None
        return
    if not sys.stdout.isatty():
        def plain(done: int, total: int, result: GuideResult) -> None:
            state = "lỗi" if result.problems else f"{len(result.built)} tệp"
            click.echo(f"[{done}/{total}] {result.slug} ({result.part}): {state}")
            files(result)
        yield plain
        return
    bar: Any = None  # click.progressbar, opened when the first guide reports (its length is known then)
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


def _summary(project: Project, report: BuildReport, errors: list[Problem], only: str | None) -> None:
    # A guide fails by its own problems, or when the build held its audio back (a broken lexicon).
    failed = {slug for p in errors if (slug := _guide_of(project, p))} | {
        slug for slug in report.failed if only in (None, slug)}
    for slug in report.removed:
        _tell(f"Đã xóa các tệp trong build/{slug}/: tệp content/guides/{slug}.yaml không còn nữa.")
    if not report.built and not failed:
        _tell(f"Không có gì thay đổi: {report.unchanged} phần đã mới nhất, không tạo lại gì.")
    else:
        _tell(f"Đã tạo {len(report.built)} tệp cho {report.guides} hướng dẫn; {report.unchanged} phần không "
              f"đổi; {len(failed)} hướng dẫn lỗi; {len(report.drafts)} tệp âm thanh nháp.")
    if report.drafts:
        _tell(f"{len(report.drafts)} tệp âm thanh là bản nháp giọng máy espeak-ng (nghe thử trước khi phát loa); "
              f"{REAL_VOICE}. Xem danh sách bằng -v.")
    for draft in report.drafts:
        _detail(f"  bản nháp: {project.shown(draft)}")
    _tell(f"Danh mục: {project.shown(project.build_dir / 'index.html')}")


@main.command(short_help="Mở xưởng soạn hướng dẫn trong trình duyệt.",
              help="Mở xưởng soạn hướng dẫn: trang web trên chính máy này để viết, kiểm tra, xem trước, nghe thử và "
                   "tạo sản phẩm của các hướng dẫn, không cần sửa tệp YAML. Dòng đầu tiên in ra là địa chỉ cần mở "
                   "(có mã truy cập). Bấm Ctrl+C để dừng.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, metavar="CỔNG",
              help="Cổng để mở (mặc định 8000); nếu cổng đã bận thì dùng cổng trống kế tiếp.")
@click.option("--host", default="127.0.0.1", metavar="ĐỊA_CHỈ",
              help="Chỉ nhận 127.0.0.1 hoặc localhost: xưởng chỉ mở cho chính máy này.")
@click.option("--no-browser", is_flag=True, help="Không tự mở trình duyệt.")
@verbosity_options
@click.pass_obj
def serve(project: Project, port: int, host: str, no_browser: bool) -> None:
    from outreach.studio import server  # here: the other commands do not load the web stack

    server.serve(project, port, host, open_browser=not no_browser, say=click.echo)


@main.command(short_help="In cách máy sẽ đọc một câu trên loa.",
              help="In cách máy sẽ đọc CÂU trên loa (số, ngày, tiền, số điện thoại, chữ viết tắt).")
@click.argument("text", metavar="CÂU")
@click.option("--dialect", type=click.Choice(list(DIALECTS)),
              help="Cách đọc số: north (nghìn, linh) hoặc south (ngàn, lẻ); mặc định: dialect trong commune.yaml.")
@verbosity_options
@click.pass_obj
def say(project: Project, text: str, dialect: str | None) -> None:
    content = load_content(project)
    dialect = dialect or (content.commune.dialect if content.commune else "north")
    click.echo(read_aloud(text, dialect, content.lexicon))


@main.command(short_help="In kịch bản để cán bộ tự thu âm bản tin.",
              help="In từng đoạn lời của bản tin và các đoạn âm thanh của hướng dẫn TÊN, kèm tên tệp để lưu bản "
                   "thu, và viết bản in build/TÊN/kich-ban-thu-am.pdf. Với --common: các đoạn mọi hướng dẫn "
                   "dùng chung (lời chào, số điện thoại, lời cảm ơn), thu một lần cho cả xã.")
@click.argument("slug", metavar="TÊN", required=False)
@click.option("--common", is_flag=True, help="Các đoạn dùng chung cho mọi hướng dẫn (content/recordings/_common/).")
@verbosity_options
@click.pass_obj
def record(project: Project, slug: str | None, common: bool) -> None:
    content = load_content(project)
    if content.commune is None:
        raise ContentError(content.problems)
    env = template_environment(project)
    if common:
        rows = recordsheet.common_rows(project, env, content)
    else:
        if slug is None or slug not in content.guides:
            _check_only(project, slug)
            raise click.ClickException(f"hướng dẫn '{slug}' chưa hợp lệ; hãy chạy 'outreach validate' trước")
        rows = recordsheet.rows(project, env, content, slug)
    for row in rows:
        _tell(f"[{row.section_id}] {row.clip}: {row.state}\n  lưu vào: {row.file}\n  {row.text}\n")
    if slug and not common:
        target = recordsheet.write_pdf(project, env, content, slug, rows)
        _tell(f"Bản in kịch bản: {project.shown(target)}")


@main.command(short_help="Các giọng đọc, giọng nào dùng được ở đây.",
              help="Liệt kê các giọng đọc và cho biết giọng nào dùng được trên máy này.")
@verbosity_options
@click.pass_obj
def engines(project: Project) -> None:
    content = load_content(project)
    settings = content.commune.audio if content.commune else AudioSettings()
    for engine in all_engines(settings.engine_settings(project.root, content.commune.dialect if content.commune
                                                       else "north")):
        reason = engine.unusable_reason()
        state = "dùng được" if reason is None else f"không dùng được: {reason}"
        draft = " (giọng máy, chỉ tạo bản nháp)" if engine.draft else ""
        click.echo(f"{engine.name:<10} {state}{draft}")
    click.echo(f"Đang chọn: {settings.engine} (auto = viettel nếu có khóa, rồi gtts, rồi piper nếu có, rồi espeak-ng)")


def _check_only(project: Project, only: str | None) -> None:
    if only is not None:
        _check_slug(only)
        if not project.guide_path(only).is_file():
            raise click.ClickException(f"không có hướng dẫn content/guides/{only}.yaml")


def _check_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug):
        raise click.BadParameter(scaffold.SLUG_RULE, param_hint="TÊN")


def _register_server() -> None:
    """`outreach server …` (outreach/server/cli.py): its own group, so a commune's commands stay as they are."""
    from outreach.server.cli import server

    main.add_command(server)


_register_server()
