"""What the loopback stand-ins for remote speech services share: a threaded HTTP server on
127.0.0.1 and a quiet handler that tolerates clients giving up (the deadline tests)."""

from __future__ import annotations

import http.server
import threading


class QuietHandler(http.server.BaseHTTPRequestHandler):
    def send(self, status: int, kind: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as a deadline makes it do

    def log_message(self, *args):
        pass


class LoopbackServer:
    """Runs `handler` (given `behaviour`) on 127.0.0.1 in a thread; `url` is its address plus `path`."""

    def __init__(self, handler: type[QuietHandler], behaviour, path: str = ""):
        bound = type("Handler", (handler,), {"behaviour": behaviour})
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), bound)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
