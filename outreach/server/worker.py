"""`outreach server worker DIR`: a process that runs the province's builds from the queue, on this
machine or another one that mounts DIR. Each build is one RQ job (run_build, in a process forked for
it); its progress goes to a Redis list the studio's page reads, and one log line per build goes to
standard output (the journal, under systemd)."""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from pathlib import Path

import redis
from rq import Worker, get_current_job

from outreach.build import Options, build
from outreach.errors import OutreachError
from outreach.guidebuild import GuideResult
from outreach.server import queue
from outreach.server.folder import ServerFolder
from outreach.studio.jobs import concerns, summary

log = logging.getLogger("outreach.builds")
HEARTBEAT = 10  # seconds between a running job's heartbeats; a job silent for 3 of them is run again
BATCH_NICENESS = 10  # added to the worker's niceness (its build processes inherit it)


class ProvinceWorker(Worker):
    """RQ's worker, with a job declared abandoned after three missed heartbeats (RQ's own margin is a
    minute more), so another worker takes over a dead machine's build soon."""

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return self.job_monitoring_interval * 3

    def subscribe(self) -> None:
        """RQ's own, listening in 1 s steps (RQ waits 60 s, and redis-py's stop() now waits for the step
        to end: a worker asked to stop would hang a minute)."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=1, daemon=True,
                                                       exception_handler=self._pubsub_exception_handler)  # type: ignore[assignment]


def work(folder: ServerFolder, heartbeat: int = HEARTBEAT, burst: bool = False) -> None:
    url = queue.redis_url(folder)
    if url is None:
        raise OutreachError(f"{folder.settings_path}: chưa có hàng đợi; hãy thêm dòng 'redis_url: "
                            "redis://ĐỊA_CHỈ:6379/0' hoặc đặt biến môi trường REDIS_URL")
    folder.settings()
    show_build_lines()
    connection = queue.connect(url)
    try:
        connection.ping()
    except redis.RedisError as exc:
        where = connection.connection_pool.connection_kwargs
        raise OutreachError(f"không kết nối được hàng đợi Redis ở {where.get('host')}:{where.get('port')} ({exc}); "
                            "hãy kiểm tra redis-server đang chạy và redis_url/REDIS_URL") from None
    worker = ProvinceWorker([queue.build_queue(connection)], name=f"{socket.gethostname()}.{os.getpid()}",
                            connection=connection,
                            job_monitoring_interval=heartbeat, maintenance_interval=heartbeat * 3,
                            worker_ttl=15 + heartbeat * 3)
    if hasattr(os, "nice"):  # builds are batch work: on a shared machine the officers' pages come first
        os.nice(BATCH_NICENESS)
    worker.work(burst=burst, logging_level="WARNING")


def show_build_lines() -> None:
    """The build lines on standard output, whatever the root logger does."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def run_build(root: str, commune: str, slug: str | None, audio: bool = True) -> bool:
    """The job: build `commune` (one guide or all), telling each step to the job's Redis list."""
    job = get_current_job()
    assert job is not None and job.connection is not None
    key = queue.events_key(job.id)

    def tell(**event) -> None:
        job.connection.rpush(key, json.dumps({"time": time.time(), **event}, ensure_ascii=False))
        job.connection.expire(key, queue.EVENTS_TTL)

    what = f"hướng dẫn {slug}" if slug else "mọi hướng dẫn"
    again = job.connection.llen(key) > 0
    tell(kind="start", done=0, total=0, message=(f"Lần tạo trước bị ngắt giữa chừng; đang tạo lại {what}…" if again
                                                 else f"Bắt đầu tạo {what}…"))
    return _built(ServerFolder(Path(root)), commune, Options(only=slug, jobs=1, with_audio=audio), tell)


def _built(folder: ServerFolder, commune: str, options: Options, tell) -> bool:
    def on_guide(done: int, total: int, result: GuideResult) -> None:
        state = f"{len(result.problems)} lỗi" if result.problems else f"{len(result.built)} tệp"
        tell(kind="progress", message=f"{result.slug} ({result.part}): {state}", done=done, total=total)

    started = time.monotonic()
    try:
        report = build(folder.project(commune), options, on_guide)
    except OutreachError as exc:  # the build lock held by another build, an unreadable folder
        log.info("build commune=%s guides=0 seconds=%.1f refused: %s", commune, time.monotonic() - started, exc)
        tell(kind="end", ok=False, message=f"Không tạo được: {exc.format_message()}", problems=[])
        return False
    problems = [p for p in report.problems if options.only is None or concerns(p, options.only)]
    log.info("build commune=%s guides=%d seconds=%.1f files=%d problems=%d", commune, report.guides,
             time.monotonic() - started, len(report.built), len(problems))
    tell(kind="end", ok=not problems, message=summary(report.built, report.drafts, problems),
         problems=[str(p) for p in problems])
    return not problems
