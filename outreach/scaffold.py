"""A new commune's project: a commented commune.yaml, one example guide, an empty schedule and
lexicon. It has no templates/ of its own: the built-in ones are used until the commune puts a file
of the same name in templates/ (see README, Layout)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from outreach import samples
from outreach.atomic import write_atomic
from outreach.errors import OutreachError
from outreach.fields import About, about, models_within
from outreach.model import EDIT_MARK, ICONS, PLACEHOLDER_MARKERS, SLUG_PATTERN, Commune, Guide
from outreach.project import Project
from outreach.sound.engines import engine_labels, installed
from outreach.templating import render, template_environment
from outreach.yamlsource import load_yaml

STARTER = Path(__file__).parent / "starter"  # the content/ folder of a new project


def create(project: Project, name: str | None = None) -> list[Path]:
    """Write a new project into `project.root`; never over an existing content/ folder. With the
    commune's `name` ("xã Tân Phú"), the project follows the bundled library under that name: its
    guides are the library's, and its own guides folder starts empty."""
    if name is not None:
        name = commune_name(name)
    if project.content_dir.exists() and any(project.content_dir.iterdir()):
        raise OutreachError(f"{project.shown(project.content_dir)}/ đã có nội dung; "
                            "hãy chọn một thư mục mới, ví dụ: outreach init xa-moi")
    shutil.copytree(STARTER, project.content_dir, dirs_exist_ok=True)
    commune = render(template_environment(project), "new-commune.yaml.j2", fields=starter_fields(Commune),
                     sample=samples.SAMPLE, engines=engine_labels(), engine_settings=_engine_settings())
    write_atomic(project.content_dir / "commune.yaml", commune.encode("utf-8"))
    if name is not None:
        _follow_bundled_library(project, name)
    return sorted(path for path in project.content_dir.rglob("*") if path.is_file())


SAMPLE_NAME = samples.SAMPLE["name"]  # the starter commune.yaml's example commune
UNIT_WORDS = ("xã", "phường", "đặc khu")


def commune_name(name: str) -> str:
    """The commune's name as settings write it ("xã Tân Phú"), or an error saying how to write it."""
    name = " ".join(name.split())
    words = name.split(" ", 1)
    if len(words) < 2 or words[0].lower() not in UNIT_WORDS:
        raise OutreachError(f"tên '{name}' cần có chữ xã, phường hoặc đặc khu ở đầu, ví dụ --name \"xã Tân Phú\"")
    return f"{words[0].lower()} {words[1]}"


def _follow_bundled_library(project: Project, name: str) -> None:
    """commune.yaml with the commune's name wherever the sample's stood, following the bundled
    library; the sample guide goes (the library has it, written for every commune)."""
    path = project.content_dir / "commune.yaml"
    bare = name.split(" ", 1)[1]
    text = path.read_text(encoding="utf-8").replace(SAMPLE_NAME, name).replace(SAMPLE_NAME.split(" ", 1)[1], bare)
    text = text.replace("# library: bundled", "library: bundled")
    write_atomic(path, text.encode("utf-8"))
    for guide in project.guides_dir.glob("*.yaml"):
        guide.unlink()


def follow_library_guide(project: Project, slug: str) -> Path:
    """content/guides/SLUG.yaml that follows the library guide of that name, with nothing changed
    yet: comments say how to change a key or hide the guide. Never over an existing file."""
    target = project.guide_path(slug)
    if target.exists():
        raise OutreachError(f"{project.shown(target)} đã có; hãy sửa tệp đó")
    text = (f"# Xã theo hướng dẫn '{slug}' của thư viện. Chỉ ghi các mục xã muốn sửa; mục nào không ghi thì\n"
            "# lấy của thư viện (xem từng mục: outreach library show " + slug + ").\n"
            "# Ví dụ: fee: \"Miễn lệ phí.\"   hoặc   hidden: true   (xã không làm thủ tục này)\n"
            f"follows: {slug}\n")
    write_atomic(target, text.encode("utf-8"))
    return target


SLUG_RULE = "chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ dang-ky-khai-sinh"


def new_guide(project: Project, slug: str) -> Path:
    """Write the commented starter guide content/guides/SLUG.yaml (templates/new-guide.yaml.j2);
    never over an existing guide."""
    if not SLUG_PATTERN.match(slug):
        raise OutreachError(f"tên '{slug}' không dùng được: {SLUG_RULE}")
    target = project.guide_path(slug)
    if target.exists():
        raise OutreachError(f"{project.shown(target)} đã có; hãy chọn tên khác hoặc sửa tệp đó")
    text = render(template_environment(project), "new-guide.yaml.j2", slug=slug, today=dt.date.today().isoformat(),
                  fields=starter_fields(Guide), icons=", ".join(f"{name} ({shown})" for name, shown in ICONS.items()),
                  agency=_commune_agency(project))
    write_atomic(target, text.encode("utf-8"))
    return target


# A value the starter writes plainly when YAML reads it back as the same text; else in double quotes.
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^#]*")
COMMENT_GAP = "   "


@dataclass(frozen=True)
class StarterField:
    """One key of a starter file: its line, its comment and its placeholder come from the field's About."""

    key: str
    about: About

    @property
    def hint(self) -> str:
        """The comment beside the key; a placeholder that is a marker of its own (the code's) gets the mark here."""
        marker = self.about.placeholder in PLACEHOLDER_MARKERS and EDIT_MARK not in (self.about.placeholder or "")
        return f"{EDIT_MARK}: {self.about.hint}" if marker else self.about.hint

    @property
    def choices_text(self) -> str:
        """`value: what it is` for each choice of a field whose choices are listed with it."""
        return "; ".join(f"{value}: {shown}" for value, shown in self.about.choices.items())

    @property
    def heading(self) -> str:
        """The comment above a list or a group."""
        return f"{self.about.label}. {self.about.help}" if self.about.help else f"{self.about.label}."

    def line(self, value: object = None, indent: str = "") -> str:
        """`key: value   # hint`, the value being the placeholder unless one is given."""
        return f"{self.bare(value, indent)}{COMMENT_GAP}# {self.hint}"

    def bare(self, value: object = None, indent: str = "") -> str:
        """`key: value` without a comment, where the placeholder itself says what to write."""
        if value is None:
            value = self.about.placeholder or ""
        return f"{indent}{self.key}: {yaml_scalar(value) if isinstance(value, str) else value}"


def _engine_settings() -> list[tuple[str, str, list[StarterField]]]:
    """(name, label, its keys) of each installed engine that has settings, for the starter's comments."""
    return [(spec.name, spec.label, _keys(spec.settings))
            for spec in installed().engines.values() if spec.settings.model_fields]


def _keys(model: type[BaseModel]) -> list[StarterField]:
    return [StarterField(key, about(model, key)) for key in model.model_fields]


def yaml_scalar(text: str) -> str:
    """`text` as a YAML value that reads back as itself (outreach reads every plain value as text)."""
    if _PLAIN.fullmatch(text) and ": " not in text and not re.fullmatch(r"[\d.]+", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def starter_fields(model: type[BaseModel]) -> dict[str, dict[str, StarterField]]:
    """Model name → key → StarterField, for `model` and every model within it."""
    return {m.__name__: {name: StarterField(name, about(m, name)) for name in m.model_fields}
            for m in models_within(model)}


def _commune_agency(project: Project) -> str | None:
    """The commune's committee, for a new guide's agency (most procedures a commune
    explains are its own); None while commune.yaml cannot be read or still holds the sample's."""
    try:
        data = load_yaml(project.content_dir / "commune.yaml", "content/commune.yaml").data
    except OutreachError:
        return None
    committee = data.get("committee") if isinstance(data, dict) else None
    if not isinstance(committee, str) or not committee.strip() or any(
            path == ("committee",) for path, _ in samples.remaining(data)):
        return None
    return committee.strip()
