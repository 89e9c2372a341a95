"""Build benchmark for a province-sized project (figures, not pass/fail):

generates N guides from the bundled samples (new slugs, every text changed so nothing is shared),
then measures with the offline engine (espeak-ng): cold build, no-op rebuild, rebuild after editing
one guide; peak RSS of any single process; seconds per stage. Usage: bench_build.py [N] [JOBS]
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def generate(folder: Path, count: int) -> list[Path]:
    """`count` guides cycled from the samples, each made unique by a numbered variant in its texts."""
    shutil.copytree(REPO / "templates", folder / "templates")
    (folder / "content" / "guides").mkdir(parents=True)
    shutil.copy(REPO / "content" / "commune.yaml", folder / "content" / "commune.yaml")
    samples = sorted((REPO / "content" / "guides").glob("*.yaml"))
    paths = []
    for i in range(count):
        source = samples[i % len(samples)]
        text = source.read_text(encoding="utf-8")
        # A variant number in the guide's title, audience and (where it fits the 220-character limit)
        # each step's text: nearly every sentence read aloud differs from the other guides'.
        marker = f" Mẫu số {i + 1}."
        text = re.sub(r"^((?:title|audience): )(.+)$",
                      lambda m, marker=marker: m.group(1) + m.group(2).rstrip() + marker,
                      text, flags=re.M)
        text = re.sub(r"^(    text: )(.+)$", lambda m, marker=marker: m.group(1) + m.group(2).rstrip()
                      + (marker if len(m.group(2)) + len(marker) <= 220 else ""), text, flags=re.M)
        path = folder / "content" / "guides" / f"{source.stem}-{i + 1:03d}.yaml"
        path.write_text(text, encoding="utf-8")
        yaml.safe_load(text)
        paths.append(path)
    return paths


def timed_build(folder: Path, jobs: int) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "outreach", "--project", str(folder), "build", "--engine",
                           "espeak-ng", "-j", str(jobs), "--timings"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    stages = next((line for line in done.stdout.splitlines() if line.startswith("Thời gian")), "")
    return seconds, stages


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else (os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        guides = generate(folder, count)
        cold, cold_stages = timed_build(folder, jobs)
        noop, _ = timed_build(folder, jobs)
        edited = guides[count // 2]
        edited.write_text(edited.read_text(encoding="utf-8").replace("Mẫu số", "Mẫu đã sửa số", 1), encoding="utf-8")
        one, one_stages = timed_build(folder, jobs)
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        outputs = sum(1 for p in (folder / "build").rglob("*") if p.is_file() and ".cache" not in p.parts)
    print(f"{count} guides, -j {jobs}, espeak-ng, {outputs} output files")
    print(f"{'measure':<34} {'figure':>10}   target")
    print(f"{'cold build':<34} {cold:9.1f}s   ≤ 120 s")
    print(f"{'no-op rebuild':<34} {noop:9.2f}s   ≤ 1 s")
    print(f"{'rebuild after editing one guide':<34} {one:9.2f}s   ≤ 5 s")
    print(f"{'peak RSS of any one process':<34} {peak_mib:8.0f}MiB   ≤ 1024 MiB")
    print(f"cold build, {cold_stages}")
    print(f"one-guide rebuild, {one_stages}")


if __name__ == "__main__":
    main()
