"""What each field of the schema tells the officer and the tools, declared on the field itself:
its Vietnamese label and help, whether it is prose (spell-checked), whether it is read aloud, the
value `outreach new` writes for the officer to replace, and a Vietnamese name for each allowed value.
The studio's form, the spelling check, the starter files and the placeholder check read it here.
Depends on nothing but pydantic: the schema stays the bottom layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel, Field

ABOUT = "about"  # the key of a field's JSON schema that carries its About


@dataclass(frozen=True)
class About:
    """What a field is, in the officer's words, and how the tools treat it."""

    label: str
    help: str = ""
    prose: bool = True               # Vietnamese prose: spell-checked
    spoken: bool = False             # read aloud in the bulletin or a meeting clip
    placeholder: str | None = None   # what the starter writes; a value still holding it was never edited
    choices: Mapping[str, str] = field(default_factory=dict)   # allowed value → what the officer reads
    choices_from: str | None = None  # the choices are what registers in this entry-point group

    @property
    def hint(self) -> str:
        """The starter file's comment beside the key."""
        return self.help or self.label

    def choice_label(self, value: str) -> str:
        return self.choices.get(value, value)


def described(label: str, help: str = "", *, prose: bool = True, spoken: bool = False,
              placeholder: str | None = None, choices: Mapping[str, str] | None = None,
              choices_from: str | None = None, **field_args: Any) -> Any:
    """A pydantic Field (with `field_args`: default, min_length …) carrying its About."""
    about = About(label, help, prose, spoken, placeholder, dict(choices or {}), choices_from)
    return Field(json_schema_extra={ABOUT: asdict(about)}, **field_args)


def about(model: type[BaseModel], name: str) -> About:
    """The About of `model.name`; a field declared without one is named by its key, and is prose."""
    extra = model.model_fields[name].json_schema_extra
    found = extra.get(ABOUT) if isinstance(extra, dict) else None
    return About(**found) if isinstance(found, dict) else About(name)  # type: ignore[arg-type]


def about_in_schema(prop: Mapping[str, Any], key: str) -> About:
    """The About a field's JSON schema carries (the studio's form reads the schema)."""
    found = prop.get(ABOUT)
    return About(**found) if isinstance(found, dict) else About(prop.get("title") or key)


def inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, through lists and optionals (`list[Step]` → Step); None for plain values."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = inner_model(arg)
        if found is not None:
            return found
    return None


def models_within(model: type[BaseModel]) -> list[type[BaseModel]]:
    """`model` and every model its fields hold, each once, outermost first."""
    found = [model]
    for info in model.model_fields.values():
        inner = inner_model(info.annotation)
        if inner is not None and inner not in found:
            found += [m for m in models_within(inner) if m not in found]
    return found


def placeholders(*models: type[BaseModel]) -> list[str]:
    """Every placeholder the fields of `models` (and the models within them) declare."""
    return [about(m, name).placeholder or "" for model in models for m in models_within(model)
            for name in m.model_fields if about(m, name).placeholder]
