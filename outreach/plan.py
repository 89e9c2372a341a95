"""What must be built: each guide's out-of-date units, and the hash of every input that shapes each."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from outreach import assets
from outreach.content import Content
from outreach.errors import OutreachError
from outreach.manifest import Manifest, digest
from outreach.model import Guide
from outreach.pdf import house_style
from outreach.products import BY_NAME, RECORDINGS, UNITS, Unit, labels_for
from outreach.project import Project
from outreach.sound.recordings import Takes
from outreach.templating import (
    BoundedSandbox,
    find_template_file,
    icon_names,
    template_errors,
    template_folders,
    template_sources,
)

PACKAGE_DIR = Path(__file__).parent


# Template hashes by (name, every template file's path, time and size): parsing them is most of the
# cost of knowing which guides are out of date, which the studio's guides page asks on every load.
_TEMPLATE_HASHES: dict[tuple, str] = {}


@dataclass(frozen=True)
class Job:
    """One guide and the units of it that are out of date, in the order they are made."""

    slug: str
    guide: Guide
    units: tuple[str, ...]
    inputs: dict[str, str]  # unit → inputs hash, recorded in the manifest once built

    @property
    def sound(self) -> bool:
        return any(BY_NAME[name].voice for name in self.units)


def units_for(with_audio: bool, print_shop: bool, shared: bool = True) -> tuple[Unit, ...]:
    """The units a build makes, in table order (a unit comes after those it follows); a unit made
    from one the build leaves out is left out too. A preview makes no files to forward (`shared`)."""
    chosen: list[Unit] = []
    for unit in UNITS:
        wanted = (with_audio or not unit.voice) and (print_shop or not unit.print_shop) and (shared or not unit.shared)
        if wanted and all(name in {u.name for u in chosen} for name in unit.after):
            chosen.append(unit)
    return tuple(chosen)


class Fingerprints:
    """Hashes of the inputs of each unit; the shared parts are hashed once per build."""

    def __init__(self, project: Project, env: BoundedSandbox, content: Content, engine: str):
        assert content.commune is not None
        self.project = project
        self.env = env
        self.content = content
        self._template_hashes: dict[str, str] = {}
        folders = template_folders(project)
        self._template_files = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for folder in folders
                                     if folder.is_dir() for p in sorted(folder.rglob("*.j2")))
        # The results settings shape only the charts, the approval setting which version is built: neither
        # shapes a guide's outputs.
        self.common = digest(package_hash(), content.commune.model_dump_json(exclude={"results", "approval"}))
        with template_errors():
            self.icons = _files_hash([find_template_file(folders, f"icons/{name}.svg")
                                      for name in sorted(icon_names(folders))])
        self.house_style = digest(house_style(folders))
        self.fonts = _files_hash([assets.FONT_DIR / name for name in assets.FONT_FACES.values()])
        audio = content.commune.audio
        self.voice = digest(engine, audio.model_dump_json(), sorted(content.lexicon.items()))  # engines' settings too

    def for_guide(self, slug: str, guide: Guide, present: Callable[[str, str], bool]) -> dict[str, str]:
        """unit → hash of all that shapes it. `present(name, inputs)` says whether that unit's
        outputs will be there once this build is done: a unit that shows another's outputs (the
        facilitator sheet lists the meeting clips) is remade when they appear or go."""
        base = digest(self.common, guide.model_dump_json())
        look = digest(self.house_style, self.icons, self.fonts,
                      _files_hash([self.project.content_dir / p for p in _pictures(guide, self.content)]))
        voice = digest(self.voice, labels_for(self.content, slug, guide))  # the clips' tags
        takes = Takes(self.project.content_dir / RECORDINGS, slug)
        inputs: dict[str, str] = {}
        for unit in UNITS:
            shown = [inputs[name] if present(name, inputs[name]) else "absent" for name in unit.follows]
            inputs[unit.name] = digest(base, unit.name, [self._templates(t) for t in unit.templates],
                                       look if unit.look else None,
                                       digest(voice, *self._takes(takes, guide, unit)) if unit.voice else None, shown)
        return inputs

    def _takes(self, takes: Takes, guide: Guide, unit: Unit) -> list:
        """What of the officer's recordings shapes a voiced unit: nothing without any that may voice
        what it says (the hash stays what it was: a common take of the closing words remakes the
        bulletins, not the meeting clips), else those takes' names, sizes and times. The tool's
        own notes beside them are left out: it writes them while building, from the text the guide's
        hash covers."""
        if not takes:
            return []
        assert unit.speaks is not None and self.content.commune is not None
        try:
            said = [text for spoken in unit.speaks(self.env, guide, self.content.commune) for text in spoken.sections]
        except OutreachError:  # a template that fails: every take counts, and the unit reports the error
            said = None
        shaping = takes.state_for(said)
        return [shaping] if shaping else []

    def _templates(self, name: str) -> str:
        """Hash of a template and every template it extends, includes or imports (once per build,
        and, in a long-lived process such as the studio, once per state of the template files)."""
        if name not in self._template_hashes:
            key = (name, self._template_files)
            if key not in _TEMPLATE_HASHES:
                if len(_TEMPLATE_HASHES) > 256:
                    _TEMPLATE_HASHES.clear()
                _TEMPLATE_HASHES[key] = digest(sorted(template_sources(self.env, name).items()))
            self._template_hashes[name] = _TEMPLATE_HASHES[key]
        return self._template_hashes[name]


def outdated_guides(project: Project, env: BoundedSandbox, content: Content, manifest: Manifest,
                    only: str | None = None) -> set[str]:
    """The guides whose printed outputs were made from other inputs than they have now (the commune's
    settings, the guide or a template changed since): to be made again before they are printed.
    The sound is left out: its hash also names the engine a build was asked for."""
    if content.commune is None:
        return set()
    fingerprints = Fingerprints(project, env, content, content.commune.audio.engine)
    found = set()
    for slug, guide in content.guides.items():
        built = [u for u in PRINTED if f"{slug}/{u.name}" in manifest.units]
        if not built or only not in (None, slug):
            continue
        inputs = fingerprints.for_guide(slug, guide, lambda name, hash_: manifest.is_current(
            f"{slug}/{name}", hash_))  # noqa: B023 (called now)
        if any(manifest.units[f"{slug}/{u.name}"].inputs != inputs[u.name] for u in built):
            found.add(slug)
    return found


# What is read or printed, and shaped by nothing voiced.
PRINTED = tuple(u for u in UNITS if not u.voice and not any(BY_NAME[name].voice for name in u.follows))


def stale_units(units: tuple[Unit, ...], slug: str, inputs: dict[str, str], manifest: Manifest,
                force: bool) -> tuple[str, ...]:
    """The names of `units` whose outputs are missing, changed or made from other inputs."""
    return tuple(u.name for u in units if force or not manifest.is_current(f"{slug}/{u.name}", inputs[u.name]))


def _pictures(guide: Guide, content: Content) -> list[str]:
    assert content.commune is not None
    logo = [content.commune.logo] if content.commune.logo else []
    return logo + [step.image for step in guide.steps if step.image]


@cache
def package_hash() -> str:
    """outreach's own code and built-in lexicon, subpackages included: a new version of the tool
    rebuilds everything. The studio and the province server only call this code and shape no
    output, so they are left out (a server update must not rebuild a whole province). So is the
    bundled library: a guide made from it is hashed with its values, so a library change rebuilds
    only the guides it changes."""
    return _files_hash(sorted(p for p in PACKAGE_DIR.rglob("*") if p.suffix in (".py", ".yaml")
                              and not {"studio", "server", "library"} & set(p.relative_to(PACKAGE_DIR).parts[:-1])),
                       PACKAGE_DIR)


def _files_hash(paths: Sequence[Path | None], base: Path | None = None) -> str:
    """Hash of the files' names (relative to `base` if given) and contents."""
    sha = hashlib.sha256()
    for path in paths:
        if path is None:
            continue
        name = path.relative_to(base).as_posix() if base else path.name
        sha.update(name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()
