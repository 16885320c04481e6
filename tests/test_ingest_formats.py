"""Web pages, PDFs, URLs and datelines, checked against test material written from news pages
and wire copy by someone who had not read the code (tests/independent/)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from summarizer.ingest import IngestError, is_url, iter_articles, reopen
from summarizer.ingest.datelines import published_date
from summarizer.types.article import Article, Fetched
from tests.pdfs import make_pdf

INDEPENDENT = Path(__file__).resolve().parent / "independent"
PAGES = ["furniture", "jsonld_date", "no_date"]


def one(items) -> Article | IngestError:
    [item] = list(items)
    return item


# -- web pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_a_web_page_gives_its_article_and_nothing_around_it(name):
    expected = json.loads((INDEPENDENT / "html" / f"{name}.expected.json").read_text())
    article = one(iter_articles([INDEPENDENT / "html" / f"{name}.html"]))
    assert isinstance(article, Article), article
    assert article.headline == expected["title"]
    published = dt.date.fromisoformat(expected["published"]) if expected["published"] else None
    assert article.published == published  # from the markup, or none: never from the text
    assert (article.outlet, article.author) == (expected["site_name"], expected["author"])
    for sentence in expected["must_contain"]:
        assert sentence in article.model_text
    for furniture in expected["must_not_contain"]:  # navigation, comments, related links
        assert furniture not in article.model_text, furniture
    assert article.keep_text  # the record keeps the text its offsets index
    assert reopen(article.source_path, article.sha256).text == article.text


def test_a_date_mentioned_in_a_page_is_not_its_publication_date(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(
        "<html><head><title>Clashes in Daraa</title></head><body><article>"
        "<h1>Clashes in Daraa</h1><p>On 3 March 2017, government forces shelled the town of "
        "Busra al-Harir, killing four civilians, the Syrian Observatory for Human Rights said. "
        "Rebels answered with rockets on the army base nearby, local activists told reporters.</p>"
        "<p>The fighting went on for a second day as families fled toward the Jordanian border "
        "in search of safety and shelter, residents said.</p></article></body></html>"
    )
    article = one(iter_articles([page]))
    assert isinstance(article, Article) and article.published is None


def test_a_page_without_an_article_is_one_error_naming_it(tmp_path):
    page = tmp_path / "menu.html"
    page.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    error = one(iter_articles([page]))
    assert isinstance(error, IngestError)
    assert (
        str(error) == f"{page}: no article text found in the page (not an article, or all markup)"
    )


def test_jsonl_records_may_carry_html(tmp_path):
    html = (INDEPENDENT / "html" / "no_date.html").read_text()
    path = tmp_path / "pages.jsonl"
    lines = [
        {"id": "p1", "html": html},
        {"id": "p2", "html": html, "published": "2018-06-20", "url": "https://example.org/x"},
        {"id": "p3", "html": 5},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    first, second, bad = iter_articles([path])
    assert first.published is None and first.keep_text
    assert (second.published, second.url) == (dt.date(2018, 6, 20), "https://example.org/x")
    assert reopen(second.source_path, second.sha256).text == second.text
    assert str(bad) == f"{path}:3: 'html' must be a string, not a number"


# -- PDFs ---------------------------------------------------------------------------------------


def test_a_pdf_gives_its_text_layer_with_page_starts(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(
        make_pdf(
            [
                ["Hama, 14 March 2018", "Government forces shelled Kafr Zita, killing three."],
                ["Rebels attacked a checkpoint near Morek on Tuesday, activists said."],
            ],
            title="Hama update",
        )
    )
    article = one(iter_articles([path]))
    assert isinstance(article, Article), article
    assert article.headline == "Hama update" and article.published == dt.date(2018, 3, 14)
    assert len(article.pages) == 2 and article.pages[0] == 0
    assert article.text[article.pages[1] :].startswith("Rebels attacked a checkpoint")
    assert reopen(article.source_path, article.sha256).text == article.text


def test_evidence_says_which_page_it_is_on(tmp_path):
    from summarizer.pipeline.assemble import build_summary
    from summarizer.types.extraction import ExtractedSummary
    from summarizer.types.records import Usage

    path = tmp_path / "report.pdf"
    path.write_bytes(
        make_pdf(
            [
                ["Update", "Government forces shelled Kafr Zita, killing three civilians."],
                ["Rebels attacked an army checkpoint near Morek on Tuesday, activists said."],
            ]
        )
    )
    article = one(iter_articles([path]))
    event = {
        "sub_event_type": "Armed clash",
        "plover_type": "ASSAULT",
        "actor1": "Rebels",
        "actor1_type": "Rebel group",
        "actor2": "army",
        "actor2_type": "State forces",
        "location": "Morek",
        "date_phrase": "on Tuesday",
        "fatalities_phrase": None,
        "fatalities": None,
        "evidence": ["Rebels attacked an army checkpoint near Morek on Tuesday, activists said."],
    }
    extraction = ExtractedSummary(summary="s", key_points=[], sources_cited=[], events=[event])
    record = build_summary(
        article, extraction, model="m", endpoint="e", prompt_version="p", usage=Usage()
    )
    [evidence] = record.events[0].evidence
    assert evidence.page == 2 and evidence.status.value == "exact"
    assert record.text == article.text  # kept: a PDF cannot be reread as plain text


def test_a_scanned_pdf_is_one_error_saying_so(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([[], []]))
    error = one(iter_articles([path]))
    assert str(error) == (
        f"{path}: no text layer in its 2 page(s): a scanned PDF? Run OCR on it first"
    )
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    assert str(one(iter_articles([broken]))).startswith(f"{broken}: not a readable PDF")


# -- URLs ---------------------------------------------------------------------------------------


class _Site(BaseHTTPRequestHandler):
    routes: ClassVar[dict] = {}
    hits: ClassVar[list] = []

    def do_GET(self):
        self.hits.append(self.path)
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        status, ctype, body, delay, headers = route
        if delay:
            time.sleep(delay)
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    html = (INDEPENDENT / "html" / "jsonld_date.html").read_bytes()
    pdf = make_pdf([["Daraa, 3 March 2017 - Barrel bombs fell on Daraa al-Balad, killing six."]])
    _Site.routes = {
        "/news/raqqa-strikes.html": (200, "text/html; charset=utf-8", html, 0, {}),
        "/report.pdf": (200, "application/pdf", pdf, 0, {}),
        "/wire.txt": (
            200,
            "text/plain",
            b"Clashes in Idlib\nFighters clashed near Saraqeb.",
            0,
            {},
        ),
        "/image.png": (200, "image/png", b"\x89PNG", 0, {}),
        "/slow": (200, "text/html", b"<html></html>", 1.5, {}),
        "/moved": (302, None, b"", 0, {"Location": "/news/raqqa-strikes.html"}),
        "/loop": (302, None, b"", 0, {"Location": "/loop"}),
        "/huge": (200, "text/plain", b"x" * 2048, 0, {}),
    }
    _Site.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class MemorySources:
    def __init__(self):
        self.kept: dict[str, Fetched] = {}

    def get(self, url):
        return self.kept.get(url)

    def put(self, fetched):
        self.kept[url_key(fetched)] = fetched


def url_key(fetched: Fetched) -> str:
    return fetched.url


def test_urls_are_read_as_what_they_serve(site):
    page, pdf, text = (f"{site}/news/raqqa-strikes.html", f"{site}/report.pdf", f"{site}/wire.txt")
    articles = list(iter_articles([page, pdf, text]))
    assert all(isinstance(a, Article) and a.keep_text for a in articles), articles
    assert [a.id for a in articles] == ["raqqa-strikes", "report", "wire"]
    assert articles[0].published == dt.date(2017, 8, 22) and articles[0].source_path == page
    assert articles[1].published == dt.date(2017, 3, 3)  # the PDF's wire dateline
    assert articles[2].headline == "Clashes in Idlib"
    moved = one(iter_articles([f"{site}/moved"]))
    assert moved.url == page and moved.source_path == f"{site}/moved"


def test_a_url_that_cannot_be_used_is_one_failure_with_its_reason(site, monkeypatch):
    from summarizer.ingest import url as url_reader

    monkeypatch.setattr(url_reader, "TIMEOUT_S", 0.5)
    monkeypatch.setattr(url_reader, "MAX_BYTES", 1000)
    cases = {
        f"{site}/missing": "HTTP 404 Not Found",
        f"{site}/image.png": "content type image/png: not HTML, PDF or plain text",
        f"{site}/slow": "no answer within 0.5s",
        f"{site}/loop": "more than 5 redirects",
        f"{site}/huge": "2,048 bytes, over the 1,000-byte limit",
        "http://127.0.0.1:9/closed": "cannot fetch (ConnectError",
    }
    results = list(iter_articles([*cases, f"{site}/wire.txt"]))
    for (url, reason), result in zip(cases.items(), results, strict=False):
        assert isinstance(result, IngestError) and result.source == url
        assert result.reason.startswith(reason), result.reason
    assert isinstance(results[-1], Article)  # the others go on


def test_a_url_is_fetched_once_and_read_again_from_what_was_kept(site):
    sources = MemorySources()
    url = f"{site}/news/raqqa-strikes.html"
    first = one(iter_articles([url], sources))
    _Site.routes.clear()  # the site changes, or goes away
    again = one(iter_articles([url], sources))
    assert again == first and _Site.hits == ["/news/raqqa-strikes.html"]


def test_the_ledger_keeps_what_urls_gave(tmp_path):
    from summarizer.store.ledger import Ledger

    fetched = Fetched("http://a/x", "http://a/y", "text/html", b"<html>\xe2\x80\x94</html>")
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        assert ledger.get("http://a/x") is None
        ledger.put(fetched)
        ledger.put(Fetched("http://a/x", "http://b", "text/plain", b"later"))  # first one kept
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        assert ledger.get("http://a/x") == fetched


def test_only_http_and_https_are_urls():
    assert is_url("https://example.org/a") and is_url("HTTP://example.org")
    assert not is_url("ftp://example.org") and not is_url("news/https-guide.txt")


# -- datelines --------------------------------------------------------------------------------


def _dateline_cases():
    for line in (INDEPENDENT / "datelines.jsonl").read_text().splitlines():
        case = json.loads(line)
        yield pytest.param(case, id=case["text"][:40])


@pytest.mark.parametrize("case", list(_dateline_cases()))
def test_datelines_as_wire_copy_and_web_pages_print_them(case):
    lines = [s.strip() for s in case["text"].splitlines() if s.strip()]
    found = published_date(lines)
    accepted = {case["published"], *case.get("acceptable", [])}
    assert (found.isoformat() if found else None) in accepted, case["why"]
