"""Rendering reads only the project's folders: files elsewhere and every network address are refused."""

from __future__ import annotations

import http.server
import threading

import pytest

from conftest import run, starter, tool, write_guide
from outreach.fetcher import ConfinedFetcher


@pytest.fixture
def loopback_server():
    """A server on 127.0.0.1 that counts requests: proof that nothing was fetched."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"secret")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_fetcher_serves_project_files_only(tmp_path, loopback_server):
    url, hits = loopback_server
    allowed = tmp_path / "templates"
    allowed.mkdir()
    (allowed / "a.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (allowed / "escape.svg").symlink_to("/etc/hostname")
    fetcher = ConfinedFetcher([allowed])
    assert fetcher.fetch((allowed / "a.svg").as_uri()).read().startswith(b"<svg")
    for refused in [(allowed / "escape.svg").as_uri(), (allowed / ".." / ".." / "etc" / "hostname").as_uri(),
                    "file:///etc/hostname", "file://otherhost/etc/hostname", url + "/x.png", "ftp://127.0.0.1/x"]:
        with pytest.raises(ValueError):
            fetcher.fetch(refused)
    assert hits == []


def test_edited_template_cannot_pull_in_other_files_or_the_network(project, loopback_server):
    url, hits = loopback_server
    path = project / "templates" / "handout.html.j2"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "{% block body %}", f'{{% block body %}}<img src="{url}/logo.png"><img src="file:///etc/hostname">'
        f'<link rel="attachment" href="file:///etc/passwd">'), encoding="utf-8")
    write_guide(project, "thu-tuc", starter(project))
    result = run(project, "build")
    assert hits == []
    assert "outreach refuses to read" in result.output
    assert tool("pdfdetach", "-list", str(project / "build" / "thu-tuc" / "handout.pdf")).startswith("0 embedded files")
