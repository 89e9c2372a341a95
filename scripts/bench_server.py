"""The province server's speed figures (issue 20): sign-in, a commune's guides page and its JSON list
(GET /c/<commune>/api/guides) for one commune of 100 guides, with 20 signed-in clients on loopback.

The load is bounded: each client sends a request, waits for the answer, then thinks for a random
0.5-1.5 s (--think; 0 makes it a closed loop, the server's worst case), as officers clicking do.
The server is `outreach server run` in its own process (SQLite in the folder, or the PostgreSQL
that DATABASE_URL names). Prints the median and the 95th percentile of each, in ms, and the server's own CPU time per
request (from /proc), which a busy shared machine does not inflate.
Run: `.venv/bin/python scripts/bench_server.py` (target: median <= 300 ms on 2 cores)."""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
OUTREACH = str(Path(sys.executable).parent / "outreach")
GUIDES, CLIENTS, PASSWORD = 100, 20, "mat-khau-do-toc-do"


def outreach(*args: str, stdin: str | None = None) -> None:
    subprocess.run([OUTREACH, *args], input=stdin, text=True, check=True, capture_output=True)


def server_folder(root: Path) -> None:
    """A server folder with commune an-vien of GUIDES guides and CLIENTS editors."""
    outreach("server", "init", str(root), "--province", "tỉnh Đồng Nai")
    outreach("server", "add-commune", str(root), "an-vien", "--name", "xã An Viễn")
    guides = root / "communes" / "an-vien" / "content" / "guides"
    sample = (REPO / "content" / "guides" / "dang-ky-khai-sinh.yaml").read_text(encoding="utf-8")
    for n in range(GUIDES - 1):
        text = sample.replace("title: Đăng ký khai sinh", f"title: Đăng ký khai sinh {n + 1}", 1)
        (guides / f"thu-tuc-{n + 1:03d}.yaml").write_text(text, encoding="utf-8")
    for n in range(CLIENTS):
        outreach("server", "add-user", str(root), f"can.bo.{n}", "--role", "editor", "--commune", "an-vien",
                 "--password-stdin", stdin=PASSWORD + "\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, cookie: str = "", form: dict | None = None) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = f"outreach_session={cookie}"
    body = None
    if form is not None:
        body, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    answer = connection.getresponse()
    text = answer.read().decode("utf-8", "replace")
    connection.close()
    return answer.status, answer.headers.get("set-cookie", ""), text


def sign_in(port: int, n: int) -> str:
    status, cookie, _ = request(port, "POST", "/login", form={"login": f"can.bo.{n}", "password": PASSWORD})
    assert status == 303, status
    return re.search(r"outreach_session=([^;]+)", cookie).group(1)


def timed(action, count: int, think: float) -> list[float]:
    """Each of the CLIENTS threads does `action(client)` `count` times, thinking between; the ms of each."""
    times: list[float] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        rng = random.Random(n)
        time.sleep(rng.uniform(0, think))  # clients do not all start at once
        for _ in range(count):
            started = time.perf_counter()
            action(n)
            with lock:
                times.append((time.perf_counter() - started) * 1000)
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc): what a request costs the server,
    whatever else the machine is doing."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(name: str, pid: int, action, rounds: int, think: float) -> None:
    before = cpu_seconds(pid)
    times = timed(action, rounds, think)
    cpu = (cpu_seconds(pid) - before) / len(times) * 1000
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(f"{name:<32} median {statistics.median(ordered):6.0f} ms   95th percentile {p95:6.0f} ms   "
          f"server CPU {cpu:5.1f} ms a request   ({len(ordered)} requests)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds a client waits between requests")
    parser.add_argument("--rounds", type=int, default=5, help="requests per client and measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "srv"
        server_folder(root)
        port = free_port()
        process = subprocess.Popen([OUTREACH, "server", "run", str(root), "--port", str(port)], env=os.environ,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            for _ in range(300):
                try:
                    if request(port, "GET", "/api/health")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            cookies = [sign_in(port, n) for n in range(CLIENTS)]
            time.sleep(2.5)  # files written this instant are judged again at each request (contentcache.RACY)
            # Warm, as a server that has been running is: the studio made, the guides judged once.
            assert request(port, "GET", "/c/an-vien/", cookies[0])[0] == 200
            assert request(port, "GET", "/c/an-vien/api/guides", cookies[0])[0] == 200
            print(f"{GUIDES} guides, {CLIENTS} signed-in clients, think time {args.think} s, "
                  f"database {os.environ.get('DATABASE_URL', 'SQLite').split('@')[-1]}")
            print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            measured("sign-in (POST /login)", process.pid, lambda n: sign_in(port, n), args.rounds, args.think)
            measured("guides page (GET /c/an-vien/)", process.pid,
                     lambda n: request(port, "GET", "/c/an-vien/", cookies[n]), args.rounds, args.think)
            measured("JSON list (GET …/api/guides)", process.pid,
                     lambda n: request(port, "GET", "/c/an-vien/api/guides", cookies[n]), args.rounds, args.think)
        finally:
            process.terminate()
            process.wait(15)


if __name__ == "__main__":
    main()
