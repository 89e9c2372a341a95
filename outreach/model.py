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
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from outreach.fields import about, described, placeholders
from outreach.pictures import PICTURE_SUFFIXES, confined_picture, picture_problem

# The word every placeholder the starter writes (templates/new-guide.yaml.j2) begins with; the
# placeholders themselves are declared on their fields (`placeholder=`). A value still holding one
# was never edited, and must not reach a handout, a bulletin or an SMS.
EDIT_MARK = "SỬA"
PLACEHOLDER_MARKERS: tuple[str, ...] = (EDIT_MARK,)  # and, below the models, every other placeholder


def _marker_pattern(markers: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(rf"(?<!\w){re.escape(marker)}(?!\w)" for marker in markers))


_PLACEHOLDER = _marker_pattern(PLACEHOLDER_MARKERS)


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
    name: Text = described("Tên bộ phận", "Đúng tên đang treo ở trụ sở xã.", spoken=True,
                           default="Bộ phận Tiếp nhận và Trả kết quả")
    address: Text = described("Địa chỉ", "Địa chỉ trụ sở, như người dân tìm đến.", spoken=True)
    hours: Text = described("Giờ làm việc", "Giờ nhận hồ sơ, kiểm tra lại theo lịch thật của xã.")


class Hotline(Strict):
    label: Text = described("Tên đường dây", spoken=True)
    number: Text = described("Số điện thoại", "Viết như in trên giấy; trên loa được đọc từng chữ số.", prose=False,
                             spoken=True)


class Contact(Strict):
    name: Text = described("Họ tên")
    role: Text = described("Chức vụ")
    phone: Text = described("Số điện thoại", prose=False)


# How numbers are read aloud: outreach/sound/reading.py has one rule set for each of these names.
DialectName = Literal["north", "south"]
APPROVAL_CHOICES = {"off": "không cần duyệt", "required": "phải được duyệt trước khi in và phát"}
DIALECT_NAMES = {"north": "miền Bắc (nghìn, linh)", "south": "miền Nam (ngàn, lẻ)"}
Priority = Literal["thông thường", "ưu tiên", "khẩn cấp"]  # bulletin priority, Circular 39/2020/TT-BTTTT
ENGINE_GROUP = "outreach.engines"  # the entry-point group speech engines register in (outreach/sound/engines/)


def known_engine(value: str, info: ValidationInfo) -> str:
    """`auto` or an engine installed here: the loader passes their names as `engines` (the schema
    itself knows no engine)."""
    names: tuple[str, ...] | None = (info.context or {}).get("engines")
    if names is not None and value not in names:
        raise ValueError("phải là một trong: " + ", ".join(names))
    return value


class AudioSettings(Strict):
    """How bulletins are voiced: engine, speed for elderly listeners, default priority, and each
    engine's settings."""

    engine: Annotated[str, AfterValidator(known_engine)] = described(
        "Giọng đọc", "Tự chọn: giọng tốt nhất dùng được, bỏ qua giọng xã chưa thiết lập; giọng máy đọc thử chỉ tạo "
        "bản nháp. Đoạn nào cán bộ đã thu thì luôn dùng giọng thu.", prose=False,
        choices_from=ENGINE_GROUP, default="auto")
    speed: float = described("Tốc độ đọc", "Từ 0.8 đến 1.2; 0.9 vừa cho người lớn tuổi. Dùng dấu chấm thập phân.",
                             default=0.9, ge=0.8, le=1.2)
    priority: Priority = described("Mức ưu tiên mặc định", "Thông thường, ưu tiên hoặc khẩn cấp.", prose=False,
                                   default="thông thường")
    # Each engine's own settings are a section named after it (`viettel: {voice: hn-quynhanh}`), declared
    # by the engine (outreach/sound/engines/); the loader checks them against what is installed.
    model_config = ConfigDict(extra="allow", frozen=True)


class ResultColumns(Strict):
    """Which column of the one-stop system's export holds what: a header as written there, or a
    column letter (C). Written by `outreach results import` the first time, then reused."""

    month: ShortText | None = described("Cột tháng", "Tên cột (ví dụ Tháng) hoặc chữ cái của cột (ví dụ A); để "
                                        "trống nếu báo cáo chỉ có một tháng.", prose=False, default="Tháng")
    code: ShortText = described("Cột mã thủ tục", "Ví dụ: Mã thủ tục.", prose=False, default="Mã thủ tục")
    online: ShortText = described("Cột số hồ sơ trực tuyến", "Ví dụ: Trực tuyến.", prose=False,
                                  default="Trực tuyến")
    total: ShortText = described("Cột tổng số hồ sơ", "Ví dụ: Tổng số hồ sơ.", prose=False,
                                 default="Tổng số hồ sơ")
    sheet: ShortText | None = described("Trang tính", "Tên trang trong tệp Excel; để trống: trang đầu.",
                                        prose=False, default=None)


class ResultsSettings(Strict):
    """What the commune aims for, and how its one-stop reports are read."""

    target: int = described("Mục tiêu (%)", "Tỉ lệ hồ sơ nộp trực tuyến xã muốn đạt, từ 1 đến 100; mặc định 50.",
                            prose=False, default=50, ge=1, le=100)
    columns: ResultColumns | None = described("Các cột của báo cáo", "Lệnh 'outreach results import' tự ghi lần "
                                              "đầu; sửa nếu báo cáo đổi cột.",
                                              prose=False, default=None)


class Commune(Strict):
    """content/commune.yaml: who the commune is and how residents reach it."""

    name: Text = described("Tên xã", "Tên xã, viết thường chữ “xã”, ví dụ: xã An Viễn.", spoken=True)
    province: Text = described("Tỉnh", "Tên tỉnh, viết thường chữ “tỉnh”, ví dụ: tỉnh Đồng Nai.")
    committee: Text = described("Ủy ban", "Tên cơ quan in ở đầu tờ hướng dẫn, ví dụ: Ủy ban nhân dân xã An Viễn.",
                                spoken=True)
    desk: Desk = described("Bộ phận Một cửa", "Nơi người dân đến nộp hồ sơ khi cần giúp đỡ.")
    hotlines: list[Hotline] = described("Đường dây nóng", "Từ 1 đến 4 số; được in và đọc trên loa từng chữ số.",
                                        min_length=1, max_length=4)
    contacts: list[Contact] = described("Cán bộ liên hệ", "Cán bộ người dân có thể gọi, tối đa 4 người.",
                                        default_factory=list, max_length=4)
    logo: str | None = described("Biểu trưng", "Ảnh PNG, JPEG hoặc SVG trong thư mục content/ (không bắt buộc).",
                                 prose=False, default=None)
    dialect: DialectName = described("Cách đọc số trên loa", "Theo tiếng nói của bà con trong xã.",
                                     prose=False, choices=DIALECT_NAMES, default="north")
    portal_url: str = described("Cổng dịch vụ công", "In trong mã QR khi hướng dẫn không ghi đường dẫn riêng.",
                                prose=False, default="https://dichvucong.gov.vn")
    audio: AudioSettings = described("Âm thanh", "Bản tin loa (có thể bỏ cả mục này).", default=AudioSettings())
    results: ResultsSettings = described("Kết quả nộp trực tuyến", "Mục tiêu của xã và cách đọc báo cáo của hệ "
                                         "thống một cửa (có thể bỏ cả mục này).", default=ResultsSettings())
    library: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = described(
        "Thư viện hướng dẫn", "bundled: thư viện có sẵn trong outreach; hoặc đường dẫn tới thư mục thư viện của tỉnh "
        "(có thể bỏ).", prose=False, default=None)
    approval: Literal["off", "required"] = described(
        "Duyệt trước khi in và phát", "required: chỉ bản đã được duyệt (outreach approve TÊN) mới được in, chia sẻ và "
        "phát loa; bản mới chưa duyệt chỉ có bản xem trước mang dấu «BẢN CHƯA DUYỆT». off (mặc định): không cần duyệt.",
        prose=False, choices=APPROVAL_CHOICES, default="off")

    _url = field_validator("portal_url")(web_url)
    _logo = field_validator("logo")(content_image)


class Document(Strict):
    """One paper to bring (thành phần hồ sơ), optionally for one case only."""

    name: Text = described("Tên giấy tờ", spoken=True, placeholder="SỬA tên giấy tờ")
    form: Text | None = described("Mẫu đơn", "Tên mẫu đơn; để trống nếu không có mẫu.",
                                  placeholder="SỬA tên mẫu đơn (xóa dòng này nếu không có mẫu)", default=None)
    originals: int = described("Số bản chính", default=1, ge=0, le=20)
    copies: int = described("Số bản sao", default=0, ge=0, le=20)
    case: Text | None = described("Trường hợp", "Chỉ điền nếu giấy tờ này chỉ cần trong một trường hợp.",
                                  spoken=True, default=None)
    note: Text | None = described("Ghi chú", default=None)


# The built-in pictograms (templates/icons/) by what they show; a commune's own keep their file name.
ICONS = {
    "login": "đăng nhập", "search": "tìm kiếm", "form": "điền tờ khai", "upload": "gửi giấy tờ lên", "pay": "nộp phí",
    "receive": "nhận kết quả", "phone": "điện thoại", "id-card": "căn cước", "calendar": "lịch hẹn",
    "home": "ở nhà", "post": "bưu điện", "sms": "tin nhắn", "document": "giấy tờ", "stamp": "con dấu",
    "people": "mọi người", "question": "hỏi đáp", "check": "xong", "clock": "thời gian", "police": "công an",
    "baby": "em bé", "rings": "nhẫn cưới", "computer": "máy tính",
}


class Step(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), _Edited] = described(
        "Tên bước", "Tối đa 40 ký tự.", spoken=True)
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=220), _Edited] = described(
        "Lời giải thích", "Tối đa 220 ký tự.", spoken=True)
    icon: Text = described("Hình minh họa", "Chọn một hình trong templates/icons/.", prose=False, choices=ICONS)
    image: str | None = described("Ảnh chụp màn hình", "Ảnh PNG, JPEG hoặc SVG trong thư mục content/, tối đa "
                                  "10 MB (không bắt buộc).", prose=False, default=None)

    _image = field_validator("image")(content_image)

    @field_validator("icon")
    @classmethod
    def _known_icon(cls, value: str, info: ValidationInfo) -> str:
        icons: set[str] = (info.context or {})["icons"]
        if value not in icons:
            raise ValueError(f"không có hình '{value}'; các hình có sẵn: {', '.join(sorted(icons))}")
        return value


class LegalBasis(Strict):
    number: Text = described("Số ký hiệu", "Ví dụ: 123/2015/NĐ-CP.", prose=False, placeholder="SỬA số ký hiệu văn bản")
    summary: Text = described("Trích yếu", placeholder="SỬA trích yếu văn bản")
    date: Date | None = described("Ngày ban hành", "NN/TT/NNNN hoặc NNNN-TT-NN (có thể bỏ).", default=None)


class FaqItem(Strict):
    question: Text = described("Câu hỏi")
    answer: Text = described("Trả lời")


ONLINE_LEVELS = {"toàn trình": "toàn trình (làm hết trên mạng)", "một phần": "một phần (còn phải đến xã)"}


class Guide(Strict):
    """content/guides/<slug>.yaml: one administrative procedure, explained for residents."""

    code: Text = described("Mã thủ tục", "Mã trên Cơ sở dữ liệu quốc gia về thủ tục hành chính: một chữ số, dấu "
                           "chấm và sáu chữ số, ví dụ 1.001193.", prose=False, placeholder="1.000000")
    title: Text = described("Tên thủ tục", "Ví dụ: Đăng ký khai sinh.", spoken=True, placeholder="SỬA tên thủ tục")
    level: Literal["xã", "tỉnh", "trung ương"] = described("Cấp thực hiện", "Xã, tỉnh hoặc trung ương.", prose=False,
                                                         default="xã")
    field: Text = described("Lĩnh vực", "Ví dụ: Hộ tịch.", placeholder="SỬA lĩnh vực")
    online_level: Literal["toàn trình", "một phần"] = described(
        "Mức độ trực tuyến", "Toàn trình: làm hết trên mạng, nhận kết quả trên mạng hoặc qua bưu điện. Một phần: còn "
        "phải đến nộp hoặc nhận giấy tờ.", prose=False, spoken=True, choices=ONLINE_LEVELS)
    portal_url: str | None = described("Đường dẫn dịch vụ", "Đường dẫn tới dịch vụ trên Cổng dịch vụ công, bắt "
                                       "đầu bằng https://.", prose=False, default=None)
    agency: Text = described("Cơ quan thực hiện", "Ví dụ: Ủy ban nhân dân xã An Viễn.",
                             placeholder="SỬA cơ quan thực hiện")
    audience: Text = described("Ai cần làm", "Ai cần làm thủ tục này, viết một câu ngắn.", spoken=True,
                               placeholder="SỬA ai cần làm thủ tục này, viết một câu ngắn.")
    promise: ShortText = described("Câu hứa ngắn", "Một câu hứa ngắn in to ở đầu tờ hướng dẫn, tối đa 60 ký tự.",
                                   spoken=True)
    documents: list[Document] = described(
        "Giấy tờ cần chuẩn bị", "Thành phần hồ sơ. Nếu giấy tờ chỉ cần trong một trường hợp, ghi trường hợp đó.",
        spoken=True, min_length=1, max_length=10)
    steps: list[Step] = described("Các bước làm trực tuyến", "Từ 3 đến 6 bước. Tên bước tối đa 40 ký tự, lời giải "
                                  "thích tối đa 220 ký tự.", spoken=True, min_length=3, max_length=6)
    processing_time: Text = described("Thời hạn giải quyết", spoken=True, placeholder="SỬA thời hạn giải quyết")
    fee: Text = described("Phí, lệ phí", "Chép nguyên văn, kể cả trường hợp được miễn.", spoken=True,
                          placeholder="SỬA phí, lệ phí (chép nguyên văn, kể cả trường hợp được miễn)")
    result: Text = described("Kết quả", "Kết quả người dân nhận được.", placeholder="SỬA kết quả người dân nhận được")
    legal_basis: list[LegalBasis] = described("Căn cứ pháp lý", "Số ký hiệu, trích yếu, ngày ban hành (có thể bỏ).",
                                              min_length=1, max_length=6)
    conditions: Text | None = described("Yêu cầu, điều kiện", "Không bắt buộc.",
                                        placeholder="SỬA yêu cầu, điều kiện", default=None)
    key_messages: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                             _Edited]] = described(
        "Thông điệp chính", "Thông điệp chính cho người dân, mỗi câu tối đa 120 ký tự.", spoken=True,
        min_length=1, max_length=5)
    faq: list[FaqItem] = described("Hỏi đáp thường gặp", default_factory=list, max_length=8)
    common_mistakes: list[Text] = described("Những lỗi người dân hay mắc", default_factory=list, max_length=6)
    last_checked: Date = described("Ngày kiểm tra", "Ngày cán bộ kiểm tra lại thông tin thủ tục; không được ở "
                                   "tương lai.")
    priority: Priority | None = described("Mức ưu tiên bản tin", "Để trống: dùng mức của xã (Thông tư "
                                          "39/2020/TT-BTTTT).", prose=False, default=None)
    notes: Text | None = described("Ghi chú cho cán bộ", "Những điều chưa kiểm chứng được; không in ra.",
                                   default=None)
    sources: list[Text] = described("Nguồn thông tin", "Nơi đã đọc các thông tin của thủ tục (cho cán bộ).",
                                    prose=False, default_factory=list, max_length=10)
    # Keys whose facts nobody could confirm against the national record yet (`notes` says why): marked
    # on the officer's preview, never on residents' prints, until an officer confirms them.
    unconfirmed: list[str] = described("Chưa xác nhận", "Các mục chưa đối chiếu được với Cơ sở dữ liệu quốc gia; "
                                       "kiểm tra xong thì để trống.", prose=False, default_factory=list,
                                       max_length=30)

    _url = field_validator("portal_url")(web_url)

    @field_validator("code")
    @classmethod
    def _procedure_code(cls, value: str) -> str:
        if not re.fullmatch(r"\d\.\d{6}", value):
            raise ValueError(f"mã thủ tục '{value}' sai dạng; mã gồm một chữ số, dấu chấm và sáu chữ số, "
                             "ví dụ 1.001193")
        return value

    @field_validator("unconfirmed")
    @classmethod
    def _known_keys(cls, value: list[str]) -> list[str]:
        unknown = [key for key in value if key not in UNCONFIRMABLE]
        if unknown:
            raise ValueError(f"không có mục '{unknown[0]}'; các mục có thể ghi: {', '.join(UNCONFIRMABLE)}")
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


# The keys of a guide an officer confirms against the national record, named as the form names them.
UNCONFIRMABLE = ("code", "title", "online_level", "portal_url", "agency", "audience", "documents", "steps",
                 "processing_time", "fee", "result", "legal_basis", "conditions", "key_messages", "faq",
                 "common_mistakes")
FIELD_LABELS = {key: about(Guide, key).label.lower() for key in UNCONFIRMABLE}
# A placeholder without the mark (the code's 1.000000) is a marker of its own.
PLACEHOLDER_MARKERS = (EDIT_MARK, *sorted({p for p in placeholders(Guide, Commune) if EDIT_MARK not in p}))
_PLACEHOLDER = _marker_pattern(PLACEHOLDER_MARKERS)
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


