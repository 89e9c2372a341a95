"""Every output, declared once: its name, what shapes it, how it is made, the files it writes and
what the catalog calls it. Planning (plan.py), building (guidebuild.py) and the catalog (catalog.py)
are derived from UNITS (a guide's outputs, in build/<slug>/); what the guides make together (the
joined prints, the schedule, the results charts, the catalog itself, in build/) from COMMUNE_UNITS.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from outreach import assets, script, share, sms
from outreach.atomic import write_atomic
from outreach.content import Content
from outreach.errors import ContentError, DoesNotFit, Problem
from outreach.model import Commune, Guide
from outreach.pdf import joined_pdf, laid_out, render_pdf
from outreach.project import Project
from outreach.render import render_html
from outreach.sidecars import (
    BulletinRecord,
    ClipRecord,
    SectionRecord,
    bulletin_json,
    clips_json,
    read_bulletin,
    read_clips,
)
from outreach.sound.recordings import Takes, name_takes_by_section, unplaced_takes
from outreach.sound.speech import Clip, Labels, Speaker
from outreach.templating import BoundedSandbox, template_folders
from outreach.text import ascii_slug
from outreach.timing import Timings

RECORDINGS = "recordings"  # content/recordings/<slug>/: the officer's takes
LONGEST_BULLETIN = 180  # seconds: residents stop listening to a loudspeaker after about three minutes


@dataclass
class Context:
    """What every unit of a build shares; made once per build and worker process."""

    project: Project
    content: Content
    commune: Commune   # content.commune, known to be there: a build stops earlier without it
    env: BoundedSandbox
    speaker: Speaker
    timings: Timings
    pdf_reuse: dict = field(default_factory=dict)  # fonts, images and style WeasyPrint keeps between renders
    # The officer's own view (the studio's preview): facts nobody confirmed yet are marked on it. A
    # build makes residents' prints, which never carry the mark.
    officer_view: bool = True


@dataclass
class Made:
    """What making one unit wrote: its files, the clips among them, and warnings for the officer."""

    paths: list[Path]
    clips: list[Clip] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    again: bool = False  # made again at the next build even if nothing changed (a take could not be noted)


# A maker makes the given units of one guide into build/<slug>/ and says what each wrote. Units that
# share a maker are made by one call (the bulletin and the meeting clips are spoken in one batch).
Maker = Callable[[Context, Guide, Path, list["Unit"]], dict[str, Made]]
# What a voiced unit says: its scripts, from the guide and the commune.
Scripts = Callable[[BoundedSandbox, Guide, Commune], list[script.Script]]


@dataclass(frozen=True)
class Page:
    """How a printed unit is laid out."""

    template: str
    one_page: bool               # must fit exactly one page (type shrinks a little before giving up)
    first_scale: float = 1.0     # where the search for the largest type that fits starts
    print_shop: bool = False     # PDF/A-3b with 3 mm bleed and crop marks


@dataclass(frozen=True)
class Unit:
    """One output unit of a guide, recorded in the manifest as `<slug>/<name>`."""

    name: str
    label: str                   # what the catalog calls it (Vietnamese)
    kind: str                    # "pdf", "text" or "audio": how the catalog shows it
    file: str                    # its main file in build/<slug>/ (a PDF, a text, a sidecar)
    make: Maker
    templates: tuple[str, ...] = ()
    page: Page | None = None
    look: bool = False           # shaped by style.css, the pictograms, the pictures and the fonts
    speaks: Scripts | None = None  # voiced: shaped by the engine, the speed, the lexicon and the takes
    after: tuple[str, ...] = ()  # units it is made from: made before it; without them it is not made
    shows: tuple[str, ...] = ()  # units whose outputs it lists when they are there (made before it)
    print_shop: bool = False     # made only with --print
    collects: bool = False       # gathers the guide's other outputs: made once all its other units are
    sound: str = ""              # a voiced unit's MP3 beside its sidecar (`{clip}`: the script's name)

    @property
    def voice(self) -> bool:
        return self.speaks is not None

    @property
    def shared(self) -> bool:
        """Made to forward (share/): never made of a version not approved yet."""
        return self.file.startswith("share/")

    @property
    def follows(self) -> tuple[str, ...]:
        """Every unit whose outputs shape this one's."""
        return self.after + self.shows

    def file_of(self, slug: str) -> str:
        """Its main file, relative to build/<slug>/ (a shared file is named after its guide)."""
        return self.file.format(slug=slug)

    def sound_of(self, clip: str = "") -> str:
        """A voiced unit's MP3, relative to build/<slug>/."""
        return self.sound.format(clip=clip)


def _printed(ctx: Context, guide: Guide, folder: Path, units: list[Unit]) -> dict[str, Made]:
    """Each printed unit as a PDF (a facilitator sheet lists the meeting clips made before it)."""
    made = {}
    for unit in units:
        assert unit.page is not None
        clips = read_clips(folder / BY_NAME["meeting"].file) if "meeting" in unit.shows else []
        pdf, warnings = render_page(ctx, unit.page, guide, clips)
        target = folder / unit.file
        write_atomic(target, pdf)
        made[unit.name] = Made([target], warnings=[f"{ctx.project.shown(target)}: {w}" for w in warnings])
    return made


def _page_picture(ctx: Context, guide: Guide, folder: Path, units: list[Unit]) -> dict[str, Made]:
    """A printed page as a picture to forward on Zalo, from the PDF just made."""
    made = {}
    for unit in units:
        target = folder / unit.file
        write_atomic(target, share.page_picture(folder / BY_NAME[unit.after[0]].file))
        made[unit.name] = Made([target])
    return made


def _card(ctx: Context, guide: Guide, folder: Path, units: list[Unit]) -> dict[str, Made]:
    """The phone card: its own one-page template, laid out at 1080 × 1350 px, then made a picture."""
    [unit] = units
    assert unit.page is not None
    pdf, warnings = render_page(ctx, unit.page, guide)
    target = folder / unit.file
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "card.pdf"
        page.write_bytes(pdf)
        write_atomic(target, share.page_picture(page, *share.CARD_SIZE))
    return {unit.name: Made([target], warnings=[f"{ctx.project.shown(target)}: {w}" for w in warnings])}


def _named_audio(ctx: Context, guide: Guide, folder: Path, units: list[Unit]) -> dict[str, Made]:
    """The bulletin under the guide's own name: a forwarded file keeps only its name and tags."""
    [unit] = units
    target = folder / unit.file_of(folder.name)
    write_atomic(target, (folder / BY_NAME[unit.after[0]].sound_of()).read_bytes())
    return {unit.name: Made([target])}


def _bundle(ctx: Context, guide: Guide, folder: Path, units: list[Unit]) -> dict[str, Made]:
    """Every output of the guide in one ZIP, for a hamlet head or a loudspeaker operator."""
    [unit] = units
    target = folder / unit.file_of(folder.name)
    write_atomic(target, share.folder_zip(folder, skip={unit.file_of(folder.name)}))
    return {unit.name: Made([target])}


def render_page(ctx: Context, page: Page, guide: Guide,
                clips: list[ClipRecord] | None = None) -> tuple[bytes, list[str]]:
    """PDF bytes of one printed product and WeasyPrint's warnings about it."""
    return render_pdf(*_layout(ctx, page, guide, clips), one_page=page.one_page, print_shop=page.print_shop,
                      reuse=ctx.pdf_reuse, first_scale=page.first_scale, timings=ctx.timings)


def joined_pages(ctx: Context, unit: Unit, guides: list[Guide]) -> bytes | None:
    """`unit`'s pages of every guide in one tagged PDF, for one print job (build/handouts.pdf); None
    when no page could be laid out."""
    assert unit.page is not None
    page = unit.page
    documents = []
    for guide in guides:
        # A guide whose page no longer fits has that failure reported by its own unit.
        with contextlib.suppress(DoesNotFit):
            documents.append(laid_out(*_layout(ctx, page, guide, None), one_page=page.one_page, reuse=ctx.pdf_reuse,
                                      first_scale=page.first_scale, timings=ctx.timings))
    if not documents:
        return None
    return joined_pdf(documents, f"{unit.label} – tất cả thủ tục – {ctx.commune.name}")


def _layout(ctx: Context, page: Page, guide: Guide,
            clips: list[ClipRecord] | None) -> tuple[Callable[[float], str], list[Path], list[Path]]:
    """What laying out one product of `guide` takes: its HTML at a scale, template folders, readable roots."""
    folders = template_folders(ctx.project)
    return (lambda scale: render_html(ctx.env, ctx.project, page.template, guide, ctx.commune, scale, clips,
                                      ctx.officer_view),
            folders, [ctx.project.content_dir, *folders, assets.FONT_DIR])


def _bulletin_text(ctx: Context, guide: Guide, folder: Path, units: list[Unit]) -> dict[str, Made]:
    target = folder / units[0].file
    write_atomic(target, script.bulletin(ctx.env, guide, ctx.commune).text.encode("utf-8"))
    return {"broadcast-text": Made([target])}


def _sms(ctx: Context, guide: Guide, folder: Path, units: list[Unit]) -> dict[str, Made]:
    text, warnings = sms.sms_text(sms.notices(ctx.env, guide, ctx.commune))
    target = folder / units[0].file
    write_atomic(target, text.encode("utf-8"))
    return {"sms": Made([target], warnings=[f"{ctx.project.shown(target)}: {w}" for w in warnings])}


def _bulletin_and_clips(ctx: Context, guide: Guide, folder: Path, units: list[Unit]) -> dict[str, Made]:
    """The bulletin and the meeting clips, spoken in one batch (a section they share is made once).
    A take is checked against every section of the guide, made now or not."""
    commune, names = ctx.commune, {unit.name for unit in units}
    spoken, sessions = BY_NAME["broadcast"], BY_NAME["meeting"]
    [bulletin], meeting = _bulletin(ctx.env, guide, commune), script.meeting_clips(ctx.env, guide, commune)
    scripts = [(bulletin, folder / spoken.sound_of(), True)] if spoken.name in names else []
    scripts += [(part, folder / sessions.sound_of(part.name), False) for part in meeting if sessions.name in names]
    takes = _takes_by_name(ctx, folder.name, [bulletin, *meeting])
    clips = ctx.speaker.make_clips_in_place(scripts, labels_for(ctx.content, folder.name, guide), takes,
                                         [bulletin, *meeting])
    said: set[str] = set()  # a take shared by the bulletin and a meeting clip is warned about once
    # A take not noted yet may voice the other clips' sections once it is: all are made again.
    again = any(clip.again for clip in clips)
    made = {}
    if spoken.name in names:
        clip, clips = clips[0], clips[1:]
        sidecar = folder / spoken.file
        record = BulletinRecord(**vars(_clip_record(clip)), slug=folder.name, speed=commune.audio.speed,
                                priority=guide.priority or commune.audio.priority)
        write_atomic(sidecar, bulletin_json(record))
        made[spoken.name] = Made([clip.path, sidecar], [clip],
                                 _length_warnings(ctx, clip) + _unused_takes([clip], said), again)
    if sessions.name in names:
        index = folder / sessions.file
        write_atomic(index, clips_json([_clip_record(c) for c in clips]))
        _remove_stale_clips(index.parent, {c.path.name for c in clips})
        made[sessions.name] = Made([c.path for c in clips] + [index], clips, _unused_takes(clips, said), again)
    return made


def _takes_by_name(ctx: Context, slug: str, scripts: list[script.Script]) -> Takes:
    """The guide's takes, those named by place renamed by section first; a take of a section the
    templates no longer have (merged into another, or dropped) stops the guide's audio, named."""
    own = ctx.project.content_dir / RECORDINGS / slug
    name_takes_by_section(own, scripts)
    lost = [Problem(ctx.project.shown(take.path), 1, "(bản thu)",
                    f"đoạn '{name}' không còn trong mẫu templates/{spoken.template} (đã bị gộp vào đoạn khác hoặc "
                    f"bị bỏ): bản thu này không biết đọc vào đâu; hãy đặt lại {{{{ section(\"{name}\") }}}} trước "
                    "đoạn đó trong mẫu, hoặc xóa bản thu")
            for take, spoken, name in unplaced_takes(own, scripts)]
    if lost:
        raise ContentError(lost)
    return Takes(ctx.project.content_dir / RECORDINGS, slug)


def _bulletin(env: BoundedSandbox, guide: Guide, commune: Commune) -> list[script.Script]:
    return [script.bulletin(env, guide, commune)]


def labels_for(content: Content, slug: str, guide: Guide) -> Labels:
    """The tags of a guide's clips: the committee, the guide, and the first campaign that plays it."""
    assert content.commune is not None
    campaigns = [c.name for c in content.schedule.campaigns if any(slug in slot.guides for slot in c.slots)] \
        if content.schedule else []
    return Labels(content.commune.committee, guide.title, campaigns[0] if campaigns else Labels.album)


def _length_warnings(ctx: Context, clip: Clip) -> list[str]:
    """A bulletin longer than residents listen to. Not for a draft: espeak-ng is read slowly on purpose,
    a real voice or the officer's reading of the same text is shorter."""
    if clip.seconds <= LONGEST_BULLETIN or clip.draft:
        return []
    minutes, seconds = divmod(round(clip.seconds), 60)
    return [f"{ctx.project.shown(clip.path)}: bản tin dài {minutes} phút {seconds} giây; bản tin loa nên dưới 3 phút, "
            "hãy rút gọn lời các bước hoặc danh sách giấy tờ"]


def _unused_takes(clips: list[Clip], said: set[str]) -> list[str]:
    """The recordings to make again or to listen to again, each once per build of a guide."""
    fresh = [w for clip in clips for w in clip.warnings if w not in said]
    said.update(fresh)
    return list(dict.fromkeys(fresh))


def _remove_stale_clips(folder: Path, keep: set[str]) -> None:
    """Clips of steps that were renamed or removed would otherwise be played at meetings."""
    for old in folder.glob("*.mp3"):
        if old.name not in keep:
            old.unlink()


def _clip_record(clip: Clip) -> ClipRecord:
    return ClipRecord(clip.path.name, clip.title, round(clip.seconds, 1), clip.engine, clip.voice, clip.draft,
                      round(clip.lufs, 1), round(clip.true_peak, 1), clip.reading,
                      tuple(SectionRecord(**section) for section in clip.sections),
                      hashlib.sha256(clip.path.read_bytes()).hexdigest())


def bulletin_of(build_dir: Path, slug: str) -> BulletinRecord | None:
    """What the last build said of a guide's bulletin (None: not made, or its sidecar is damaged)."""
    return read_bulletin(build_dir / slug / BY_NAME["broadcast"].file)


def meeting_clips_of(build_dir: Path, slug: str) -> list[ClipRecord]:
    """What the last build said of a guide's meeting clips, in the order played."""
    return read_clips(build_dir / slug / BY_NAME["meeting"].file)


_handout = Page("handout.html.j2", one_page=True, first_scale=0.95)  # five of six samples fit at 95 % or less
_poster = Page("poster.html.j2", one_page=True)

UNITS: tuple[Unit, ...] = (
    Unit("handout", "Tờ hướng dẫn A4", "pdf", "handout.pdf", _printed, ("handout.html.j2",), _handout, look=True),
    Unit("handout-large", "Bản chữ to", "pdf", "handout-large.pdf", _printed, ("handout-large.html.j2",),
         Page("handout-large.html.j2", one_page=False), look=True),
    Unit("poster", "Áp phích A3", "pdf", "poster.pdf", _printed, ("poster.html.j2",), _poster, look=True),
    Unit("broadcast-text", "Lời bản tin để đọc trên loa", "text", "broadcast.txt", _bulletin_text,
         ("broadcast.txt.j2",)),
    Unit("sms", "Mẫu tin nhắn SMS (có dấu và không dấu)", "text", "sms.txt", _sms, ("sms.j2",)),
    Unit("broadcast", "Bản tin loa", "audio", "broadcast.json", _bulletin_and_clips, ("broadcast.txt.j2",),
         speaks=_bulletin, sound="broadcast.mp3"),
    Unit("meeting", "Đoạn âm thanh cho buổi sinh hoạt", "audio", "meeting/index.json", _bulletin_and_clips,
         ("meeting-intro.txt.j2", "meeting-step.txt.j2"), speaks=script.meeting_clips, sound="meeting/{clip}.mp3"),
    Unit("facilitator", "Tài liệu cho người chủ trì", "pdf", "facilitator.pdf", _printed, ("facilitator.html.j2",),
         Page("facilitator.html.j2", one_page=False), look=True, shows=("meeting",)),
    Unit("print-handout", "Tờ hướng dẫn A4 cho nhà in", "pdf", "print/handout.pdf", _printed, ("handout.html.j2",),
         Page(_handout.template, True, _handout.first_scale, print_shop=True), look=True, print_shop=True),
    Unit("print-poster", "Áp phích A3 cho nhà in", "pdf", "print/poster.pdf", _printed, ("poster.html.j2",),
         Page(_poster.template, True, print_shop=True), look=True, print_shop=True),
)
_SHARED = (
    Unit("share-handout", "Ảnh tờ hướng dẫn (gửi Zalo)", "picture", "share/handout.jpg", _page_picture,
         after=("handout",)),
    Unit("share-poster", "Ảnh áp phích (gửi Zalo)", "picture", "share/poster.jpg", _page_picture, after=("poster",)),
    Unit("share-card", "Thẻ hướng dẫn cho điện thoại", "picture", "share/card.jpg", _card, ("card.html.j2",),
         Page("card.html.j2", one_page=True), look=True),
    Unit("share-audio", "Bản tin loa, tệp MP3 mang tên thủ tục", "file", "share/{slug}.mp3", _named_audio,
         after=("broadcast",)),
)
UNITS += _SHARED
UNITS += (Unit("share-zip", "Mọi tệp của thủ tục (ZIP)", "file", "share/{slug}.zip", _bundle,
               shows=tuple(u.name for u in UNITS), collects=True),)
BY_NAME = {unit.name: unit for unit in UNITS}
# What `outreach record` prints into build/<slug>/ (not a unit: no build makes it, the manifest does not record it).
RECORDING_SHEET = "kich-ban-thu-am.pdf"


@dataclass(frozen=True)
class CommuneUnit:
    """One output of all the guides together, in build/ beside their folders."""

    name: str
    label: str          # what the catalog calls it (Vietnamese); `{part}`: one of its files (a playlist's slot)
    file: str           # relative to build/; `{part}`: one of several files (a playlist, a chart)
    key: str = ""       # its manifest key ("": not recorded, made again each build when it changed)
    joins: str = ""     # the guide unit whose pages it puts in one print job, in the catalog's order
    linked: bool = True  # linked at the top of the catalog when it is there (charts are shown, not linked)

    def file_of(self, part: str = "") -> str:
        return self.file.format(part=part)

    def label_of(self, part: str = "") -> str:
        return self.label.format(part=part)

    @property
    def folder(self) -> str:
        """Its folder relative to build/ ("" for build/ itself)."""
        parent = Path(self.file).parent
        return "" if parent == Path() else parent.as_posix()

    def parts(self, build_dir: Path) -> list[Path]:
        """Its files that are there, in order."""
        return sorted(build_dir.glob(self.file_of("*")))


COMMUNE_KEY = "_commune/"  # manifest keys of what all guides make together (no slug starts with "_")
COMMUNE_UNITS: tuple[CommuneUnit, ...] = (
    CommuneUnit("handouts", "Mọi tờ hướng dẫn trong một tệp để in (PDF)", "handouts.pdf",
                f"{COMMUNE_KEY}handouts.pdf", joins="handout"),
    CommuneUnit("posters", "Mọi áp phích trong một tệp để in (PDF)", "posters.pdf",
                f"{COMMUNE_KEY}posters.pdf", joins="poster"),
    CommuneUnit("schedule", "Lịch phát thanh (PDF)", "schedule/schedule.pdf", "schedule/pdf"),
    CommuneUnit("playlists", "Danh sách phát khung {part}", "schedule/{part}.m3u"),
    CommuneUnit("results", "Biểu đồ kết quả", "results/{part}.svg", f"{COMMUNE_KEY}results", linked=False),
    CommuneUnit("catalog", "Danh mục", "index.html", linked=False),
)
COMMUNE_BY_NAME = {unit.name: unit for unit in COMMUNE_UNITS}
JOINED = tuple(unit for unit in COMMUNE_UNITS if unit.joins)  # one file for one print job
COMMUNE_CHART = "ti-le-truc-tuyen"  # the results unit's chart of the whole commune (a procedure's: its slug)


def download_name(slug: str, rel: str) -> str:
    """The name a guide's file is downloaded under, saying the procedure and what it is
    (`dang-ky-khai-sinh-to-huong-dan.jpg`, not `handout.jpg`): a forwarded file keeps only its name."""
    name = Path(rel).name
    same = [u for u in UNITS if u.file_of(slug) == rel] + [
        u for u in UNITS if Path(u.file_of(slug)).with_suffix("") == Path(rel).with_suffix("")]  # broadcast.mp3
    unit = same[0] if same else None
    if unit is None or name.startswith(slug):
        return name if name.startswith(slug) else f"{slug}-{name}"
    words = re.sub(r"\(.*?\)|\bA[34]\b|^Ảnh ", "", unit.label).split(",")[0]
    return f"{slug}-{ascii_slug(words)}{Path(rel).suffix}"
