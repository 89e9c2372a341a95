"""Print rendering figures: warm per-product render time (in-process, median of 20) and the
cold `outreach build` time of the bundled samples. Figures, not pass/fail: see README."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from outreach.build import render_product
from outreach.content import Project, load_content
from outreach.render import PRODUCTS, template_environment

REPO = Path(__file__).resolve().parent.parent
RUNS = 20


def warm_render_times(project: Project) -> dict[str, float]:
    """Median seconds to render each product of the first sample guide, after one warm-up."""
    content = load_content(project)
    env = template_environment(project)
    slug, guide = next(iter(sorted(content.guides.items())))
    medians = {}
    for product in PRODUCTS:
        render_product(project, env, product, guide, content.commune)
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            render_product(project, env, product, guide, content.commune)
            times.append(time.perf_counter() - start)
        medians[f"{slug}/{product.name}.pdf"] = statistics.median(times)
    return medians


def cold_build_seconds() -> tuple[float, int]:
    """Wall time of a fresh `outreach build` process on a copy of the samples, and files made."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "content", Path(tmp) / "content")
        shutil.copytree(REPO / "templates", Path(tmp) / "templates")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "outreach", "--project", tmp, "build"], check=True,
                       capture_output=True)
        seconds = time.perf_counter() - start
        return seconds, len(list((Path(tmp) / "build").rglob("*.pdf")))


def main() -> None:
    project = Project(REPO)
    print(f"{'warm render (median of ' + str(RUNS) + ')':<45} seconds")
    for name, seconds in warm_render_times(project).items():
        print(f"  {name:<43} {seconds:6.3f}")
    seconds, files = cold_build_seconds()
    print(f"{'cold outreach build, ' + str(files) + ' PDFs':<45} {seconds:6.2f}")


if __name__ == "__main__":
    main()
