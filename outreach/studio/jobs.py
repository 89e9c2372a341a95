"""Builds started from the studio: one at a time, in a background thread calling build.build, with
every step kept as an event the page streams (Server-Sent Events) or polls."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from outreach.build import Options, build
from outreach.errors import Problem
from outreach.guidebuild import GuideResult
from outreach.project import Project

log = logging.getLogger("outreach.builds")  # one line per build (the province server shows it)

# What to do about drafts, in the studio's words (the CLI's say which command to run).
STUDIO_VOICE = ("để có giọng thật: thu giọng của bạn ở phần «Lời bản tin loa» trên trang của hướng dẫn (nút "
                "«Thu âm»), hoặc khi máy có mạng chọn giọng Google ở trang Thông tin của xã")


@dataclass
class BuildJob:
    """One build: what it is for, what has happened so far, and whether it has ended."""

    number: int
    slug: str | None                      # None: every guide
    events: list[dict] = field(default_factory=list)
    done: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def title(self) -> str:
        return f"hướng dẫn {self.slug}" if self.slug else "mọi hướng dẫn"

    def tell(self, **event) -> None:
        with self.changed:
            self.events.append({"time": time.time(), **event})
            self.changed.notify_all()


class Builds:
    """The studio's builds; a new one is refused while another runs (they would share build/)."""

    def __init__(self, project: Project):
        self.project = project
        self.jobs: dict[int, BuildJob] = {}
        self.lock = threading.Lock()

    def running(self) -> BuildJob | None:
        return next((job for job in self.jobs.values() if not job.done), None)

    def start(self, slug: str | None) -> BuildJob:
        with self.lock:
            current = self.running()
            if current is not None:
                return current
            job = BuildJob(len(self.jobs) + 1, slug)
            self.jobs[job.number] = job
        threading.Thread(target=self._run, args=(job,), name=f"studio-build-{job.number}", daemon=True).start()
        return job

    def _run(self, job: BuildJob) -> None:
        job.tell(kind="start", message=f"Bắt đầu tạo {job.title}…", done=0, total=0)

        def on_guide(done: int, total: int, result: GuideResult) -> None:
            state = f"{len(result.problems)} lỗi" if result.problems else f"{len(result.built)} tệp"
            job.tell(kind="progress", message=f"{result.slug} ({result.part}): {state}", done=done, total=total)
        started = time.monotonic()
        try:
            # One process: forking worker processes from a threaded server is not safe.
            report = build(self.project, Options(only=job.slug, jobs=1), on_guide)
        except Exception as exc:  # the page must hear how the build ended, whatever happened
            job.tell(kind="end", ok=False, message=f"Không tạo được: {exc}")
        else:
            problems = [p for p in report.problems if job.slug is None or concerns(p, job.slug)]
            log.info("build commune=%s guides=%d seconds=%.1f files=%d problems=%d", self.project.root.name,
                     report.guides, time.monotonic() - started, len(report.built), len(problems))
            job.tell(kind="end", ok=not problems, message=summary(report.built, report.drafts, problems),
                     problems=[str(p) for p in problems])
        finally:
            with job.changed:
                job.done = True
                job.changed.notify_all()


def concerns(problem: Problem, slug: str) -> bool:
    return problem.file in (f"content/guides/{slug}.yaml", "content/commune.yaml") or not problem.file.startswith(
        "content/")


def summary(built: list, drafts: list, problems: list[Problem]) -> str:
    parts = [f"Xong: đã tạo {len(built)} tệp" if built else "Xong: không có gì thay đổi, mọi tệp đã mới nhất"]
    if drafts:
        parts.append(f"{len(drafts)} tệp âm thanh là bản nháp giọng máy espeak-ng; {STUDIO_VOICE}")
    if problems:
        parts.append(f"{len(problems)} lỗi (xem bên dưới); phần có lỗi chưa được tạo lại")
    return ". ".join(parts) + "."
