"""The HTML report in a real headless browser (Debian's Chromium, no driver library).

Chromium loads the report from a file with a small self-test script added at the end of the
page; once the page has loaded, the script reads what the browser built (the highlights and the
text under them), clicks each highlight where a user would (the element found at the
highlight's own coordinates), records what the page then shows, and writes it all into the DOM,
which ``--dump-dom`` prints. A screenshot checks that the page renders at all.

In CI (``CI=true``) a missing Chromium fails the test; .ci/run installs it. Elsewhere the test is
skipped with a reason.
"""

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from summarizer.export import load_article_text, render_html
from tests.recorded_runs import reference_summaries
from tests.test_export_html import SCRIPT_TEXT, hostile_summary

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
]

SELF_TEST = r"""
window.addEventListener("load", function () {
  var out = {pwned: window.__pwned === undefined ? null : window.__pwned,
             scripts: document.scripts.length, quotes: {}, clicks: [],
             texts: Array.prototype.map.call(document.querySelectorAll("div.text"),
                                              function (d) { return d.textContent; })};
  var marks = Array.prototype.slice.call(document.querySelectorAll("mark.q"));
  out.marks = marks.length;
  marks.forEach(function (m) {
    m.getAttribute("data-quotes").split(" ").forEach(function (q) {
      out.quotes[q] = (out.quotes[q] || "") + m.textContent;
    });
  });
  var seen = {};
  marks.forEach(function (m) {
    var key = m.getAttribute("data-events");
    if (seen[key]) { return; }
    seen[key] = true;
    window.scrollTo(0, 0);
    m.scrollIntoView({block: "center"});
    var box = m.getClientRects()[0];
    var x = box.left + Math.min(box.width / 2, 4), y = box.top + box.height / 2;
    var target = document.elementFromPoint(x, y);
    var record = {events: key, hit: !!target && m.contains(target)};
    if (target) {
      target.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true, view: window,
                                                    clientX: x, clientY: y}));
    }
    var row = document.getElementById(key.split(" ")[0]);
    var rect = row.getBoundingClientRect();
    record.hash = location.hash;
    record.active = Array.prototype.map.call(document.querySelectorAll("tr.event.active"),
                                             function (r) { return r.id; });
    record.rowVisible = rect.height > 0 && rect.top >= 0 && rect.bottom <= window.innerHeight;
    record.picked = row.closest("section.article").querySelector(".picked").textContent;
    record.label = row.getAttribute("data-label");
    out.clicks.push(record);
  });
  var pre = document.createElement("pre");
  pre.id = "selftest";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
"""


def chromium_path() -> str | None:
    for name in (
        os.environ.get("SUMMARIZER_CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        if name and (found := shutil.which(name)):
            return found
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                "chromium is not installed: .ci/run installs it with apt-get", pytrace=False
            )
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def run_chromium(chromium: str, page: Path, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        proc = subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def with_self_test(html: str, *, keep_csp: bool = True) -> str:
    """The report plus the self-test script; the CSP is widened by exactly that script's hash,
    or removed to test the escaping on its own."""
    digest = base64.b64encode(hashlib.sha256(SELF_TEST.encode()).digest()).decode()
    if keep_csp:
        html, n = re.subn(r"script-src ", f"script-src 'sha256-{digest}' ", html, count=1)
        assert n == 1
    else:
        html, n = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        assert n == 1
    return html.replace("</body>", f"<script>{SELF_TEST}</script></body>")


def self_test(chromium: str, html: str, tmp_path: Path, name: str) -> dict:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    proc = run_chromium(
        chromium, page, "--window-size=1280,900", "--virtual-time-budget=10000", "--dump-dom"
    )
    found = re.search(r'<pre id="selftest">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"the self-test did not run; chromium said: {proc.stderr[-2000:]}"
    return json.loads(htmllib.unescape(found.group(1)))


def test_report_loads_highlights_the_quotes_and_clicking_one_shows_its_event(chromium, tmp_path):
    summaries = reference_summaries()
    result = self_test(chromium, with_self_test(render_html(summaries)), tmp_path, "seeds")

    # Every located quote is highlighted over exactly the text its offsets name.
    expected = {}
    for a, summary in enumerate(summaries, 1):
        text = load_article_text(summary).text
        assert text is not None
        for e, event in enumerate(summary.events, 1):
            for q, ev in enumerate(event.evidence, 1):
                if ev.start is not None:
                    expected[f"q-{a}-{e}-{q}"] = text[ev.start : ev.end]
    assert len(expected) == 49
    assert result["quotes"] == expected
    assert result["texts"] == [load_article_text(s).text for s in summaries]

    # Clicking a highlight selects its event row(s), scrolls the row into view, names it.
    assert result["clicks"], "no highlight was clicked"
    for click in result["clicks"]:
        events = click["events"].split()
        assert click["hit"], f"{events}: the highlight is covered by something else"
        assert click["active"] == events
        assert click["hash"] == "#" + events[0]
        assert click["rowVisible"], f"{events[0]} is not in view after the click"
        assert click["picked"].startswith(click["label"]) and click["label"].startswith("Event ")
    # The six strikes quoting one sentence are one highlight that selects all six rows.
    assert any(len(c["events"].split()) == 6 for c in result["clicks"])


def test_script_in_an_article_runs_nothing_even_without_the_csp(chromium, tmp_path):
    summary = hostile_summary(tmp_path)
    for keep_csp in (False, True):
        result = self_test(
            chromium,
            with_self_test(render_html([summary]), keep_csp=keep_csp),
            tmp_path,
            f"hostile-{keep_csp}",
        )
        assert result["pwned"] is None
        assert result["scripts"] == 2  # the report's and the self-test's
        assert result["texts"] == [SCRIPT_TEXT]  # shown as characters
        assert any("<script>" in q for q in result["quotes"].values())
        assert all(c["hit"] and c["active"] for c in result["clicks"])


def test_report_renders_to_a_screenshot(chromium, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_html(reference_summaries()), encoding="utf-8")
    shot = tmp_path / "report.png"
    run_chromium(chromium, page, "--window-size=1280,1600", f"--screenshot={shot}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
