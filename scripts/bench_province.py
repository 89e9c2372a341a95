"""Province benchmark (figures, not pass/fail): a generated province on the build queue.

A server folder whose library (DIR/library/guides/) holds G guides made from the bundled library (every
text numbered, so no two guides share a sentence), C communes following it, a real redis-server in a
temp folder, and `outreach server worker --burst` processes. Measured, with 1 and then 2 workers: the
time to rebuild every commune after a shared template changes (DIR/library/templates/handout.html.j2)
and after one library guide's fee changes; the CPU-seconds per guide rebuilt, beside a bare render of
one handout (WeasyPrint, in this process) in the same run; the guides page and JSON list of one
commune (median, 95th percentile) for 20 signed-in clients while 2 workers rebuild the province; peak
RSS of the server and of a worker (its build processes included). From them: Đồng Nai's 95 communes ×
60 guides on one 16-core server, and the country's 3,321 communes on N such machines.

Usage: bench_province.py [--communes C] [--guides G] [--audio]   (default 10 × 20, --no-audio builds:
the template and fee changes are about print; --audio voices them with espeak-ng)
"""

from __future__ import annotations

import argparse
import math
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import bench_server  # noqa: E402  (the same clients and figures as the server's own benchmark)

OUTREACH = str(Path(sys.executable).parent / "outreach")
LIBRARY = REPO / "outreach" / "library" / "guides"
TEMPLATE = REPO / "templates" / "handout.html.j2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args: str, env: dict | None = None) -> str:
    done = subprocess.run([OUTREACH, *args], capture_output=True, text=True, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        sys.exit(f"outreach {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def library(root: Path, count: int) -> list[Path]:
    """`count` library guides cycled from the bundled library, each made unique by a number in its texts."""
    samples = sorted(LIBRARY.glob("*.yaml"))
    (root / "library" / "guides").mkdir(parents=True, exist_ok=True)
    for copied in (root / "library" / "guides").glob("*.yaml"):  # `server init`'s copy: the library is these
        copied.unlink()
    made = []
    for i in range(count):
        marker = f" Mẫu số {i + 1}."
        text = samples[i % len(samples)].read_text(encoding="utf-8")
        text = re.sub(r"^((?:title|audience): )(.+)$", lambda m, k=marker: m.group(1) + m.group(2) + k,
                      text, flags=re.M)
        path = root / "library" / "guides" / f"{samples[i % len(samples)].stem}-{i + 1:03d}.yaml"
        path.write_text(text, encoding="utf-8")
        made.append(path)
    return made


class Peak:
    """The peak RSS (VmHWM) of processes and their children, sampled as they run."""

    def __init__(self):
        self.kb: dict[str, int] = {}
        self.watched: dict[str, int] = {}
        self.stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def watch(self, name: str, pid: int) -> None:
        self.watched[name] = pid

    def _sample(self) -> None:
        while not self.stop.wait(0.2):
            for name, pid in list(self.watched.items()):
                for each in [pid, *_children(pid)]:
                    self.kb[name] = max(self.kb.get(name, 0), _hwm(each))


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _hwm(pid: int) -> int:
    try:
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmHWM"))
        return int(line.split()[1])
    except (OSError, StopIteration):
        return 0


def rebuild(root: Path, env: dict, communes: list[str], workers: int, peak: Peak, audio: bool) -> dict:
    """Every commune's build on the queue, worked off by `workers` burst workers: wall time, CPU time
    of the workers and their build processes, guides rebuilt (from the workers' log lines)."""
    from outreach.server import queue
    from outreach.server.folder import ServerFolder

    connection = queue.connect(env["REDIS_URL"])
    for commune in communes:
        queue.enqueue(connection, ServerFolder(root), commune, None, audio)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    procs = [subprocess.Popen([OUTREACH, "server", "worker", str(root), "--burst"], env={**os.environ, **env},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(workers)]
    for n, proc in enumerate(procs):
        peak.watch(f"worker{n}", proc.pid)
    outputs = [proc.communicate()[0] for proc in procs]
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for out in outputs for line in out.splitlines() if "build commune=" in line]
    guides = sum(int(m.group(1)) for line in lines if (m := re.search(r"guides=(\d+)", line)))
    files = sum(int(m.group(1)) for line in lines if (m := re.search(r"files=(\d+)", line)))
    if len(lines) != len(communes) or any("problems=0" not in line for line in lines):
        sys.exit("a build failed:\n" + "\n".join(outputs)[-3000:])
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"seconds": seconds, "cpu": cpu, "guides": guides, "files": files,
            "per_worker": [sum("build commune=" in line for line in out.splitlines()) for out in outputs]}


def bare_handout(project: Path) -> tuple[float, float]:
    """CPU seconds of one handout rendered by WeasyPrint in this process, cold and warm."""
    from outreach.content import load_content
    from outreach.pdf import render_pdf
    from outreach.project import Project
    from outreach.render import render_html
    from outreach.templating import template_environment, template_folders

    found = Project(project)
    content = load_content(found)
    assert content.commune is not None
    guide = next(iter(content.guides.values()))
    env, folders = template_environment(found), template_folders(found)
    html = render_html(env, found, "handout.html.j2", guide, content.commune)
    times = []
    for _ in range(2):
        start = time.process_time()
        render_pdf(lambda scale: html, folders, [found.content_dir, *folders], one_page=False)
        times.append(time.process_time() - start)
    return times[0], times[1]


def pages_under_load(root: Path, env: dict, communes: list[str], peak: Peak, args) -> None:
    """The server on the queue, CLIENTS editors of the first commune signed in, loading its guides page
    and JSON list (bench_server's bounded load) while 2 workers rebuild every commune after a shared
    template change: what an officer waits for while the province rebuilds. The server's peak RSS is
    sampled meanwhile."""
    for n in range(bench_server.CLIENTS):
        bench_server.outreach("server", "add-user", str(root), f"can.bo.{n}", "--role", "editor", "--commune",
                              communes[0], "--password-stdin", stdin=bench_server.PASSWORD + "\n")
    port = free_port()
    proc = subprocess.Popen([OUTREACH, "server", "run", str(root), "--port", str(port)], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak.watch("server", proc.pid)
    try:
        wait_healthy(port)
        cookies = [bench_server.sign_in(port, n) for n in range(bench_server.CLIENTS)]
        guides = f"/c/{communes[0]}/"
        for path in (guides, guides + "api/guides"):  # warm, as a server that has been running is
            assert bench_server.request(port, "GET", path, cookies[0])[0] == 200
        change_template(root, 3)
        rebuilding = threading.Thread(target=rebuild, args=(root, env, communes, 2, peak, False))
        rebuilding.start()
        print(f"While 2 workers rebuild {len(communes)} communes: {bench_server.CLIENTS} signed-in clients of "
              f"{communes[0]}, think time {args.think} s")
        for name, path in (("guides page", guides), ("JSON list", guides + "api/guides")):
            bench_server.measured(f"{name} (GET {path})", proc.pid,
                                  lambda n, path=path: bench_server.request(port, "GET", path, cookies[n]),
                                  args.rounds, args.think)
        print(f"  the rebuild was {'still running' if rebuilding.is_alive() else 'over'} when the last request ended")
        rebuilding.join()
    finally:
        proc.terminate()
        proc.wait(15)


def wait_healthy(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5).read()
            return
        except OSError:
            time.sleep(0.2)


def change_template(root: Path, n: int) -> None:
    folder = root / "library" / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.read_text(encoding="utf-8")
    (folder / "handout.html.j2").write_text(text.rstrip("\n") + f"\n{{# the province's change {n} #}}\n"
                                            f"<!-- {n} -->\n", encoding="utf-8")


def change_fee(guide: Path, n: int) -> None:
    text = guide.read_text(encoding="utf-8")
    changed = re.sub(r"^fee:.*\n(?:  .*\n)*", f"fee: Lệ phí {n * 1000} đồng\n", text, count=1, flags=re.M)
    assert changed != text, guide
    guide.write_text(changed, encoding="utf-8")


def report(label: str, runs: dict[int, dict]) -> None:
    for workers, r in runs.items():
        print(f"{label}, {workers} worker(s): {r['seconds']:.1f} s wall, {r['cpu']:.1f} CPU-s, {r['guides']} guides "
              f"({r['files']} files), {r['cpu'] / max(r['guides'], 1):.2f} CPU-s per guide; builds per worker "
              f"{r['per_worker']}")


def projection(cpu_per_guide: float, fee_per_commune: float) -> None:
    dong_nai = 95 * 60 * cpu_per_guide
    print(f"Projection at {cpu_per_guide:.2f} CPU-s per guide: Đồng Nai 95 × 60 = 5,700 guides = "
          f"{dong_nai / 3600:.2f} CPU-hours, {dong_nai / 16 / 60:.1f} min on one 16-core server (16 workers)")
    country = 3321 * 60 * cpu_per_guide
    for machines in (1, 10, 25, 50):
        minutes = country / 16 / machines / 60
        print(f"  3,321 communes × 60 = 199,260 guides on {machines} × 16 cores: {minutes:.0f} min")
    print(f"  machines of 16 cores for the country's rebuild within 1 hour: {math.ceil(country / 16 / 3600)}")
    print(f"A library fee changed costs {fee_per_commune:.1f} CPU-s per commune (its guide's products and the "
          f"commune-wide ones): Đồng Nai {95 * fee_per_commune / 16 / 60:.1f} min on 16 cores, the country "
          f"{3321 * fee_per_commune / 16 / 60:.0f} min on one 16-core machine")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=10)
    parser.add_argument("--guides", type=int, default=20)
    parser.add_argument("--audio", action="store_true", help="voice the guides with espeak-ng too")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds a client waits between requests")
    parser.add_argument("--rounds", type=int, default=5, help="requests per client and measure, during the rebuild")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="outreach-province-"))
    redis_dir, root = work / "redis", work / "srv"
    redis_dir.mkdir()
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(redis_dir),
                              "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    env = {"REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    peak = Peak()
    try:
        run("server", "init", str(root), "--province", "tỉnh Đồng Nai")
        guides = library(root, args.guides)
        change_template(root, 0)  # the shared templates folder exists from the start: adding it changes every unit
        communes = [f"xa-{i + 1:03d}" for i in range(args.communes)]
        start = time.perf_counter()
        for i, commune in enumerate(communes):
            run("server", "add-commune", str(root), commune, "--name", f"xã Thử Nghiệm {i + 1}")
        print(f"{args.communes} communes × {args.guides} library guides (+1 sample each), "
              f"{'with espeak-ng audio' if args.audio else 'no audio'}; made and first built in "
              f"{time.perf_counter() - start:.0f} s (add-commune, in process)")
        first = rebuild(root, env, communes, 2, peak, args.audio)  # add-commune built its sample guide only
        print(f"First build of every guide (2 workers): {first['seconds']:.0f} s wall, {first['cpu']:.0f} CPU-s, "
              f"{first['guides']} guides, {first['files']} files")
        template, fee = {}, {}
        for workers in (1, 2):
            change_template(root, workers)
            template[workers] = rebuild(root, env, communes, workers, peak, args.audio)
            change_fee(guides[0], workers)
            fee[workers] = rebuild(root, env, communes, workers, peak, args.audio)
        pages_under_load(root, env, communes, peak, args)
        cold, warm = bare_handout(root / "communes" / communes[0])
        peak.stop.set()
        report("Shared template changed", template)
        report("One library fee changed", fee)
        per_guide = template[1]["cpu"] / max(template[1]["guides"], 1)
        print(f"Bare WeasyPrint render of one handout in this run: {cold:.2f} CPU-s cold, {warm:.2f} CPU-s warm; "
              f"a guide rebuilt after the template change costs {per_guide / warm:.1f} × a warm handout render")
        worker_kb = max(v for k, v in peak.kb.items() if k.startswith("worker"))
        print(f"Peak RSS: server {peak.kb.get('server', 0) / 1024:.0f} MB, worker (with its build process) "
              f"{worker_kb / 1024:.0f} MB")
        projection(per_guide, fee[1]["cpu"] / args.communes)
    finally:
        redis.terminate()
        redis.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
