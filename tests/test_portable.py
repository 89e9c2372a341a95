"""outreach where Debian is not: no Unix-only call on the normal path (simulated here by taking the
Unix modules away), and the worker's portable death-with-parent."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from conftest import REPO, starter, write_guide

# What Windows lacks, taken away before outreach is imported.
WITHOUT_UNIX = textwrap.dedent("""
    import os, sys
    sys.modules["fcntl"] = None
    sys.modules["resource"] = None
    del os.O_NONBLOCK
    sys.argv[0] = "outreach"
    from outreach.cli import main
    main()
""")


def outreach_without_unix(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_UNIX, *args], capture_output=True, text=True, timeout=60,
                          cwd=REPO)


def test_outreach_starts_and_reads_without_unix_only_modules(project):
    assert outreach_without_unix("--version").returncode == 0
    write_guide(project, "tot", starter(project, "tot"))
    os.mkfifo(project / "content" / "guides" / "ong.yaml")  # refused by a look before opening, not O_NONBLOCK
    done = outreach_without_unix("--project", str(project), "validate")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "content/guides/ong.yaml:1: (tệp): không phải tệp thường" in done.stdout + done.stderr


ORPHAN = textwrap.dedent("""
    import multiprocessing, os, sys, time
    from outreach import workers

    def worker(pids):
        workers._parent = os.getppid()
        workers._kernel_kills_orphans = lambda: False  # as on Windows and macOS: no prctl
        workers._die_with_parent()
        pids.put(os.getpid())
        time.sleep(60)  # a long job

    if __name__ == "__main__":
        context = multiprocessing.get_context("spawn")
        pids = context.Queue()
        context.Process(target=worker, args=(pids,)).start()
        print(pids.get(), flush=True)
        os._exit(0)  # the build dies without a word to its worker
""")


def test_a_worker_without_prctl_dies_mid_job_with_its_build(tmp_path: Path):
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    worker = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/stat")
    try:
        return status.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
