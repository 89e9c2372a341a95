"""A server folder: its settings file, its database (unless DATABASE_URL names one), the province's
library and one project folder per commune."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from outreach.atomic import write_atomic
from outreach.errors import OutreachError
from outreach.model import SLUG_PATTERN
from outreach.project import Project

SETTINGS_NAME = "outreach-server.yaml"
DATABASE_NAME = "outreach.db"
IDLE_MINUTES = 8 * 60  # a working day: a session unused that long ends
MIN_PASSWORD = 10
ROLES = ("admin", "editor", "approver")
ROLE_NAMES = {"admin": "quản trị (tỉnh)", "editor": "soạn thảo", "approver": "duyệt (lãnh đạo xã)"}


@dataclass(frozen=True)
class Settings:
    province: str = ""
    idle_minutes: int = IDLE_MINUTES


@dataclass(frozen=True)
class ServerFolder:
    root: Path

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_NAME

    @property
    def library(self) -> Path:
        return self.root / "library"

    @property
    def communes(self) -> Path:
        return self.root / "communes"

    def start_library(self) -> int:
        """The bundled library's guides copied into library/guides/ (the province edits its own copy
        from there; every commune follows it); how many. A guide already there is left as it is."""
        from outreach.library import BUNDLED_DIR  # here: the folder's settings do not need the library

        guides = self.library / "guides"
        guides.mkdir(parents=True, exist_ok=True)
        copied = 0
        for path in sorted((BUNDLED_DIR / "guides").glob("*.yaml")):
            if not (guides / path.name).exists():
                shutil.copyfile(path, guides / path.name)
                copied += 1
        return copied

    def database_url(self) -> str:
        """DATABASE_URL when set (PostgreSQL: postgresql+psycopg://…), else the SQLite file in the folder."""
        return os.environ.get("DATABASE_URL") or f"sqlite:///{self.root / DATABASE_NAME}"

    def project(self, slug: str) -> Project:
        """The project folder of commune `slug` (it may not exist yet)."""
        if not SLUG_PATTERN.match(slug):
            raise OutreachError(f"tên xã '{slug}' không dùng được: chỉ dùng chữ thường không dấu, số và dấu gạch "
                                "ngang, ví dụ an-vien")
        return Project(self.communes / slug)

    def commune_slugs(self) -> list[str]:
        return sorted(p.name for p in self.communes.iterdir() if (p / "content").is_dir() and
                      SLUG_PATTERN.match(p.name)) if self.communes.is_dir() else []

    def has_commune(self, slug: str) -> bool:
        return bool(SLUG_PATTERN.match(slug)) and (self.communes / slug / "content").is_dir()

    def settings(self) -> Settings:
        if not self.settings_path.is_file():
            raise OutreachError(f"{self.root} không phải thư mục máy chủ (không có {SETTINGS_NAME}); hãy tạo bằng "
                                f"'outreach server init {self.root}'")
        data = yaml.safe_load(self.settings_path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise OutreachError(f"{self.settings_path}: tệp cài đặt phải là các dòng 'khóa: giá trị'")
        return Settings(province=str(data.get("province") or ""),
                        idle_minutes=_minutes(data.get("idle_minutes", IDLE_MINUTES), self.settings_path))

    def write_settings(self, settings: Settings) -> None:
        text = ("# Cài đặt của máy chủ outreach (outreach server init).\n"
                "# province: tên tỉnh; idle_minutes: phiên đăng nhập không dùng quá số phút này thì hết hạn.\n"
                + yaml.safe_dump({"province": settings.province, "idle_minutes": settings.idle_minutes},
                                 allow_unicode=True, sort_keys=False))
        write_atomic(self.settings_path, text.encode("utf-8"))


def _minutes(value: object, path: Path) -> int:
    if isinstance(value, int) and 1 <= value <= 7 * 24 * 60:
        return value
    raise OutreachError(f"{path}: idle_minutes: phải là số phút từ 1 đến 10080, không phải '{value}'")
