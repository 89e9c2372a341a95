"""The guide and commune schema, declared once; field names follow the national procedure record."""

from __future__ import annotations

import calendar
import datetime as dt
import heapq
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from outreach.pictures import PICTURE_SUFFIXES, confined_picture, picture_problem
from outreach.sound.engines import ENGINE_CHOICES, VIETTEL_TOKEN_ENV, VIETTEL_URL, EngineSettings
from outreach.sound.reading import DIALECTS

# What `outreach new` writes for the officer to replace (templates/new-guide.yaml.j2): a value still
# holding one of these was never edited, and must not reach a handout, a bulletin or an SMS.
PLACEHOLDER_MARKERS = ("SỬA", "1.000000")
_PLACEHOLDER = re.compile("|".join(rf"(?<!\w){re.escape(marker)}(?!\w)" for marker in PLACEHOLDER_MARKERS))


def edited(value: str) -> str:
    """`value`, unless it is still the starter's placeholder."""
    if any(marker in value for marker in PLACEHOLDER_MARKERS) and _PLACEHOLDER.search(value):
        raise ValueError(f"còn nội dung mẫu chưa sửa: '{value}'; hãy thay bằng thông tin thật của thủ tục")
    return value


_Edited = AfterValidator(edited)
# No field of a handout needs more than a long paragraph; a runaway paste is an error, not a PDF.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1500), _Edited]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), _Edited]
DATE_FORMS = "hãy viết ngày dạng NN/TT/NNNN hoặc NNNN-TT-NN, ví dụ 25/11/2026 hoặc 2026-11-25"
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")


def calendar_date(value: Any) -> Any:
    """'2026-11-25', or the order officers write ('25/11/2026', also 25-11-2026 and 25.11.2026), as
    a date; a day that does not exist is named, never a crash."""
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, str):
        return value  # a date already, or something pydantic names as "not a date"
    text = value.strip()
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _DAY_FIRST.fullmatch(text):
        day, _, month, year = match.groups()
    else:
        raise ValueError(f"'{text}' không phải là ngày; {DATE_FORMS}")
    return _existing_date(int(year), int(month), int(day))


def _existing_date(year: int, month: int, day: int) -> dt.date:
    if not 1900 <= year <= 2100:
        raise ValueError(f"năm {year} không hợp lệ; {DATE_FORMS}")
    if not 1 <= month <= 12:
        raise ValueError(f"không có tháng {month} (tháng từ 1 đến 12); {DATE_FORMS}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"không có ngày {day}/{month}/{year}: tháng {month} năm {year} chỉ có {last} ngày")
    return dt.date(year, month, day)


# Every date of every file: ISO or day first, and only days that exist.
Date = Annotated[dt.date, BeforeValidator(calendar_date)]
IMAGE_SUFFIXES = PICTURE_SUFFIXES  # one list, in pictures.py
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class Strict(BaseModel):
    """Unknown keys are errors: a typo like `stpes` must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def web_url(value: str | None) -> str | None:
    """An http(s) link with a host: printed and put in QR codes, never fetched."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("phải là địa chỉ web đầy đủ, bắt đầu bằng https://")
    return value


def content_image(value: str | None, info: ValidationInfo) -> str | None:
    """A picture inside content/: no network, no escaping the folder, a known format."""
    if value is None:
        return None
    content_dir: Path = (info.context or {})["content_dir"]
    target = confined_picture(content_dir, value)
    problem = picture_problem(target, f"content/{value}")
    if problem:
        raise ValueError(problem)
    return value


class Desk(Strict):
    name: Text = "Bộ phận Tiếp nhận và Trả kết quả"
    address: Text
    hours: Text


class Hotline(Strict):
    label: Text
    number: Text


class Contact(Strict):
    name: Text
    role: Text
    phone: Text


# The allowed values come from the engine registry and the reading rules' dialects, named once there.
EngineName = Literal[ENGINE_CHOICES]  # type: ignore[valid-type]
DialectName = Literal[tuple(DIALECTS)]  # type: ignore[valid-type]
Priority = Literal["thông thường", "ưu tiên", "khẩn cấp"]  # bulletin priority, Circular 39/2020/TT-BTTTT


class AudioSettings(Strict):
    """How bulletins are voiced: engine, speed for elderly listeners, default priority."""

    engine: EngineName = "auto"
    speed: float = Field(default=0.9, ge=0.8, le=1.2)
    priority: Priority = "thông thường"
    piper_model: str | None = None   # a downloaded .onnx voice, e.g. vi_VN-vais1000-medium.onnx
    gtts_tld: Annotated[str, StringConstraints(pattern=r"^[a-z.]{2,10}$")] = "com.vn"
    # Viettel AI: the voice (default by dialect: hn-quynhanh / hcm-minhquan), and the NAME of the
    # environment variable that holds the commune's key — the key itself is never written in a file.
    viettel_voice: str | None = None
    viettel_token_env: str = VIETTEL_TOKEN_ENV
    viettel_url: str = VIETTEL_URL

    _viettel_url = field_validator("viettel_url")(web_url)

    @field_validator("viettel_voice")
    @classmethod
    def _viettel_voice(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z][a-z0-9-]{2,40}", value):
            raise ValueError("phải là mã giọng đọc của Viettel AI, ví dụ hn-quynhanh, hue-maingoc, hcm-minhquan")
        return value

    @field_validator("viettel_token_env")
    @classmethod
    def _viettel_token_env(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]{0,63}", value):
            raise ValueError("phải là tên một biến môi trường (chữ in hoa, số, dấu _), ví dụ VIETTEL_TTS_TOKEN; "
                             "đừng ghi khóa vào đây, hãy đặt khóa vào biến môi trường đó")
        return value

    def piper_model_path(self, root: Path) -> Path | None:
        """The voice file; a relative path is relative to the project folder."""
        return (root / self.piper_model) if self.piper_model else None

    def engine_settings(self, root: Path, dialect: str) -> EngineSettings:
        return EngineSettings(dialect, self.piper_model_path(root), self.gtts_tld, self.speed, self.viettel_voice,
                              self.viettel_token_env, self.viettel_url)


class Commune(Strict):
    """content/commune.yaml: who the commune is and how residents reach it."""

    name: Text
    province: Text
    committee: Text
    desk: Desk
    hotlines: list[Hotline] = Field(min_length=1, max_length=4)
    contacts: list[Contact] = Field(default_factory=list, max_length=4)
    logo: str | None = None
    dialect: DialectName = "north"  # type: ignore[valid-type]
    portal_url: str = "https://dichvucong.gov.vn"
    audio: AudioSettings = AudioSettings()

    _url = field_validator("portal_url")(web_url)
    _logo = field_validator("logo")(content_image)


class Document(Strict):
    """One paper to bring (thành phần hồ sơ), optionally for one case only."""

    name: Text
    form: Text | None = None
    originals: int = Field(default=1, ge=0, le=20)
    copies: int = Field(default=0, ge=0, le=20)
    case: Text | None = None
    note: Text | None = None


class Step(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), _Edited]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=220), _Edited]
    icon: Text
    image: str | None = None

    _image = field_validator("image")(content_image)

    @field_validator("icon")
    @classmethod
    def _known_icon(cls, value: str, info: ValidationInfo) -> str:
        icons: set[str] = (info.context or {})["icons"]
        if value not in icons:
            raise ValueError(f"không có hình '{value}'; các hình có sẵn: {', '.join(sorted(icons))}")
        return value


class LegalBasis(Strict):
    number: Text
    summary: Text
    date: Date | None = None


class FaqItem(Strict):
    question: Text
    answer: Text


class Guide(Strict):
    """content/guides/<slug>.yaml: one administrative procedure, explained for residents."""

    code: Text
    title: Text
    level: Literal["xã", "tỉnh", "trung ương"] = "xã"
    field: Text
    online_level: Literal["toàn trình", "một phần"]
    portal_url: str | None = None
    agency: Text
    audience: Text
    promise: ShortText
    documents: list[Document] = Field(min_length=1, max_length=10)
    steps: list[Step] = Field(min_length=3, max_length=6)
    processing_time: Text
    fee: Text
    result: Text
    legal_basis: list[LegalBasis] = Field(min_length=1, max_length=6)
    conditions: Text | None = None
    key_messages: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                             _Edited]] = Field(
        min_length=1, max_length=5)
    faq: list[FaqItem] = Field(default_factory=list, max_length=8)
    common_mistakes: list[Text] = Field(default_factory=list, max_length=6)
    last_checked: Date
    priority: Priority | None = None  # overrides the commune's default bulletin priority
    notes: Text | None = None

    _url = field_validator("portal_url")(web_url)

    @field_validator("code")
    @classmethod
    def _procedure_code(cls, value: str) -> str:
        if not re.fullmatch(r"\d\.\d{6}", value):
            raise ValueError(f"mã thủ tục '{value}' sai dạng; mã gồm một chữ số, dấu chấm và sáu chữ số, "
                             "ví dụ 1.001193")
        return value

    @field_validator("last_checked")
    @classmethod
    def _not_in_future(cls, value: dt.date) -> dt.date:
        if value > dt.date.today():
            raise ValueError("ngày kiểm tra không thể ở tương lai")
        return value

    def document_groups(self) -> list[tuple[str | None, list[Document]]]:
        """Documents grouped by case, in the order cases first appear (None = everyone)."""
        groups: dict[str | None, list[Document]] = {}
        for doc in self.documents:
            groups.setdefault(doc.case, []).append(doc)
        return list(groups.items())


class Lexicon(RootModel[dict[Text, Text]]):
    """content/lexicon.yaml: how the commune wants words read aloud, e.g. `VNeID: vê en e i đi`."""


_LEXICON_TEXT = TypeAdapter(Text)
MAX_LEXICON_ENTRIES = 2000


def lexicon_entries(data: dict) -> tuple[dict[str, str], list[tuple[tuple, str]]]:
    """The valid entries of a lexicon file, and (key path, message) for each bad one: one typo must
    not drop the commune's other readings."""
    entries: dict[str, str] = {}
    bad: list[tuple[tuple, str]] = []
    for key, value in data.items():
        loc = (str(key),)  # lines are kept by the key as written
        if len(entries) >= MAX_LEXICON_ENTRIES:
            bad.append((loc, f"từ điển đọc có quá nhiều mục (tối đa {MAX_LEXICON_ENTRIES})"))
            break
        if not isinstance(key, str):
            bad.append((loc, "từ cần đọc phải là chữ; hãy đặt trong dấu ngoặc kép"))
        elif not isinstance(value, str):
            bad.append((loc, "cách đọc phải là một đoạn chữ, ví dụ `VNeID: vê en e i đi`"))
        else:
            try:
                entries[_LEXICON_TEXT.validate_python(key)] = _LEXICON_TEXT.validate_python(value)
            except ValidationError:
                bad.append((loc, "từ và cách đọc không được để trống và dài tối đa 1500 ký tự"))
    return entries, bad


# --- content/schedule.yaml ---------------------------------------------------------------------

Weekday = Literal["thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ sáu", "thứ bảy", "chủ nhật"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)
Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
# A commune runs a handful of campaigns a year with a few slots a day; far more is a paste gone wrong.
MAX_CAMPAIGNS = 50
MAX_SLOT_GUIDES = 20
MAX_LISTED_PROBLEMS = 20  # of one kind in one file; the rest are counted


class Slot(Strict):
    start: Clock
    end: Clock
    guides: list[Annotated[str, StringConstraints(pattern=SLUG_PATTERN.pattern)]] = Field(
        min_length=1, max_length=MAX_SLOT_GUIDES)
    priority: Priority = "thông thường"

    @model_validator(mode="after")
    def _ends_after_start(self):
        if self.end <= self.start:
            raise ValueError("giờ kết thúc phải sau giờ bắt đầu")
        return self

    @property
    def minutes(self) -> int:
        return _minutes(self.end) - _minutes(self.start)


class Campaign(Strict):
    name: Text
    start: Date
    end: Date
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1,  # type: ignore[arg-type]
                                max_length=len(WEEKDAYS))
    slots: list[Slot] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def _dates_in_order(self):
        if self.end < self.start:
            raise ValueError("ngày kết thúc phải sau ngày bắt đầu")
        return self


class Schedule(Strict):
    """content/schedule.yaml: broadcast campaigns, each with its days and time slots."""

    campaigns: list[Campaign] = Field(min_length=1, max_length=MAX_CAMPAIGNS)

    def problems(self, guide_slugs: set[str]) -> list[tuple[tuple, str]]:
        """Checks beyond the schema, as (key path, message): guides that do not exist, slots that overlap."""
        return (summarised(_unknown_guides(self, guide_slugs), "và {} chỗ khác nhắc tới hướng dẫn không có")
                + summarised(_overlaps(self), "và {} chỗ trùng giờ khác"))


def _unknown_guides(schedule: Schedule, slugs: set[str]) -> list[tuple[tuple, str]]:
    return [(("campaigns", c, "slots", s, "guides", g), f"không có hướng dẫn content/guides/{slug}.yaml")
            for c, campaign in enumerate(schedule.campaigns) for s, slot in enumerate(campaign.slots)
            for g, slug in enumerate(slot.guides) if slug not in slugs]


def _overlaps(schedule: Schedule) -> list[tuple[tuple, str]]:
    """Slots on the same day whose hours cross: one loudspeaker cannot play both. Each slot is
    named once, with the first earlier slot it crosses; per weekday the slots are swept in order of
    start, so identical slots by the thousand cost a sort, not every pair."""
    found: dict[tuple[int, int], str] = {}
    for day in WEEKDAYS:
        on_day = sorted((slot.start, c, s) for c, campaign in enumerate(schedule.campaigns) if day in campaign.days
                        for s, slot in enumerate(campaign.slots))
        running: list[tuple[str, int, int]] = []  # heap by end time of slots that started earlier
        for start, c, s in on_day:
            while running and running[0][0] <= start:
                heapq.heappop(running)
            if (c, s) not in found:
                other = next(((c1, s1) for _, c1, s1 in running if _same_dates(schedule, c1, c)), None)
                if other is not None:
                    campaign = schedule.campaigns[other[0]]
                    slot = campaign.slots[other[1]]
                    found[c, s] = f"trùng giờ với khung {slot.start}–{slot.end} của đợt '{campaign.name}'"
            heapq.heappush(running, (schedule.campaigns[c].slots[s].end, c, s))
    return [(("campaigns", c, "slots", s, "start"), message) for (c, s), message in sorted(found.items())]


def _same_dates(schedule: Schedule, c1: int, c2: int) -> bool:
    one, two = schedule.campaigns[c1], schedule.campaigns[c2]
    return one.start <= two.end and two.start <= one.end


def summarised(found: list[tuple[tuple, str]], more: str, limit: int = MAX_LISTED_PROBLEMS) -> list[tuple[tuple, str]]:
    """At most `limit` problems, then one saying how many more there are (`more` is formatted with
    the count): a file with thousands of the same mistake needs a few examples, not a million lines."""
    if len(found) <= limit:
        return found
    return found[:limit] + [(found[limit][0], more.format(len(found) - limit))]


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


