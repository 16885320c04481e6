"""``summarizer run`` on what people actually have: a saved web page, a PDF, a URL, a 10 MB text
file; against the loopback fixture model (never the network)."""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli.app import app
from tests.conftest import RECORDING_KEY
from tests.fixtures.server import start_fixture_server
from tests.pdfs import make_pdf

INDEPENDENT = Path(__file__).resolve().parent / "independent"
runner = CliRunner()


@pytest.fixture(scope="module")
def model():
    with start_fixture_server() as server:
        yield server


@pytest.fixture
def page_site():
    """A web server with one article page, which counts its visitors."""
    html = (INDEPENDENT / "html" / "furniture.html").read_bytes()
    hits: list[str] = []

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/2019/05/idlib-market.html", hits
    server.shutdown()
    server.server_close()


def run(model, tmp_path, *args: str):
    env = {
        "OPENAI_API_KEY": RECORDING_KEY,
        "SUMMARIZER_LEDGER": str(tmp_path / "ledger.sqlite3"),
        "COLUMNS": "200",
    }
    base = ["run", "--base-url", model.base_url, "--model", "fixture", "--mode", "tools"]
    return runner.invoke(app, [*base, *args], env=env, catch_exceptions=False)


def results(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_web_page_a_pdf_and_a_url_in_one_run(model, tmp_path, page_site):
    url, hits = page_site
    page = tmp_path / "jsonld.html"
    page.write_bytes((INDEPENDENT / "html" / "jsonld_date.html").read_bytes())
    pdf = tmp_path / "update.pdf"
    pdf.write_bytes(make_pdf([["Hama, 14 March 2018", "Shelling hit Kafr Zita, killing three."]]))
    out = tmp_path / "r.jsonl"
    ran = run(model, tmp_path, str(page), str(pdf), url, "--out", str(out))
    assert ran.exit_code == 0, ran.output
    by_source = {r["source_path"]: r for r in results(out)}
    assert set(by_source) == {str(page), str(pdf), url}
    for record in by_source.values():  # the text the offsets index, kept with the result
        assert record["text"] and len(record["text"]) == record["text_length"]
    assert by_source[str(page)]["published"] == "2017-08-22"
    assert by_source[str(page)]["outlet"] == "Orient Monitor"
    assert by_source[str(pdf)]["published"] == "2018-03-14"
    assert by_source[url]["headline"].startswith("Air strikes hit Idlib market")
    assert "Read more" not in by_source[url]["text"]  # the page's furniture never reached it
    assert hits == ["/2019/05/idlib-market.html"]
    # Again, the site gone: the page is read from the ledger, not fetched, and not re-asked.
    hits.clear()
    again = run(model, tmp_path, str(page), str(pdf), url)
    assert again.exit_code == 0 and hits == []
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        assert db.execute("SELECT url, content_type FROM sources").fetchall() == [
            (url, "text/html")
        ]


def test_a_url_that_cannot_be_read_is_one_failure_and_the_rest_go_on(model, tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes((INDEPENDENT / "html" / "no_date.html").read_bytes())
    ran = run(model, tmp_path, "http://127.0.0.1:9/article", str(page))
    assert ran.exit_code == 1
    assert "1 ok, 1 failed" in ran.stdout
    assert "http://127.0.0.1:9/article: cannot fetch (ConnectError" in " ".join(ran.stderr.split())


def test_a_ten_megabyte_text_is_refused_before_any_request(model, tmp_path):
    big = tmp_path / "huge.txt"
    big.write_text("Headline\n\n" + ("Fighting was reported near the town today. " * 240_000))
    before = len(model.history)
    ran = run(model, tmp_path, str(big))
    assert ran.exit_code == 1 and len(model.history) == before  # nothing was asked
    line = " ".join(ran.stderr.split())
    assert f"{big}: about 2,580,003 tokens (10,320,009 characters)" in line
    assert "over the --max-document-tokens limit of 200,000: nothing was asked" in line
