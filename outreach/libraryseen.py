"""What a commune last saw of its library: content/library-seen/<slug>.yaml holds each library guide's
values as the commune last reviewed them. A value the commune overrode that has changed in the
library since is a notice ("thư viện đã đổi") until the commune keeps its own or takes the
library's; `outreach library update` shows everything that changed and notes it as seen."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML

from outreach.atomic import write_atomic
from outreach.errors import ContentError, OutreachError, Problem
from outreach.library import FOLLOWS, HIDDEN, SEEN_DIR, YES, Arranged, Layered, Library, find, layered
from outreach.project import Project
from outreach.yamlsource import Source, load_yaml

SEEN_HEADER = ("# Tệp do outreach ghi: giá trị của hướng dẫn trong thư viện mà xã đã xem lần cuối\n"
               "# (để báo khi thư viện đổi một mục xã đã sửa). Đừng sửa tay; dùng 'outreach library review'.\n")
SHOWN_CHARACTERS = 300


@dataclass(frozen=True)
class Change:
    """A value the commune overrode whose library value changed since the commune last saw it."""

    slug: str          # the commune's guide
    key: str
    own: Any
    library: Any
    file: str
    line: int

    def notice(self) -> Problem:
        return Problem(self.file, self.line, self.key,
                       f"thư viện đã đổi mục này. Thư viện nay ghi: «{shown_value(self.library)}»; xã đang dùng: "
                       f"«{shown_value(self.own)}». Giữ của xã: outreach library review {self.slug} --keep {self.key}; "
                       f"lấy của thư viện: outreach library review {self.slug} --take {self.key}")


def shown_value(value: Any) -> str:
    """A value on one line, cut short: a list of documents is shown as YAML's one-line form."""
    text = value if isinstance(value, str) else yaml.safe_dump(value, allow_unicode=True, default_flow_style=True,
                                                               width=10_000).strip()
    text = " ".join(str(text).split())
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS - 1] + "…"


def seen_path(project: Project, library_slug: str) -> Path:
    return project.content_dir / SEEN_DIR / f"{library_slug}.yaml"


def read_seen(project: Project, library_slug: str) -> dict | None:
    """The library's values the commune last saw for this guide; None if never noted (or unreadable:
    then it is noted again)."""
    path = seen_path(project, library_slug)
    if not path.is_file():
        return None
    try:
        return load_yaml(path, project.shown(path)).data
    except ContentError:
        return None


def write_seen(project: Project, library_slug: str, data: dict) -> None:
    text = SEEN_HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    write_atomic(seen_path(project, library_slug), text.encode("utf-8"))


def pending(project: Project, slug: str, guide: Layered) -> list[Change]:
    """The overridden values of one commune guide whose library value changed since last seen."""
    if guide.library is None or guide.own is None:
        return []
    seen = read_seen(project, Path(guide.library.name).stem)
    if seen is None:
        return []
    library = guide.library.data
    return [Change(slug, key, guide.own.data[key], library.get(key), *guide.own.where((key,)))
            for key in guide.overridden if key in library and library.get(key) != seen.get(key)]


def notices(project: Project, arranged: Arranged) -> list[Problem]:
    """A warning for each value the commune overrode that its library changed since."""
    return [change.notice() for slug, source in sorted(arranged.sources.items()) if isinstance(source, Layered)
            for change in pending(project, slug, source)]


def note_first_sight(project: Project) -> list[str]:
    """Note the library's values of every library guide the commune has not seen yet (its first
    validate or build, or a guide new in the library); the slugs noted."""
    library, _ = find(project)
    noted = []
    for path in library.guide_paths() if library else []:
        if read_seen(project, path.stem) is None:
            try:
                write_seen(project, path.stem, load_yaml(path, path.name).data)
            except ContentError:
                continue  # validation names the broken library file
            noted.append(path.stem)
    return noted


# --- outreach library update / review -------------------------------------------------------------

def followers(project: Project) -> dict[str, tuple[str, Source]]:
    """library slug → (the commune's slug, its file) for every commune file that follows one."""
    found = {}
    for path in project.guide_paths():
        try:
            source = load_yaml(path, project.shown(path))
        except ContentError:
            continue
        target = source.data.get(FOLLOWS)
        if isinstance(target, str):
            found[target] = (path.stem, source)
    return found


def update(project: Project) -> list[str]:
    """What changed in the library since the commune last saw it, one line each; everything is then
    noted as seen except the changed values the commune overrides (those wait for its review)."""
    library = _library(project)
    follows = followers(project)
    lines: list[str] = []
    slugs = set()
    for path in library.guide_paths():
        slugs.add(path.stem)
        lines += _update_guide(project, library, path, follows.get(path.stem))
    for old in sorted((project.content_dir / SEEN_DIR).glob("*.yaml")):
        if old.stem not in slugs:
            old.unlink()
            lines.append(f"{old.stem}: thư viện đã bỏ hướng dẫn này; xã không còn nhận bản của thư viện")
    return lines


def _update_guide(project: Project, library: Library, path: Path, follower: tuple[str, Source] | None) -> list[str]:
    try:
        now = load_yaml(path, library.shown(project, path)).data
    except ContentError as exc:
        return [str(problem) for problem in exc.problems]
    seen = read_seen(project, path.stem)
    if seen is None:
        write_seen(project, path.stem, now)
        return [f"{path.stem}: hướng dẫn mới của thư viện: {now.get('title', path.stem)}"]
    own = follower[1].data if follower else {}
    lines, kept = [], dict(now)
    for key in [k for k in {**seen, **now} if now.get(k) != seen.get(k)]:
        line = f"{path.stem}: {key}: «{shown_value(seen.get(key, ''))}» → «{shown_value(now.get(key, ''))}»"
        if key in own and key not in (FOLLOWS, HIDDEN):
            assert follower is not None
            kept[key] = seen.get(key)
            line += (f" (xã đã sửa mục này, vẫn dùng của xã: xem lại bằng outreach library review {follower[0]} "
                     f"--keep {key} hoặc --take {key})")
        lines.append(line)
    write_seen(project, path.stem, {k: v for k, v in kept.items() if v is not None})
    return lines


def review(project: Project, slug: str, keep: list[str], take: list[str]) -> list[str]:
    """Keep the commune's own values or take the library's for `slug`'s changed fields; with neither,
    the changes waiting for review. One line per field."""
    path = project.guide_path(slug)
    if not path.is_file():
        raise OutreachError(f"không có tệp {project.shown(path)}; chỉ xem lại được hướng dẫn mà xã đã sửa (follows)")
    own = load_yaml(path, project.shown(path))
    target = own.data.get(FOLLOWS)
    library = _library(project)
    if not isinstance(target, str) or not library.guide_path(target).is_file():
        raise OutreachError(f"{project.shown(path)} không theo hướng dẫn nào của thư viện (thiếu 'follows:')")
    now = load_yaml(library.guide_path(target), library.shown(project, library.guide_path(target))).data
    seen = read_seen(project, target) or dict(now)
    for key in [*keep, *take]:
        if key not in own.data or key in (FOLLOWS, HIDDEN):
            raise OutreachError(f"{project.shown(path)}: xã không sửa mục '{key}'; các mục xã sửa: "
                                f"{', '.join(k for k in own.data if k not in (FOLLOWS, HIDDEN))}")
        seen[key] = now.get(key)
    if take:
        _remove_keys(path, take)
    write_seen(project, target, {k: v for k, v in seen.items() if v is not None})
    done = [f"{slug}: {key}: giữ giá trị của xã" for key in keep]
    done += [f"{slug}: {key}: lấy giá trị của thư viện «{shown_value(now.get(key, ''))}»" for key in take]
    if done:
        return done
    layered = Layered(own.name, {}, {}, [], Source(library.shown(project, library.guide_path(target)), now, {}),
                      own, None, tuple(k for k in own.data if k not in (FOLLOWS, HIDDEN)))
    changes = pending(project, slug, layered)
    return [str(change.notice()) for change in changes] or [f"{slug}: không có gì thư viện đổi mà xã chưa xem"]


def status(project: Project) -> list[str]:
    """One line per library guide: followed as it is, changed by the commune (which keys, and which
    of them the library changed since), hidden, or replaced by the commune's own guide."""
    library = _library(project)
    follows = followers(project)
    lines = [f"Thư viện: {library.setting} ({library.root})"]
    for path in library.guide_paths():
        lines.append(f"  {path.stem}: {_state(project, library, path, follows.get(path.stem))}")
    return lines


def _state(project: Project, library: Library, path: Path, follower: tuple[str, Source] | None) -> str:
    if follower is None:
        own = project.guide_path(path.stem)
        return "xã dùng hướng dẫn riêng cùng tên (không theo thư viện)" if own.is_file() else "theo thư viện"
    slug, own_source = follower
    if own_source.data.get(HIDDEN) in YES:
        return f"xã ẩn hướng dẫn này ({own_source.name})"
    try:
        library_source = load_yaml(path, library.shown(project, path))
    except ContentError:
        return "tệp của thư viện có lỗi (outreach validate)"
    changes = pending(project, slug, layered(library_source, own_source, None))
    keys = [k for k in own_source.data if k not in (FOLLOWS, HIDDEN)]
    state = f"xã sửa {', '.join(keys)} ({own_source.name})" if keys else f"theo thư viện ({own_source.name})"
    if changes:
        state += f"; thư viện đã đổi {', '.join(c.key for c in changes)}: outreach library review {slug}"
    return state


def origins(project: Project, slug: str) -> list[str]:
    """Where each value of a guide the commune follows comes from: the library's file or the
    commune's (or commune.yaml for the agency), with the line, one key a line."""
    library = _library(project)
    own_path = project.guide_path(slug)
    own = load_yaml(own_path, project.shown(own_path)) if own_path.is_file() else None
    target = own.data.get(FOLLOWS) if own else slug
    if not isinstance(target, str) or not library.guide_path(target).is_file():
        raise OutreachError(f"'{slug}' không phải hướng dẫn theo thư viện (không có trong thư viện, hoặc tệp "
                            f"{project.shown(own_path)} không có 'follows:')")
    path = library.guide_path(target)
    guide = layered(load_yaml(path, library.shown(project, path)), own, _commune(project))
    return [f"{key}: {_whose(guide, key)} ({':'.join(map(str, guide.where((key,))))})" for key in guide.data]


def _whose(guide: Layered, key: str) -> str:
    source = guide.origin(key)
    return "xã" if source is guide.own else ("thư viện" if source is guide.library else "thông tin của xã")


def _commune(project: Project) -> Source | None:
    path = project.content_dir / "commune.yaml"
    try:
        return load_yaml(path, project.shown(path))
    except ContentError:
        return None


def _library(project: Project) -> Library:
    library, problem = find(project)
    if problem is not None:
        raise ContentError([problem])
    if library is None:
        raise OutreachError("xã chưa theo thư viện nào; hãy ghi 'library: bundled' (hoặc đường dẫn thư viện của "
                            "tỉnh) trong content/commune.yaml")
    return library


def _remove_keys(path: Path, keys: list[str]) -> None:
    """Take the keys out of the commune's file, keeping its comments and the rest as written."""
    editor = YAML()
    editor.preserve_quotes = True
    editor.width = 4096
    data = editor.load(path.read_text(encoding="utf-8"))
    for key in keys:
        data.pop(key, None)
    out = io.StringIO()
    editor.dump(data, out)
    write_atomic(path, out.getvalue().encode("utf-8"))
