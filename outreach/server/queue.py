"""The province's build queue (RQ on Redis), as the server sees it: where the Redis is (REDIS_URL, or
`redis_url:` in outreach-server.yaml), a commune's build put on the queue, its progress read back from
Redis for the studio's page, and what /api/health says about the queue.

RQ, not Dramatiq or Celery: a job is one function call (outreach.server.worker.run_build), and its
worker forks a fresh process per job, so a build killed or crashed mid-way cannot leave the worker in
a bad state; an abandoned job (its worker's heartbeat stopped) is put back on the queue by the other
workers' maintenance, which is what a retried build needs."""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

import redis
import yaml
from rq import Queue, Retry, Worker
from rq.job import Job, JobStatus

from outreach.server.folder import ServerFolder
from outreach.studio.security import Refused

QUEUE_NAME = "outreach-builds"
SETTING = "redis_url"
RETRIES = 2                 # a build whose worker died is run again this many times
JOB_TIMEOUT = 4 * 60 * 60   # seconds: a whole commune with audio, on a slow machine
EVENTS_TTL = 24 * 60 * 60   # seconds a build's progress stays readable in Redis
ENDED = (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)
UNREACHABLE = ("hàng đợi tạo tệp của máy chủ (Redis) đang không trả lời; chưa có gì bị mất. Hãy thử lại sau ít "
               "phút; nếu vẫn vậy, hãy báo quản trị của tỉnh.")


def redis_url(folder: ServerFolder) -> str | None:
    """REDIS_URL when set, else the settings file's redis_url, else None (builds run in the server)."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    data = yaml.safe_load(folder.settings_path.read_text(encoding="utf-8")) if folder.settings_path.is_file() else {}
    value = data.get(SETTING) if isinstance(data, dict) else None
    return str(value) if value else None


def connect(url: str) -> redis.Redis:
    # Short timeouts: a health check or a page must not hang on a Redis that went away.
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def build_queue(connection: redis.Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection)


def events_key(job_id: str) -> str:
    return f"outreach:build:{job_id}:events"


def enqueue(connection: redis.Redis, folder: ServerFolder, commune: str, slug: str | None, audio: bool = True) -> Job:
    """A build of `commune` (one guide, or every guide when slug is None) on the queue; without audio
    for the benchmark."""
    return build_queue(connection).enqueue(
        "outreach.server.worker.run_build", args=(str(folder.root), commune, slug), kwargs={"audio": audio},
        retry=Retry(max=RETRIES), job_timeout=JOB_TIMEOUT, result_ttl=EVENTS_TTL, failure_ttl=EVENTS_TTL,
        description=f"build {commune} {slug or '*'}")


def health(url: str) -> dict[str, Any]:
    """The queue as /api/health reports it: reachable, jobs waiting, workers seen."""
    connection = connect(url)
    try:
        queue = build_queue(connection)
        return {"reachable": True, "waiting": queue.count, "running": queue.started_job_registry.count,
                "workers": Worker.count(connection=connection, queue=queue)}
    except redis.RedisError:
        return {"reachable": False}
    finally:
        connection.close()


class QueuedJob:
    """A build on the queue as the studio's pages see it (the same face as studio.jobs.BuildJob):
    its events are the ones its worker pushed to Redis, read as the page asks."""

    def __init__(self, number: int, slug: str | None, job_id: str, connection: redis.Redis):
        self.number, self.slug, self.job_id, self.connection = number, slug, job_id, connection
        self._events: list[dict] = []
        self._lock = threading.Lock()

    @property
    def title(self) -> str:
        return f"hướng dẫn {self.slug}" if self.slug else "mọi hướng dẫn"

    @property
    def events(self) -> list[dict]:
        with self._lock:
            if not self._ended():
                self._read()
            return list(self._events)

    @property
    def done(self) -> bool:
        return self._ended() or any(e.get("kind") == "end" for e in self.events)

    def _ended(self) -> bool:
        return bool(self._events) and self._events[-1].get("kind") == "end"

    def _read(self) -> None:
        try:
            fresh = self.connection.lrange(events_key(self.job_id), len(self._events), -1)
            self._events += [json.loads(item) for item in fresh]
            if not self._ended() and self._given_up():
                self._events.append({"time": time.time(), "kind": "end", "ok": False, "problems": [],
                                     "message": "Không tạo được: máy tạo tệp đã dừng nhiều lần giữa chừng; hãy "
                                                "bấm tạo lại, nếu vẫn vậy hãy báo quản trị của tỉnh."})
        except redis.RedisError:
            pass  # the page keeps what it has and asks again; health tells the admin

    def _given_up(self) -> bool:
        """True when RQ will not run the job again (failed with no retry left, stopped, cancelled)."""
        job = Job.fetch(self.job_id, connection=self.connection)
        return job.get_status(refresh=False) in ENDED


class QueuedBuilds:
    """The studio's builds of one commune, run by `outreach server worker` processes; like
    studio.jobs.Builds, a new one is refused while one of this commune's runs (they would share build/)."""

    def __init__(self, folder: ServerFolder, commune: str, connection: redis.Redis):
        self.folder, self.commune, self.connection = folder, commune, connection
        self.jobs: dict[int, QueuedJob] = {}
        self.lock = threading.Lock()

    def running(self) -> QueuedJob | None:
        return next((job for job in self.jobs.values() if not job.done), None)

    def start(self, slug: str | None) -> QueuedJob:
        with self.lock:
            current = self.running()
            if current is not None:
                return current
            try:
                queued = enqueue(self.connection, self.folder, self.commune, slug)
            except redis.RedisError:
                raise Refused(503, UNREACHABLE) from None
            job = QueuedJob(len(self.jobs) + 1, slug, queued.id, self.connection)
            self.jobs[job.number] = job
            return job
