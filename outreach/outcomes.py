"""What the figures say: the commune's online share month by month, each procedure's, and the share
before and after each broadcast campaign started (said plainly, without claiming it was the cause)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from outreach.model import Campaign, Guide, Schedule
from outreach.results import Figure, Month, percent, share

AROUND = 3  # months compared on each side of a campaign's start


@dataclass(frozen=True)
class Point:
    """One month of one series: files online and in total."""

    month: Month
    online: int
    total: int

    @property
    def share(self) -> float | None:
        return share(self.online, self.total)


@dataclass(frozen=True)
class Series:
    """A procedure's months (or the whole commune's), in order."""

    title: str
    code: str | None
    slug: str | None
    points: tuple[Point, ...]

    @property
    def last(self) -> Point | None:
        return self.points[-1] if self.points else None

    def described(self) -> str:
        """The numbers in words, for a chart's alternative text: 'T6/2026: 18 % (26/147 hồ sơ); …'."""
        return "; ".join(f"{p.month.label}: {percent(p.share)} ({p.online}/{p.total} hồ sơ)" for p in self.points)


def summed(figures: list[Figure]) -> tuple[Point, ...]:
    """The figures added up per month, in order."""
    online: dict[Month, int] = defaultdict(int)
    total: dict[Month, int] = defaultdict(int)
    for figure in figures:
        online[figure.month] += figure.online
        total[figure.month] += figure.total
    return tuple(Point(month, online[month], total[month]) for month in sorted(total))


def commune_series(figures: list[Figure], name: str) -> Series:
    return Series(f"Tỉ lệ hồ sơ nộp trực tuyến của {name}", None, None, summed(figures))


def procedure_series(figures: list[Figure], guides: dict[str, Guide]) -> list[Series]:
    """One series per guide that has figures, in the guides' order."""
    by_code: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        by_code[figure.code].append(figure)
    return [Series(guide.title, guide.code, slug, summed(by_code[guide.code]))
            for slug, guide in sorted(guides.items()) if by_code.get(guide.code)]


@dataclass(frozen=True)
class BeforeAfter:
    """A campaign and the share of its procedures' files in the months before and after its start."""

    campaign: str
    start: str
    procedures: tuple[str, ...]
    before: Point | None
    after: Point | None
    months_before: str
    months_after: str

    def said(self) -> str:
        """'trước: 12 %, sau: 21 %' with the months each covers; no figures is said as such."""
        return (f"trước ({self.months_before or 'chưa có số liệu'}): {_share_or_none(self.before)}, "
                f"sau ({self.months_after or 'chưa có số liệu'}): {_share_or_none(self.after)}")


def _share_or_none(point: Point | None) -> str:
    return percent(point.share) if point and point.total else "chưa có số liệu"


def before_and_after(schedule: Schedule | None, guides: dict[str, Guide], figures: list[Figure]) -> list[BeforeAfter]:
    """For each campaign: its procedures' share in the AROUND months before its start month, and
    in its start month and those after (as far as there are figures)."""
    return [_around(campaign, guides, figures) for campaign in (schedule.campaigns if schedule else [])]


def _around(campaign: Campaign, guides: dict[str, Guide], figures: list[Figure]) -> BeforeAfter:
    slugs = list(dict.fromkeys(slug for slot in campaign.slots for slug in slot.guides if slug in guides))
    codes = {guides[slug].code for slug in slugs}
    start = Month(campaign.start.year, campaign.start.month)
    before = [f for f in figures if f.code in codes and start.shifted(-AROUND) <= f.month < start]
    after = [f for f in figures if f.code in codes and start <= f.month < start.shifted(AROUND)]
    return BeforeAfter(campaign.name, campaign.start.strftime("%d/%m/%Y"), tuple(guides[s].title for s in slugs),
                       _total(before), _total(after), _span(before), _span(after))


def _total(figures: list[Figure]) -> Point | None:
    if not figures:
        return None
    return Point(min(f.month for f in figures), sum(f.online for f in figures), sum(f.total for f in figures))


def _span(figures: list[Figure]) -> str:
    months = sorted({f.month for f in figures})
    if not months:
        return ""
    return months[0].label if len(months) == 1 else f"{months[0].label}–{months[-1].label}"
