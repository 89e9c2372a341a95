"""What must be built: each guide's output units and the hash of every input that shapes each one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
import jinja2.meta

from outreach import assets
from outreach.content import Content
from outreach.project import Project
from outreach.manifest import digest
from outreach.model import Guide
from outreach.pdf import house_style
from outreach.render import FACILITATOR, PRODUCTS

PACKAGE_DIR = Path(__file__).parent
AUDIO_UNITS = ("broadcast", "meeting")
UNITS = (*(p.name for p in PRODUCTS), "broadcast-text", "sms", *AUDIO_UNITS, FACILITATOR.name)
# With --print: the handout and poster again, as PDF/A-3b with bleed and crop marks.
PRINT_SHOP = {"print-handout": "handout", "print-poster": "poster"}


@dataclass(frozen=True)
class Job:
    """One guide and the units of it that are out of date."""

    slug: str
    guide: Guide
    units: tuple[str, ...]
    inputs: dict[str, str]  # unit → inputs hash, recorded in the manifest once built


class Fingerprints:
    """Hashes of the inputs of each unit; the shared parts are hashed once per build."""

    def __init__(self, project: Project, env: jinja2.Environment, content: Content, engine: str):
        self.project = project
        self.env = env
        self.content = content
        self.engine = engine
        self.common = digest(_package_hash(), content.commune.model_dump_json())
        self.icons = _files_hash(sorted(project.icons_dir.glob("*.svg")))
        self.lexicon = digest(sorted(content.lexicon.items()))
        self.house_style = digest(house_style(project.templates_dir))
        self.fonts = _files_hash([assets.FONT_DIR / name for name in assets.FONT_FACES.values()])

    def for_guide(self, guide: Guide) -> dict[str, str]:
        base = digest(self.common, guide.model_dump_json())
        pictures = _files_hash([self.project.content_dir / p for p in _pictures(guide, self.content)])
        look = (self.house_style, self.icons, pictures, self.fonts)
        inputs = {p.name: digest(base, self._templates(p.template), *look) for p in PRODUCTS}
        inputs["broadcast-text"] = digest(base, self._templates("broadcast.txt.j2"))
        inputs["sms"] = digest(base, self._templates("sms.j2"))
        audio = self.content.commune.audio
        voice = (self.engine, audio.speed, audio.piper_model, self.lexicon)
        inputs["broadcast"] = digest(base, self._templates("broadcast.txt.j2"), voice)
        inputs["meeting"] = digest(base, self._templates("meeting-intro.txt.j2"),
                                    self._templates("meeting-step.txt.j2"), voice)
        for unit, product in PRINT_SHOP.items():
            inputs[unit] = digest(inputs[product], "print shop")
        inputs[FACILITATOR.name] = digest(base, self._templates(FACILITATOR.template), *look, inputs["meeting"])
        return inputs

    @cache
    def _templates(self, name: str) -> str:
        """Hash of a template and every template it extends, includes or imports."""
        seen: dict[str, str] = {}
        pending = [name]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            try:
                source, _, _ = self.env.loader.get_source(self.env, current)
                seen[current] = source
                pending += [t for t in jinja2.meta.find_referenced_templates(self.env.parse(source)) if t]
            except jinja2.TemplateError:  # missing or broken: the build reports it with its line
                seen.setdefault(current, "(unreadable)")
        return digest(sorted(seen.items()))


def _pictures(guide: Guide, content: Content) -> list[str]:
    logo = [content.commune.logo] if content.commune.logo else []
    return logo + [step.image for step in guide.steps if step.image]


@cache
def _package_hash() -> str:
    """outreach's own code and built-in lexicon, subpackages included: a new version of the tool
    rebuilds everything."""
    return _files_hash(sorted(p for p in PACKAGE_DIR.rglob("*") if p.suffix in (".py", ".yaml")), PACKAGE_DIR)


def _files_hash(paths: list[Path], base: Path | None = None) -> str:
    """Hash of the files' names (relative to `base` if given) and contents."""
    sha = hashlib.sha256()
    for path in paths:
        name = path.relative_to(base).as_posix() if base else path.name
        sha.update(name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


