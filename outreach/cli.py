"""The `outreach` command: each subcommand loads the project and calls one library function.

Every word an officer reads is Vietnamese, click's own included (outreach/clitext.py).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from outreach import __version__, approvals, libraryseen, recordsheet, scaffold, spelling
from outreach.build import REAL_VOICE, BuildReport, Options
from outreach.build import build as build_project
from outreach.clitext import Group
from outreach.content import load_content
from outreach.errors import ContentError, Problem, SpellerMissing
from outreach.guidebuild import GuideResult
from outreach.library import library_slugs
from outreach.model import SLUG_PATTERN, AudioSettings
from outreach.products import COMMUNE_BY_NAME, RECORDING_SHEET
from outreach.project import Project
from outreach.results import Month, parse_month
from outreach.sound.engines import engine_choices, listing, voicing_for
from outreach.sound.reading import DIALECTS, read_aloud
from outreach.templating import template_environment
from outreach.verbosity import NORMAL, VERBOSE, verbosity_options
from outreach.verbosity import level as _level


class EngineChoice(click.Choice):
    """The engines installed when the command runs (a province's package included), not at import."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return engine_choices()

    @choices.setter
    def choices(self, _: object) -> None:
        pass


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
@click.option("--name", metavar="TÊN_XÃ",
              help="Tên xã, ví dụ \"xã Tân Phú\": dự án theo thư viện có sẵn, mọi hướng dẫn in tên xã này.")
@verbosity_options
@click.pass_obj
def init(project: Project, directory: Path | None, no_audio: bool, name: str | None) -> None:
    target = Project((directory or project.root).resolve())
    for path in scaffold.create(target, name):
        _detail(f"  đã viết {target.shown(path)}")
    if name is not None:
        noted = libraryseen.note_first_sight(target)
        _tell(f"Đã tạo dự án mới cho {scaffold.commune_name(name)} trong {target.root}, theo thư viện có sẵn "
              f"({len(noted)} hướng dẫn). Đang tạo sản phẩm...")
    else:
        _tell(f"Đã tạo dự án mới trong {target.root}. Đang tạo sản phẩm của hướng dẫn mẫu...")
    _build_and_report(target, Options(with_audio=not no_audio))
    _tell(f"Dễ nhất: chạy 'outreach serve'{' trong thư mục ' + str(directory) if directory else ''} để mở xưởng soạn "
          "thảo trong trình duyệt: sửa thông tin của xã, viết hướng dẫn, xem trước và tạo sản phẩm.")
    where = f"vào thư mục dự án (cd {directory}), " if directory else ""
    library = " Các hướng dẫn của thư viện: 'outreach library status'." if name is not None else ""
    _tell(f"Tiếp theo: {where}sửa content/commune.yaml cho đúng xã mình, tạo hướng dẫn mới bằng "
          f"'outreach new <tên-thủ-tục>', rồi chạy 'outreach validate' và 'outreach build'.{library}")


@main.command(short_help="Viết hướng dẫn mẫu content/guides/TÊN.yaml.",
              help="Viết hướng dẫn mẫu content/guides/TÊN.yaml, có ghi chú từng mục, để sửa thành thủ tục thật.")
@click.argument("slug", metavar="TÊN")
@verbosity_options
@click.pass_obj
def new(project: Project, slug: str) -> None:
    _check_slug(slug)
    if slug in library_slugs(project):  # the library has it: the commune's file only changes keys
        target = scaffold.follow_library_guide(project, slug)
        _tell(f"Thư viện đã có hướng dẫn '{slug}': đã tạo {project.shown(target)} theo hướng dẫn đó; chỉ ghi vào "
              "các mục xã muốn sửa, rồi chạy 'outreach validate'.")
        return
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
    libraryseen.note_first_sight(project)
    content = load_content(project)
    problems, others = _judged(content.files, content.problems, only)
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
        problems += _judged(content.files, words, only)[0]
    else:
        for word in words:
            _warn(word)
    _list_files(project, problems)
    if problems:
        raise ContentError(problems)
    figures = f", {len(content.results)} dòng số liệu (content/results.csv)" if content.results else ""
    _tell(f"Hợp lệ: commune.yaml và {len(content.guides)} hướng dẫn{figures}.")


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
                   f"buổi họp, tin nhắn SMS), rồi danh mục build/{COMMUNE_BY_NAME['catalog'].file}.")
@click.option("--only", metavar="TÊN", help="Chỉ tạo một hướng dẫn; lỗi của hướng dẫn khác chỉ là cảnh báo.")
@click.option("--engine", type=EngineChoice(),
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
    errors, others = _judged(report.files, report.problems, options.only)
    for warning in [*report.warnings, *others]:
        _warn(warning)
    _summary(project, report, errors, options.only)
    if timings or _level() >= VERBOSE:
        stages = ("validate", "html", "pdf", "speech", "audio") + (("asr",) if "asr" in report.stages else ())
        click.echo("Thời gian theo bước (giây): " + ", ".join(f"{name} {report.stages.get(name, 0.0):.2f}"
                                                              for name in stages))
    if errors:
        ContentError(errors).show()
        click.echo(_errors_in_one_line(report.files, errors), err=True)
        sys.exit(1)


def _judged(files: dict[str, str], problems: list[Problem], only: str | None) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings): with --only, the other guides' problems do not decide the exit status.
    `files`: every guide file as shown → its guide's slug."""
    if only is None:
        return list(problems), []
    others = {file for file, slug in files.items() if slug != only}
    return [p for p in problems if p.file not in others], [p for p in problems if p.file in others]


def _errors_in_one_line(files: dict[str, str], errors: list[Problem]) -> str:
    guides = sorted({files[p.file] for p in errors if p.file in files})
    others = sorted({p.file for p in errors if p.file not in files})
    where = [f"{len(guides)} hướng dẫn ({', '.join(guides)})"] if guides else []
    return (f"Có lỗi ở {' và '.join(where + others)}: xem các dòng ở trên; những gì có lỗi chưa được tạo lại "
            "(bản cũ, nếu có, vẫn giữ). Sửa xong chạy lại 'outreach build'.")


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
    failed = {report.files[p.file] for p in errors if p.file in report.files} | {
        slug for slug in report.failed if only in (None, slug)}
    for slug in report.removed:
        _tell(f"Đã xóa các tệp trong build/{slug}/: xã không còn hướng dẫn này (tệp content/guides/{slug}.yaml đã "
              "xóa, hướng dẫn đã ẩn, hoặc thư viện đã bỏ).")
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
    if report.previews:
        _tell(f"Chờ duyệt: bản mới của {', '.join(report.previews)} chỉ là bản xem trước trong build/.preview/ (mang "
              "dấu «BẢN CHƯA DUYỆT», không in, không phát loa); lãnh đạo xã duyệt bằng 'outreach approve TÊN'.")
    _tell(f"Danh mục: {project.shown(project.build_dir / COMMUNE_BY_NAME['catalog'].file)}")


@main.command(short_help="Duyệt bản hiện tại của một hướng dẫn để in, chia sẻ và phát loa.",
              help="Lãnh đạo xã duyệt bản đang có của hướng dẫn TÊN (khi commune.yaml ghi approval: required): "
                   "content/guides/TÊN.yaml, hoặc hướng dẫn của thư viện với phần xã sửa. Từ đó bản này được in, "
                   "chia sẻ và phát loa; bản sửa sau, kể cả khi thư viện đổi, phải duyệt lại. Duyệt xong thì tạo "
                   "ngay hướng dẫn đó.")
@click.argument("slug", metavar="TÊN")
@click.option("--version", "version", metavar="MÃ", help="Mã phiên bản (sha256, ít nhất 8 ký tự đầu) phải là bản đang "
              "có trong tệp: duyệt đúng bản đã đọc.")
@click.option("--by", metavar="TÊN_NGƯỜI", help="Người duyệt; mặc định: tên người dùng trên máy.")
@click.option("--no-build", is_flag=True, help="Chỉ ghi việc duyệt; bản này được in và phát ở lần tạo sau.")
@click.option("--no-audio", is_flag=True, help="Tạo ngay bản in và lời bản tin, chưa tạo âm thanh.")
@verbosity_options
@click.pass_obj
def approve(project: Project, slug: str, version: str | None, by: str | None, no_build: bool, no_audio: bool) -> None:
    _check_slug(slug)
    who = by or getpass.getuser()
    text = approvals.approvable(project, slug, version)
    if not _approved_on_server(project, slug, text, who):
        approvals.record(project, slug, text, who)
    _tell(f"Đã duyệt hướng dẫn {slug} (phiên bản {text.version[:12]}…, "
          f"người duyệt: {who}).")
    if not no_build:
        _build_and_report(project, Options(only=slug, with_audio=not no_audio))


def _approved_on_server(project: Project, slug: str, text: approvals.Text, who: str) -> bool:
    """A commune folder of the province server: the approval goes into the server's database too."""
    from outreach.server.approvals import approve_in_folder  # only here: the CLI of one PC loads no database

    return approve_in_folder(project, slug, text, who)


@main.group(cls=Group, short_help="Thư viện hướng dẫn dùng chung: xem, cập nhật, xem lại mục đã đổi.",
            help="Thư viện hướng dẫn dùng chung cho mọi xã (library: trong content/commune.yaml).")
@verbosity_options
def library() -> None:
    """outreach library status | update | review."""


@library.command("status", short_help="Mỗi hướng dẫn của thư viện: xã theo, sửa, ẩn hay thư viện đã đổi.",
                 help="Liệt kê từng hướng dẫn của thư viện: xã dùng nguyên bản, đã sửa những mục nào, đã ẩn, hay thư "
                      "viện đã đổi một mục xã đã sửa (cần xem lại).")
@verbosity_options
@click.pass_obj
def library_status(project: Project) -> None:
    for line in libraryseen.status(project):
        click.echo(line)


@library.command("show", short_help="Từng mục của một hướng dẫn: lấy từ thư viện hay do xã sửa.",
                 help="In từng mục của hướng dẫn TÊN và nơi ghi giá trị: tệp của thư viện hay của xã, kèm số dòng.")
@click.argument("slug", metavar="TÊN")
@verbosity_options
@click.pass_obj
def library_show(project: Project, slug: str) -> None:
    _check_slug(slug)
    for line in libraryseen.origins(project, slug):
        click.echo(line)


@library.command("update", short_help="Nhận bản mới của thư viện, in những gì đã đổi.",
                 help="So thư viện với lần xã xem trước, in từng mục đã đổi (cũ → mới), rồi ghi nhận là đã xem. Mục "
                      "xã đã sửa mà thư viện đổi thì vẫn dùng của xã, chờ 'outreach library review'.")
@verbosity_options
@click.pass_obj
def library_update(project: Project) -> None:
    lines = libraryseen.update(project)
    for line in lines:
        click.echo(line)
    _tell(f"Đã cập nhật thư viện: {len(lines)} thay đổi." if lines else "Thư viện không có gì mới.")


@library.command("review", short_help="Giữ giá trị của xã hoặc lấy của thư viện cho mục thư viện đã đổi.",
                 help="Với mục xã đã sửa mà thư viện đã đổi: --keep MỤC giữ giá trị của xã, --take MỤC lấy giá trị "
                      "của thư viện (xóa mục đó khỏi tệp của xã). Không có tùy chọn: in các mục đang chờ xem lại.")
@click.argument("slug", metavar="TÊN")
@click.option("--keep", multiple=True, metavar="MỤC", help="Giữ giá trị của xã cho mục này (ví dụ fee).")
@click.option("--take", multiple=True, metavar="MỤC", help="Lấy giá trị của thư viện cho mục này.")
@verbosity_options
@click.pass_obj
def library_review(project: Project, slug: str, keep: tuple[str, ...], take: tuple[str, ...]) -> None:
    _check_slug(slug)
    for line in libraryseen.review(project, slug, list(keep), list(take)):
        click.echo(line)


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
                   f"thu, và viết bản in build/TÊN/{RECORDING_SHEET}. Với --common: các đoạn mọi hướng dẫn "
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
    dialect = content.commune.dialect if content.commune else "north"
    for line in listing(voicing_for(settings, project.root, dialect), settings.engine):
        click.echo(line)


@main.group(cls=Group, short_help="Số liệu hồ sơ nộp trực tuyến (content/results.csv).",
            help="Số liệu hồ sơ nộp trực tuyến của từng thủ tục theo tháng (content/results.csv).")
@verbosity_options
def results() -> None:
    pass


@results.command("import", short_help="Nhập số liệu từ báo cáo của hệ thống một cửa (.xlsx hoặc .csv).",
                 help="Nhập số hồ sơ trực tuyến và tổng số hồ sơ theo tháng và mã thủ tục từ TỆP báo cáo xuất từ "
                      "hệ thống một cửa của tỉnh (.xlsx hoặc .csv) vào content/results.csv: dòng cùng tháng, cùng mã "
                      "thì thay số cũ. Các cột được đoán theo tên thường gặp (Tháng, Mã thủ tục, Trực tuyến, Tổng "
                      "số hồ sơ) hoặc chọn bằng tùy chọn, rồi được ghi nhớ trong content/commune.yaml.")
@click.argument("file", metavar="TỆP", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--month", "month_column", metavar="CỘT", help="Cột tháng: tên cột hoặc chữ cái của cột (ví dụ A).")
@click.option("--code", "code_column", metavar="CỘT", help="Cột mã thủ tục.")
@click.option("--online", "online_column", metavar="CỘT", help="Cột số hồ sơ nộp trực tuyến.")
@click.option("--total", "total_column", metavar="CỘT", help="Cột tổng số hồ sơ.")
@click.option("--sheet", metavar="TÊN", help="Trang tính trong tệp Excel (mặc định: trang đầu).")
@click.option("--for-month", metavar="TT/NNNN", help="Báo cáo chỉ có một tháng, không có cột tháng: tháng của nó.")
@verbosity_options
@click.pass_obj
def results_import(project: Project, file: Path, month_column: str | None, code_column: str | None,
                   online_column: str | None, total_column: str | None, sheet: str | None,
                   for_month: str | None) -> None:
    from outreach import resultsimport  # here: only this command reads spreadsheets

    chosen = {name: value for name, value in (("month", month_column), ("code", code_column),
                                              ("online", online_column), ("total", total_column)) if value}
    done = resultsimport.import_export(project, file, chosen, sheet, _month_option(for_month))
    columns = ", ".join(f"{name} = '{header}'" for name, header in done.columns.items())
    _tell(f"Đã nhập {done.added + done.replaced + done.same} dòng vào content/results.csv ({done.added} dòng mới, "
          f"{done.replaced} dòng thay số cũ, {done.same} dòng như cũ); cột: {columns}")
    if done.remembered:
        _tell("Đã ghi nhớ các cột này trong content/commune.yaml (results.columns) cho lần nhập sau.")
    if done.problems:
        raise ContentError(done.problems)


def _month_option(text: str | None) -> Month | None:
    if text is None:
        return None
    try:
        return parse_month(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--for-month") from None


def _check_only(project: Project, only: str | None) -> None:
    if only is not None:
        _check_slug(only)
        if not project.guide_path(only).is_file() and only not in library_slugs(project):
            raise click.ClickException(f"không có hướng dẫn content/guides/{only}.yaml (và thư viện cũng không có)")


def _check_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug):
        raise click.BadParameter(scaffold.SLUG_RULE, param_hint="TÊN")


def _register_server() -> None:
    """`outreach server …` (outreach/server/cli.py): its own group, so a commune's commands stay as they are."""
    from outreach.server.cli import server

    main.add_command(server)


_register_server()
