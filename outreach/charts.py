"""The results as SVG charts people would rather look at than read: the commune's online share over
the months with its target, and one small chart per procedure (share and counts).

matplotlib draws them (its object API, no pyplot state) in Fira Sans, the house font, with every
letter turned into outlines: a phone without a Vietnamese font still shows "Tỉ lệ" whole. Black and
white carry the meaning (hatching, line styles, numbers written on the chart), colour only helps.
The same figures always give the same bytes (no date, fixed ids), so a build makes them again only
when something changed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.typing import RcKeyType

from outreach import assets
from outreach.outcomes import Point, Series
from outreach.results import count, percent

INK = "#1a1a1a"
ONLINE = "#1f4e79"   # dark: reads as near black on a grey copy
IN_PERSON = "#ffffff"
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "path",         # outlines: no font needed where the chart is opened
    "svg.hashsalt": "outreach",     # clip-path ids fixed: the same chart gives the same bytes
    "font.family": assets.FONT_FAMILY,
    "font.size": 12,
    "axes.edgecolor": INK, "axes.labelcolor": INK, "text.color": INK, "xtick.color": INK, "ytick.color": INK,
    "axes.spines.top": False, "axes.spines.right": False,
    "hatch.color": INK, "hatch.linewidth": 0.8,
}
METADATA = {"Date": None, "Creator": "outreach"}  # no time stamp, no version: deterministic bytes


@cache
def _fonts_registered() -> bool:
    """Fira Sans, shipped with outreach, made known to matplotlib once per process."""
    for name in assets.FONT_FACES.values():
        font_manager.fontManager.addfont(str(assets.FONT_DIR / name))
    return True


@contextmanager
def _style() -> Iterator[None]:
    _fonts_registered()
    with matplotlib.rc_context(STYLE):
        yield


def commune_chart(series: Series, target: int) -> bytes:
    """The commune's share month by month: a solid line with each month's share written on it, the
    target as a dashed line."""
    with _style():
        figure = Figure(figsize=(4.8, 3.3))
        axes = figure.add_subplot()
        shares = [p.share or 0 for p in series.points]
        positions = range(len(series.points))
        axes.plot(positions, shares, color=ONLINE, linewidth=2.5, marker="o", markersize=7, label="Tỉ lệ trực tuyến")
        for x, value in zip(positions, shares):
            axes.annotate(percent(value), (x, value), textcoords="offset points", xytext=(0, 9), ha="center",
                          fontsize=12, fontweight="bold")
        axes.axhline(target, color=INK, linestyle=(0, (6, 4)), linewidth=1.5)
        axes.annotate(f"Mục tiêu {percent(target)}", (len(shares) - 1, target), textcoords="offset points",
                      xytext=(0, 5), ha="right", fontsize=11)
        _month_axis(axes, series.points, short=False)
        _percent_axis(axes, max([*shares, target]))
        axes.set_title(series.title, loc="left", fontsize=13, fontweight="bold")
        return _svg(figure, series.title)


def procedure_chart(series: Series) -> bytes:
    """One procedure: each month's files as a bar, online (dark) below, in person (hatched) above,
    its share written over it."""
    with _style():
        figure = Figure(figsize=(4.6, 3.0))
        axes = figure.add_subplot()
        positions = list(range(len(series.points)))
        online = [p.online for p in series.points]
        in_person = [p.total - p.online for p in series.points]
        axes.bar(positions, online, color=ONLINE, edgecolor=INK, linewidth=0.8, label="Trực tuyến")
        axes.bar(positions, in_person, bottom=online, color=IN_PERSON, edgecolor=INK, linewidth=0.8, hatch="///",
                 label="Trực tiếp")
        for x, point in zip(positions, series.points):
            axes.annotate(percent(point.share), (x, point.total), textcoords="offset points", xytext=(0, 3),
                          ha="center", fontsize=10, fontweight="bold")
        _month_axis(axes, series.points, short=True)
        axes.yaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 5, 10], integer=True))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: count(int(value))))
        axes.set_ylim(0, max((p.total for p in series.points), default=1) * 1.22)
        axes.set_ylabel("hồ sơ", fontsize=10)
        axes.legend(loc="upper left", fontsize=9, frameon=False, ncols=2, handlelength=1.4)
        axes.set_title(_wrapped(series.title), loc="left", fontsize=11, fontweight="bold")
        return _svg(figure, series.title)


def _month_axis(axes: Axes, points: tuple[Point, ...], short: bool) -> None:
    """T11/2026 under each month; on a small chart T11, with the year under the first month and January."""
    labels = [p.month.label if not short or i == 0 or p.month.month == 1 else f"T{p.month.month}"
              for i, p in enumerate(points)]
    axes.set_xticks(range(len(points)), labels, fontsize=10)
    axes.set_xlim(-0.6, len(points) - 0.4)


def _percent_axis(axes: Axes, highest: float) -> None:
    top = min(100.0, max(20.0, (int(highest) // 10 + 2) * 10))
    axes.set_ylim(0, top)
    axes.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10], integer=True))  # 0, 20, 40 %: round steps
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: percent(value)))
    axes.grid(axis="y", color="#bbbbbb", linewidth=0.6, linestyle=":")


def _wrapped(title: str, width: int = 40) -> str:
    """A long procedure name on two lines rather than past the chart's edge."""
    if len(title) <= width:
        return title
    cut = title.rfind(" ", 0, width)
    return f"{title[:cut]}\n{title[cut + 1:]}" if cut > 0 else title


def _svg(figure: Figure, title: str) -> bytes:
    figure.tight_layout(pad=0.6)
    out = io.BytesIO()
    figure.savefig(out, format="svg", metadata={**METADATA, "Title": title})
    return out.getvalue()
