"""Where to push next: the procedures with the most files still coming in person and the lowest
online share, weighted toward simple document sets (few papers, no originals to show: the easiest
to move online, which the seed's commune put first), each with why in plain Vietnamese and what
outreach already has for it; and a suggested week of broadcasts weighted toward them, which the
officer may accept into schedule.yaml (never written without their click)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from outreach.model import WEEKDAYS, Campaign, Guide, Schedule
from outreach.outcomes import AROUND
from outreach.products import BY_NAME, bulletin_of
from outreach.results import Figure, files, percent, share

LISTED = 3                 # procedures on the list, and in the suggested week
# Free times tried in order for the suggested week's two slots (morning, evening), 10 minutes each.
MORNING = ("06:30", "06:15", "05:45", "07:15", "11:00")
EVENING = ("17:00", "18:00", "18:30", "19:00", "16:30")
SLOT_MINUTES = 10


@dataclass(frozen=True)
class Candidate:
    """A procedure on the list: its figures over the last months, how easy it is to move, and why."""

    slug: str
    title: str
    in_person: int
    online: int
    total: int
    score: float
    why: tuple[str, ...]
    has: tuple[str, ...]

    @property
    def share(self) -> float | None:
        return share(self.online, self.total)


def push_next(guides: dict[str, Guide], figures: list[Figure], schedule: Schedule | None,
              build_dir: Path) -> list[Candidate]:
    """The LISTED procedures to push next, highest score first (only those with figures)."""
    recent = _recent(figures)
    rows = {slug: _sums(recent, guide.code) for slug, guide in guides.items()}
    rows = {slug: sums for slug, sums in rows.items() if sums[1]}
    scores = {slug: _score(guides[slug], *rows[slug]) for slug in rows}
    by_in_person = sorted(rows, key=lambda s: -(rows[s][1] - rows[s][0]))
    by_share = sorted(rows, key=lambda s: rows[s][0] / rows[s][1])
    span = _span(recent)
    chosen = sorted(rows, key=lambda s: (-scores[s], s))[:LISTED]
    return [Candidate(slug, guides[slug].title, rows[slug][1] - rows[slug][0], *rows[slug], scores[slug],
                      _why(guides[slug], rows[slug], by_in_person.index(slug), by_share.index(slug), len(rows), span),
                      _has(slug, schedule, build_dir)) for slug in chosen]


def _recent(figures: list[Figure]) -> list[Figure]:
    """The figures of the last AROUND months that have any."""
    months = sorted({f.month for f in figures})[-AROUND:]
    return [f for f in figures if f.month in months]


def _sums(figures: list[Figure], code: str) -> tuple[int, int]:
    mine = [f for f in figures if f.code == code]
    return sum(f.online for f in mine), sum(f.total for f in mine)


def _span(figures: list[Figure]) -> str:
    months = sorted({f.month for f in figures})
    if not months:
        return ""
    return months[0].label if len(months) == 1 else f"{months[0].label}–{months[-1].label}"


def ease(guide: Guide) -> float:
    """How easily residents could move this procedure online, 0–1: fewer papers and originals to
    show, and a procedure done wholly online, are easier."""
    originals = sum(d.originals for d in guide.documents)
    whole = 1.0 if guide.online_level == "toàn trình" else 0.5
    return whole / ((1 + 0.15 * (len(guide.documents) - 1)) * (1 + 0.25 * originals))


def _score(guide: Guide, online: int, total: int) -> float:
    """Files still in person, times the share not yet online, times how easy it is to move."""
    return (total - online) * (1 - online / total) * ease(guide)


def _why(guide: Guide, sums: tuple[int, int], in_person_rank: int, share_rank: int, count: int,
         span: str) -> tuple[str, ...]:
    online, total = sums
    reasons = [f"còn {files(total - online)} nộp trực tiếp tại xã trong {span}"
               + (f" (nhiều nhất trong {count} thủ tục)" if in_person_rank == 0 else
                  f" (nhiều thứ {in_person_rank + 1} trong {count} thủ tục)"),
               f"chỉ {percent(share(online, total))} nộp trực tuyến"
               + (" (thấp nhất)" if share_rank == 0 else f" (thấp thứ {share_rank + 1})")]
    return (*reasons, _papers(guide))


def _papers(guide: Guide) -> str:
    originals = sum(d.originals for d in guide.documents)
    papers = f"{len(guide.documents)} giấy tờ"
    if originals == 0:
        said = f"chỉ {papers}, không phải xuất trình bản chính: dễ chuyển sang nộp trực tuyến"
    elif originals == 1:
        said = f"{papers}, chỉ 1 bản chính: khá dễ chuyển sang nộp trực tuyến"
    else:
        said = f"{papers}, {originals} bản chính phải chụp hoặc xuất trình: cần hướng dẫn kỹ hơn"
    return said + ("; làm trọn trên mạng được (toàn trình)" if guide.online_level == "toàn trình"
                   else "; chỉ làm trực tuyến một phần, người dân vẫn phải đến xã")


def _has(slug: str, schedule: Schedule | None, build_dir: Path) -> tuple[str, ...]:
    """What outreach already has for it: handout, bulletin, when it was last in the schedule."""
    folder = build_dir / slug
    handout = "có tờ hướng dẫn" if (folder / BY_NAME["handout"].file).is_file() else "chưa tạo tờ hướng dẫn"
    return handout, _bulletin(build_dir, slug), _last_scheduled(slug, schedule)


def _bulletin(build_dir: Path, slug: str) -> str:
    record = bulletin_of(build_dir, slug)
    if record is None or not (build_dir / slug / BY_NAME["broadcast"].sound).is_file():
        return "chưa có bản tin loa"
    return "có bản tin loa (bản nháp giọng máy)" if record.draft else "có bản tin loa"


def _last_scheduled(slug: str, schedule: Schedule | None) -> str:
    campaigns = [c for c in (schedule.campaigns if schedule else []) if any(slug in s.guides for s in c.slots)]
    if not campaigns:
        return "chưa có trong lịch phát thanh"
    last = max(campaigns, key=lambda c: c.end)
    return f"lần cuối trong lịch phát thanh: đợt «{last.name}» ({_day(last.start)}–{_day(last.end)})"


def _day(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


# --- the suggested week ----------------------------------------------------------------------------

def suggested_week(candidates: list[Candidate], schedule: Schedule | None, guides: set[str],
                   today: dt.date) -> dict | None:
    """Next Monday to Sunday: the first procedure twice a day, the next two once each, in free
    10-minute slots (none crossing a slot already in the schedule); None when nothing fits."""
    if not candidates:
        return None
    monday = today + dt.timedelta(days=7 - today.weekday())
    sunday = monday + dt.timedelta(days=6)
    slugs = [c.slug for c in candidates]
    morning, evening = slugs[:2], [slugs[0], *slugs[2:3]]
    name = f"Tuần đẩy mạnh nộp trực tuyến {monday:%d/%m}–{sunday:%d/%m/%Y}"
    for first in MORNING:
        for second in EVENING:
            week = {"name": name, "start": _day(monday), "end": _day(sunday), "days": list(WEEKDAYS),
                    "slots": [_slot(first, morning), _slot(second, [s for s in evening if s])]}
            if _fits(week, schedule, guides):
                return week
    return None


def _slot(start: str, slugs: list[str]) -> dict:
    hours, minutes = map(int, start.split(":"))
    end = dt.datetime(2000, 1, 1, hours, minutes) + dt.timedelta(minutes=SLOT_MINUTES * len(slugs))
    return {"start": start, "end": f"{end:%H:%M}", "guides": list(dict.fromkeys(slugs))}


def _fits(week: dict, schedule: Schedule | None, guides: set[str]) -> bool:
    """The schedule with the week added is valid: no slot crosses another on the same day."""
    try:
        campaign = Campaign.model_validate(week)
        whole = Schedule(campaigns=[*(schedule.campaigns if schedule else []), campaign])
    except ValidationError:
        return False
    return not whole.problems(guides)
