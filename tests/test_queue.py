"""The province's builds on a real queue: a real redis-server (Debian's, in a temp folder), the server
run as its own process with two `outreach server worker` processes beside it (standing in for two
machines that mount the server folder), a worker killed mid-build with SIGKILL, and Redis stopped."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redisserver
from redis import Redis
from rq import Queue
from rq.job import Job
from test_server import OUTREACH, Deployment, cli, free_port

from outreach.server.queue import QUEUE_NAME, events_key

COMMUNES = {"an-vien": "xã An Viễn", "binh-loc": "xã Bình Lộc"}
EDITORS = {"an.bien": "an-vien", "binh.bien": "binh-loc"}
PASSWORD = "mat-khau-bien-tap"
EXTRA_GUIDES = 3  # An Viễn's build is long enough to be killed in the middle


class Province(Deployment):
    """The server folder, its Redis, the server and two workers."""

    def __init__(self, root: Path, redis: redisserver.RedisServer):
        super().__init__(root, {}, "sqlite")
        self.redis = redis
        self.workers: list[subprocess.Popen] = []

    def start_worker(self) -> subprocess.Popen:
        log = open(self.root.parent / f"worker-{len(self.workers)}.log", "w", encoding="utf-8")  # noqa: SIM115
        worker = subprocess.Popen([OUTREACH, "server", "worker", str(self.root), "--heartbeat", "1"],
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers.append(worker)
        return worker

    def worker_logs(self) -> list[str]:
        return [(self.root.parent / f"worker-{n}.log").read_text(encoding="utf-8") for n in range(len(self.workers))]

    def events(self, path: str, cookie: str) -> list[dict]:
        """The build's Server-Sent Events as the page reads them, to the end of the stream."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=180)
        connection.request("GET", path, headers={"Host": f"127.0.0.1:{self.port}",
                                                 "Cookie": f"outreach_session={cookie}"})
        body = connection.getresponse().read().decode("utf-8")
        connection.close()
        return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]

    def start_build(self, login: str) -> tuple[str, str]:
        cookie = self.sign_in(login, PASSWORD)
        status, got, _ = self.request("POST", f"/c/{EDITORS[login]}/build", {"slug": ""}, cookie=cookie)
        assert status == 303, status
        return got["location"], cookie


@pytest.fixture(scope="session")
def province(tmp_path_factory):
    if redisserver.binary() is None:
        pytest.skip("redis-server is installed by `make system` (Debian package redis-server)")
    root = tmp_path_factory.mktemp("queued") / "srv"
    assert cli("server", "init", str(root), "--province", "tỉnh Đồng Nai").exit_code == 0
    for guide in (root / "library" / "guides").glob("*.yaml"):  # the communes' own guides are work enough
        guide.unlink()
    for slug, name in COMMUNES.items():
        assert cli("server", "add-commune", str(root), slug, "--name", name).exit_code == 0
    for login, commune in EDITORS.items():
        assert cli("server", "add-user", str(root), login, "--role", "editor", "--commune", commune,
                   "--password-stdin", password=PASSWORD).exit_code == 0
    with redisserver.server() as redis:
        with open(root / "outreach-server.yaml", "a", encoding="utf-8") as settings:
            settings.write(f"redis_url: {redis.url}\n")
        running = Province(root, redis)
        running.start()
        running.start_worker(), running.start_worker()
        yield running
        running.stop()
        for worker in running.workers:
            if worker.poll() is None:
                kill_with_horse(worker)


def kill_with_horse(worker: subprocess.Popen) -> None:
    """SIGKILL to a worker and to the process it forked for its build (RQ's work horse, in a
    process group of its own): what a machine that dies does to both."""
    horses = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    os.kill(worker.pid, signal.SIGKILL)
    for horse in horses:
        os.kill(int(horse), signal.SIGKILL)
    worker.wait(10)


def out_of_date(root: Path, commune: str, extra: int = 0) -> None:
    """Every guide of `commune` changed (and `extra` new ones), so a build has work to do."""
    guides = root / "communes" / commune / "content" / "guides"
    starter = (guides / "dang-ky-khai-sinh.yaml").read_text(encoding="utf-8")
    for n in range(extra):
        (guides / f"khai-sinh-{n}.yaml").write_text(
            starter.replace("title: Đăng ký khai sinh", f"title: Đăng ký khai sinh lần {n + 2}"), encoding="utf-8")
    for path in guides.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("không cần xếp hàng", "không phải xếp hàng", 1), encoding="utf-8")


def manifest_is_true(project: Path) -> None:
    """Every file the manifests list (build/ for what is published, build/.preview/ for what waits for
    approval: everything, on a server commune nothing is approved in) is there, with the bytes it records."""
    listed = 0
    for build in (project / "build", project / "build" / ".preview"):
        units = json.loads((build / "manifest.json").read_text(encoding="utf-8"))["units"]
        listed += len(units)
        for unit in units.values():
            for name, record in unit["files"].items():
                assert hashlib.sha256((build / name).read_bytes()).hexdigest() == record["sha256"], name
    assert listed


def wait_for(condition, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("waited in vain")


def test_a_worker_without_a_queue_or_with_redis_gone_says_so(tmp_path):
    root = tmp_path / "srv"
    assert cli("server", "init", str(root)).exit_code == 0
    unset = cli("server", "worker", str(root), env={"REDIS_URL": ""})
    assert unset.exit_code == 1 and "redis_url" in unset.output and "Traceback" not in unset.output
    gone = cli("server", "worker", str(root), env={"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    assert gone.exit_code == 1 and "không kết nối được hàng đợi" in gone.output, gone.output


def test_health_reports_the_queue_and_its_two_workers(province):
    health = wait_for(lambda: (h := json.loads(province.request("GET", "/api/health")[2]))["queue"]["workers"] == 2
                      and h, 30)
    assert health["status"] == "ok"
    assert health["queue"] == {"configured": True, "reachable": True, "waiting": 0, "running": 0, "workers": 2}


def test_the_workers_give_way_to_the_officers_pages(province):
    """Builds are batch work: the workers run at a lower priority, so a busy machine answers pages first."""
    server = niceness(province.process.pid)
    lower = min(server + 10, 19)  # 19: the lowest priority there is
    wait_for(lambda: [niceness(worker.pid) for worker in province.workers] == [lower, lower], 60)


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_two_communes_builds_are_shared_between_the_workers(province):
    for commune in COMMUNES:
        out_of_date(province.root, commune)
    started = [province.start_build(login) for login in EDITORS]
    for (page, cookie), commune in zip(started, EDITORS.values(), strict=True):
        events = province.events(f"{page}/events", cookie)
        assert events[0]["kind"] == "start" and events[-1]["kind"] == "end" and events[-1]["ok"], events
        assert any(e["kind"] == "progress" and "dang-ky-khai-sinh" in e["message"] for e in events)
        shown = province.request("GET", page, cookie=cookie)[2]
        assert "Xong: đã tạo" in shown, "the page tells how the build ended"
        manifest_is_true(province.root / "communes" / commune)
    logs = province.worker_logs()
    lines = [line for log in logs for line in log.splitlines() if "build commune=" in line]
    assert {c for c in COMMUNES if any(f"commune={c} " in line for line in lines)} == set(COMMUNES)
    assert all(re.search(r"guides=\d+ seconds=\d+\.\d", line) for line in lines)
    assert all("build commune=" in log for log in logs), "each worker built one of the two communes"


def test_a_worker_killed_mid_build_loses_nothing(province):
    project = province.root / "communes" / "an-vien"
    out_of_date(province.root, "an-vien", EXTRA_GUIDES)
    page, cookie = province.start_build("an.bien")
    redis = Redis.from_url(province.redis.url)
    queue = Queue(QUEUE_NAME, connection=redis)
    job_id = wait_for(lambda: queue.started_job_registry.get_job_ids(), 60)[0]
    told = wait_for(lambda: [json.loads(e)["kind"] for e in redis.lrange(events_key(job_id), 0, -1)][1:], 120)
    assert told == ["progress"], "one guide is done, the others are not: the worker is in the middle of the build"
    victim = Job.fetch(job_id, connection=redis).worker_name
    worker = next(w for w in province.workers if victim.endswith(f".{w.pid}"))
    assert Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split(), "its work horse builds"
    kill_with_horse(worker)
    events = province.events(f"{page}/events", cookie)
    assert [e["kind"] for e in events].count("start") == 2, "the job ran again, on the other worker"
    assert "bị ngắt" in events[[e["kind"] for e in events].index("start", 1)]["message"]
    assert events[-1]["kind"] == "end" and events[-1]["ok"], events[-1]
    manifest_is_true(project)
    # Nothing of a server commune is approved yet: its guides are built as previews (README, approval).
    guides = json.loads((project / "build" / ".preview" / "manifest.json").read_text(encoding="utf-8"))["units"]
    assert all(any(key.startswith(f"khai-sinh-{n}") for key in guides) for n in range(EXTRA_GUIDES))
    rebuilt = cli("--project", str(project), "build")
    assert rebuilt.exit_code == 0 and "không có gì thay đổi" in rebuilt.output.lower(), rebuilt.output


def test_the_container_entrypoint_runs_the_server_and_a_worker(province):
    """No container runtime works on the development machine: the image's entrypoint script is run
    directly, as the image runs it (`run` and `worker` on OUTREACH_DIR, outreach on the PATH)."""
    entrypoint = str(Path(__file__).parent.parent / "deploy" / "entrypoint.sh")
    env = {**os.environ, "OUTREACH_DIR": str(province.root), "PATH": f"{Path(OUTREACH).parent}:{os.environ['PATH']}"}
    served = Deployment(province.root, {}, "sqlite")
    server = subprocess.Popen([entrypoint, "run", "--host", "127.0.0.1"], env={**env, "PORT": str(served.port)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health = wait_for(lambda: _health(served), 60)
        assert health["status"] == "ok" and health["queue"]["reachable"] and health["communes"] == 2
    finally:
        server.terminate()
        server.wait(15)
    worker = subprocess.run([entrypoint, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=60)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert subprocess.run([entrypoint, "server", "list-users", str(province.root)], env=env, capture_output=True,
                          text=True, timeout=60).stdout.count("editor") == 2


def _health(served: Deployment) -> dict | None:
    try:
        return json.loads(served.request("GET", "/api/health")[2])
    except OSError:
        return None


def test_health_answers_503_when_redis_is_gone(province):
    province.redis.stop()
    try:
        status, _, body = province.request("GET", "/api/health")
        assert status == 503 and json.loads(body)["queue"] == {"configured": True, "reachable": False}
    finally:
        province.redis.start()
    assert province.request("GET", "/api/health")[0] == 200
