"""Spelling check of every Vietnamese text field with the Vietnamese hunspell dictionary (Debian's
hunspell-vi, or the copy in outreach/dictionary), read by spylls."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from outreach import programs
from outreach.content import Content
from outreach.errors import Problem, SpellerMissing
from outreach.fields import about, inner_model
from outreach.library import FOLLOWS, HIDDEN
from outreach.limits import MAX_WORDS_BYTES, read_text_capped
from outreach.model import Commune, Guide
from outreach.project import Project
from outreach.yamlsource import Source, dotted_key

WORD = re.compile(r"[^\W\d_]+")
WEB_ADDRESS = re.compile(r"https?://\S+|\b[\w.-]+\.(?:vn|com|net|org)\b\S*")
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
# "Ủy/xóa" (tone on the first vowel) and "Uỷ/xoá" (on the second) are both in use; the dictionary
# knows only the second, so a word is accepted in either placement.
OLD_STYLE = re.compile(f"([oOuU])([{TONE_MARKS}])([aAeEyY])$")


def check(project: Project, content: Content) -> list[Problem]:
    """`file:line: key: từ lạ 'word'` for each word the dictionary and the commune's lists do not know."""
    known = _commune_words(project) | {word for key in content.lexicon for word in WORD.findall(key)}
    occurrences = []
    for source in content.sources:  # validation reports broken files; spelling reads the readable ones
        for key_path, text in _texts(source.data, _model_of(source), ()):
            for word in WORD.findall(WEB_ADDRESS.sub(" ", text)):
                if word not in known and not _looks_like_a_name_or_code(word):
                    occurrences.append((source.name, source.line_of(key_path), dotted_key(key_path), word))
    words = {word for *_, word in occurrences}
    unknown = _unknown(words | {_other_tone_placement(w) for w in words})
    unknown = {w for w in words if w in unknown and _other_tone_placement(w) in unknown}
    return [Problem(name, line, key, f"từ lạ '{word}' (thêm vào content/words.txt nếu đúng)")
            for name, line, key, word in occurrences if word in unknown]


def _model_of(source: Source) -> type[BaseModel]:
    return Commune if source.name.endswith("commune.yaml") else Guide


def _texts(value, model: type[BaseModel] | None, path: tuple) -> Iterator[tuple[tuple, str]]:
    """Every prose value under `value` with its key path: the fields declare which are prose (codes,
    addresses, names of files and settings are not); a key the schema does not know is spelled."""
    if isinstance(value, dict):
        for key, item in value.items():
            known = model is not None and key in model.model_fields
            if not known and model is not None and model.model_config.get("extra") == "allow":
                continue  # a section of settings beside the declared fields (an engine's): not prose
            if not path and key in (FOLLOWS, HIDDEN):
                continue  # a commune's file's pointer to the library guide (a slug) and its switch: not prose
            if not known or about(model, key).prose:  # type: ignore[arg-type]
                inner = inner_model(model.model_fields[key].annotation) if known else None  # type: ignore[union-attr]
                yield from _texts(item, inner, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, model, path + (index,))
    elif isinstance(value, str):
        yield path, value


def _other_tone_placement(word: str) -> str:
    """'Ủy' → 'Uỷ', 'xóa' → 'xoá' (words whose mark can sit on either vowel); others unchanged."""
    decomposed = unicodedata.normalize("NFD", word)
    moved = OLD_STYLE.sub(lambda m: m.group(1) + m.group(3) + m.group(2), decomposed)
    return unicodedata.normalize("NFC", moved)


def _looks_like_a_name_or_code(word: str) -> bool:
    """Abbreviations (UBND), mixed case brand words (VNeID) and single letters are not spelled."""
    return len(word) == 1 or word.isupper() or any(c.isupper() for c in word[1:])


def _commune_words(project: Project) -> set[str]:
    """content/words.txt: one word per line (names, brand words); lines starting with # are notes.
    Raises ContentError naming the line when the file is too big or not UTF-8."""
    path = project.content_dir / "words.txt"
    if not (path.exists() or path.is_symlink()):
        return set()
    shown = project.shown(path)
    lines = read_text_capped(path, MAX_WORDS_BYTES, shown).splitlines()
    return {word for line in lines if not line.startswith("#") for word in WORD.findall(line)}


def _unknown(words: set[str]) -> set[str]:
    """The words the Vietnamese hunspell dictionary does not accept."""
    if not words:
        return set()
    dictionary = _dictionary(programs.dictionary())
    return {word for word in words if not dictionary.lookup(word)}


@cache
def _dictionary(path: Path) -> Any:
    """The dictionary read by spylls (hunspell's rules in pure Python: no hunspell program needed)."""
    try:
        from spylls.hunspell import Dictionary
    except ImportError:
        raise SpellerMissing("thiếu gói pip spylls để kiểm tra chính tả (pip install spylls)") from None
    if not path.is_file():
        raise SpellerMissing(f"thiếu từ điển tiếng Việt {path}: cài gói hệ thống hunspell-vi (apt-get install "
                             "hunspell-vi) hoặc cài lại outreach")
    return Dictionary.from_files(str(path.with_suffix("")))
