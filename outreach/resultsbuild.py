"""build/results/: the results charts, made only when what they show changed (the figures, the
guides' codes and titles, the target, outreach's code), and what the catalog and the studio show of
the results: charts with their numbers in words, where to push next, the suggested week, and each
campaign's before and after."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from outreach import outcomes, priorities
from outreach.atomic import write_atomic
from outreach.content import Content
from outreach.manifest import Manifest, UnitRecord, digest, file_record
from outreach.outcomes import Series
from outreach.plan import package_hash
from outreach.products import COMMUNE_BY_NAME, COMMUNE_CHART
from outreach.project import Project
from outreach.results import files, percent

RESULTS = COMMUNE_BY_NAME["results"]
FOLDER = RESULTS.folder    # build/results/


def all_series(content: Content) -> tuple[Series, list[Series]]:
    """The commune's series and each procedure's."""
    assert content.commune is not None
    return (outcomes.commune_series(content.results, content.commune.name),
            outcomes.procedure_series(content.results, content.guides))


def chart_inputs(content: Content) -> str:
    """The hash of all a chart shows: no other edit remakes them."""
    assert content.commune is not None
    return digest(package_hash(), content.commune.name, content.commune.results.target,
                  [(f.month.key, f.code, f.online, f.total) for f in content.results],
                  sorted((slug, g.code, g.title) for slug, g in content.guides.items()))


def write_charts(folder: Path, content: Content) -> list[Path]:
    """Every chart into `folder` (charts of procedures no longer shown are removed)."""
    from outreach import charts  # here: matplotlib loads only when a chart is made

    assert content.commune is not None
    commune, procedures = all_series(content)
    made = {folder / _chart_file(commune): charts.commune_chart(commune, content.commune.results.target)}
    made.update({folder / _chart_file(series): charts.procedure_chart(series) for series in procedures})
    for target, svg in made.items():
        write_atomic(target, svg)
    for old in folder.glob(Path(RESULTS.file_of("*")).name):
        if old not in made:
            old.unlink()
    return list(made)


def _chart_file(series: Series) -> str:
    """A chart's file name in its folder: the procedure's slug, or the commune's own name."""
    return Path(RESULTS.file_of(series.slug or COMMUNE_CHART)).name


def build_outputs(project: Project, content: Content, manifest: Manifest) -> list[str]:
    """Make build/results/ when what it shows changed; the paths made, relative to build/."""
    folder, key = project.build_dir / FOLDER, RESULTS.key
    if not content.results:
        for rel in manifest.units.pop(key, UnitRecord("")).files:
            (project.build_dir / rel).unlink(missing_ok=True)
        return []
    inputs = chart_inputs(content)
    if manifest.is_current(key, inputs):
        return []
    paths = write_charts(folder, content)
    records = {RESULTS.file_of(path.stem): file_record(path) for path in paths}
    manifest.record(key, UnitRecord(inputs, records))
    return list(records)


def view(project: Project, content: Content, chart_url: str, today: dt.date | None = None) -> dict | None:
    """What a page shows of the results (plain values for a sandboxed template); None without figures.
    `chart_url` is where the charts are, relative to the page."""
    if content.commune is None or not content.results:
        return None
    commune, procedures = all_series(content)
    candidates = priorities.push_next(content.guides, content.results, content.schedule, project.build_dir)
    week = priorities.suggested_week(candidates, content.schedule, set(content.guides), today or dt.date.today())
    return {"target": percent(content.commune.results.target),
            "commune": _chart(commune, f"{chart_url}/{_chart_file(commune)}"),
            "procedures": [_chart(s, f"{chart_url}/{_chart_file(s)}") for s in procedures],
            "push": [_candidate(c) for c in candidates],
            "week": week and _week(week, content), "week_data": week,
            "campaigns": [{"name": b.campaign, "start": b.start, "procedures": ", ".join(b.procedures),
                           "said": b.said()} for b in outcomes.before_and_after(content.schedule, content.guides,
                                                                                 content.results)]}


def _chart(series: Series, url: str) -> dict:
    last = series.last
    latest = (f"{last.month.label}: {percent(last.share)} ({last.online}/{files(last.total)} trực tuyến)"
              if last else "")
    return {"title": series.title, "slug": series.slug, "url": url, "alt": f"{series.title}. {series.described()}",
            "latest": latest}


def _candidate(candidate: priorities.Candidate) -> dict:
    return {"slug": candidate.slug, "title": candidate.title, "share": percent(candidate.share),
            "in_person": files(candidate.in_person), "why": list(candidate.why), "has": list(candidate.has)}


def _week(week: dict, content: Content) -> dict:
    titles = {slug: guide.title for slug, guide in content.guides.items()}
    return {"name": week["name"], "dates": f"{week['start']} – {week['end']}", "days": "mọi ngày trong tuần",
            "slots": [{"time": f"{slot['start']}–{slot['end']}", "titles": [titles[s] for s in slot["guides"]]}
                      for slot in week["slots"]]}
