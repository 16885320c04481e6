#!/usr/bin/env python3
"""Self-check for the independent test material in this folder (stdlib only).

Run:  python3 tests/independent/check_material.py
Exit status 0 when every check passes, 1 otherwise. Prints counts per file.

Checks:
- every JSON / JSONL file parses (one object per line for JSONL);
- every "evidence" / "evidence_more", "must_contain", "must_not_contain", "planted_sentence"
  and "imperative_sentences" string is an exact substring (Python `in`) of its text;
- every sub_event_type belongs to its event_type (ACLED), PLOVER types are from the list,
  admin1 is a Syrian governorate or null, dates are ISO and windows ordered,
  fatalities are ordered low <= best <= high;
- datelines, fatalities, places and actors rows have the expected fields and values;
- size constraints given in the brief (HTML article text, long report, planted articles,
  short articles).
"""

import datetime
import html
import json
import os
import sys
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))

ACLED = {
    "Battles": {
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    },
    "Explosions/Remote violence": {
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    },
    "Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
    "Protests": {
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    },
    "Riots": {"Violent demonstration", "Mob violence"},
    "Strategic developments": {
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    },
}
PLOVER = {
    "ASSAULT",
    "COERCE",
    "ACCUSE",
    "AGREE",
    "CONSULT",
    "SUPPORT",
    "CONCEDE",
    "COOPERATE",
    "AID",
    "RETREAT",
    "REQUEST",
    "REJECT",
    "THREATEN",
    "PROTEST",
    "SANCTION",
    "MOBILIZE",
}
ADMIN1 = {
    "Idlib",
    "Aleppo",
    "Hama",
    "Homs",
    "Rif Dimashq",
    "Damascus",
    "Daraa",
    "Deir ez-Zor",
    "Raqqa",
    "Hasakah",
    "Latakia",
    "Tartus",
    "Quneitra",
    "As-Suwayda",
}
INTER = {
    "State forces",
    "Rebel group",
    "Political militia",
    "Identity militia",
    "Rioters",
    "Protesters",
    "Civilians",
    "External/Other forces",
}
EVENT_FIELDS = [
    "article_id",
    "event_type",
    "sub_event_type",
    "plover_type",
    "actor1",
    "actor1_alternatives",
    "actor2",
    "location",
    "admin1",
    "date",
    "date_window",
    "fatalities_low",
    "fatalities_high",
    "fatalities_best",
    "evidence",
    "notes",
]

errors = []
counts = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def rel(p):
    return os.path.relpath(p, HERE)


def read(p):
    with open(p, encoding="utf-8") as f:
        return f.read()


def load_jsonl(p):
    rows = []
    for i, line in enumerate(read(p).splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"{rel(p)}:{i}", f"JSON does not parse: {e}")
            continue
        if not isinstance(obj, dict):
            err(f"{rel(p)}:{i}", "line is not a JSON object")
            continue
        rows.append((i, obj))
    return rows


def is_date(s):
    try:
        datetime.date.fromisoformat(s)
        return True
    except (TypeError, ValueError):
        return False


def is_int_or_none(x):
    return x is None or (isinstance(x, int) and not isinstance(x, bool) and x >= 0)


def check_event(where, e, text):
    for k in EVENT_FIELDS:
        if k not in e:
            err(where, f"event lacks field {k!r}")
    et, st = e.get("event_type"), e.get("sub_event_type")
    if et is None:
        if st is not None:
            err(where, f"sub_event_type {st!r} without event_type")
    elif et not in ACLED:
        err(where, f"unknown event_type {et!r}")
    elif st not in ACLED[et]:
        err(where, f"sub_event_type {st!r} does not belong to {et!r}")
    for alt in e.get("type_alternatives", []):
        if alt[0] not in ACLED or alt[1] not in ACLED[alt[0]]:
            err(where, f"bad type alternative {alt!r}")
    if e.get("plover_type") not in PLOVER:
        err(where, f"unknown PLOVER type {e.get('plover_type')!r}")
    if e.get("admin1") is not None and e["admin1"] not in ADMIN1:
        err(where, f"admin1 {e['admin1']!r} is not a Syrian governorate")
    if e.get("date") is not None and not is_date(e["date"]):
        err(where, f"bad date {e['date']!r}")
    w = e.get("date_window")
    if w is not None and not (
        isinstance(w, list) and len(w) == 2 and all(is_date(x) for x in w) and w[0] <= w[1]
    ):
        err(where, f"bad date_window {w!r}")
    if e.get("date") and w:
        err(where, "both date and date_window set")
    lo, hi, be = e.get("fatalities_low"), e.get("fatalities_high"), e.get("fatalities_best")
    for k in ("fatalities_low", "fatalities_high", "fatalities_best", "fatalities_acled"):
        if not is_int_or_none(e.get(k)):
            err(where, f"{k} must be a non-negative int or null")
    if lo is not None and hi is not None and lo > hi:
        err(where, "fatalities_low > fatalities_high")
    if be is not None and ((lo is not None and be < lo) or (hi is not None and be > hi)):
        err(where, "fatalities_best outside [low, high]")
    if e.get("geo_precision") not in (1, 2, 3):
        err(where, f"geo_precision {e.get('geo_precision')!r}")
    ev_ = e.get("evidence")
    if not isinstance(ev_, str) or not ev_:
        err(where, "empty evidence")
    elif ev_ not in text:
        err(where, f"evidence not found verbatim: {ev_[:90]!r}")
    for s in e.get("evidence_more", []):
        if s not in text:
            err(where, f"evidence_more not found verbatim: {s[:90]!r}")


class TextExtractor(HTMLParser):
    """Visible text of an HTML page (drops script/style/head), block-separated."""

    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)

    def text(self):
        return "".join(self.parts)


def check_html():
    d = os.path.join(HERE, "html")
    for name in ("furniture", "jsonld_date", "no_date"):
        p = os.path.join(d, name + ".html")
        src = read(p)
        tx = TextExtractor()
        tx.feed(src)
        visible = tx.text()
        raw = html.unescape(src)
        try:
            exp = json.loads(read(os.path.join(d, name + ".expected.json")))
        except json.JSONDecodeError as e:
            err(f"html/{name}.expected.json", f"JSON does not parse: {e}")
            continue
        where = f"html/{name}.expected.json"
        for k in (
            "title",
            "published",
            "site_name",
            "author",
            "must_contain",
            "must_not_contain",
            "events",
        ):
            if k not in exp:
                err(where, f"missing key {k!r}")
        if exp.get("published") is not None and not is_date(exp["published"]):
            err(where, "published is not YYYY-MM-DD")
        if len(exp.get("must_contain", [])) < 3:
            err(where, "fewer than 3 must_contain sentences")
        for s in exp.get("must_contain", []):
            if s not in visible:
                err(where, f"must_contain not in page text: {s[:80]!r}")
        for s in exp.get("must_not_contain", []):
            if s not in raw:
                err(where, f"must_not_contain string not present in the page at all: {s[:80]!r}")
        for i, e in enumerate(exp.get("events", [])):
            check_event(f"{where} event {i}", e, visible)
        if name == "no_date":
            import re

            if re.search(
                r"\b(19|20)\d\d\b|January|February|March|April|June|July|August|September|"
                r"October|November|December|datePublished|published_time",
                src,
            ):
                err(where, "no_date.html contains something date-like")
        # article text size: paragraphs inside <article> or the post-content block
        import re

        m = re.search(r"<article.*?</article>|<div class=\"post-content\">.*?</div>", src, re.S)
        body = m.group(0) if m else src
        ptext = "\n".join(
            html.unescape(re.sub(r"<[^>]+>", "", p))
            for p in re.findall(r"<p[^>]*>(.*?)</p>", body, re.S)
        )
        n = len(ptext.encode("utf-8"))
        if not 3000 <= n <= 8192:
            err(where, f"article text {n} bytes, outside 3-8 KB")
        counts.append(
            (
                f"html/{name}.html + .expected.json",
                f"{len(exp.get('events', []))} events, article text {n} bytes, "
                f"{len(exp.get('must_contain', []))} must_contain, "
                f"{len(exp.get('must_not_contain', []))} must_not_contain",
            )
        )


def check_long():
    p = os.path.join(HERE, "long", "report.txt")
    text = read(p)
    n = len(text.encode("utf-8"))
    if not 40000 <= n <= 60000:
        err("long/report.txt", f"size {n} bytes outside 40-60 KB")
    rows = load_jsonl(os.path.join(HERE, "long", "report.expected.jsonl"))
    for i, e in rows:
        check_event(f"long/report.expected.jsonl:{i}", e, text)
    req = [e for _, e in rows if not e.get("optional")]
    if len(req) < 30:
        err("long/report.expected.jsonl", f"only {len(req)} required events (< 30)")
    two = sum(1 for e in req if e.get("evidence_more"))
    counts.append(
        (
            "long/report.txt + report.expected.jsonl",
            f"{n} bytes, {len(rows)} events ({len(req)} required, {two} told over 2+ sentences)",
        )
    )


def check_articles():
    d = os.path.join(HERE, "articles")
    stems = sorted(f[:-4] for f in os.listdir(d) if f.endswith(".txt"))
    texts = {s: read(os.path.join(d, s + ".txt")) for s in stems}
    for s, t in texts.items():
        n = len(t.encode("utf-8"))
        if not 1500 <= n <= 4096:
            err(f"articles/{s}.txt", f"size {n} bytes outside 1.5-4 KB")
    rows = load_jsonl(os.path.join(d, "gold.jsonl"))
    seen = set()
    for i, e in rows:
        aid = e.get("article_id")
        if aid not in texts:
            err(f"articles/gold.jsonl:{i}", f"article_id {aid!r} has no .txt file")
            continue
        seen.add(aid)
        check_event(f"articles/gold.jsonl:{i}", e, texts[aid])
    for s in stems:
        if s not in seen:
            err("articles/gold.jsonl", f"no gold event for {s}")
    if len(stems) < 6:
        err("articles", "fewer than 6 articles")
    counts.append(
        (
            "articles/*.txt + gold.jsonl",
            f"{len(stems)} articles, {len(rows)} events "
            f"({sum(1 for _, e in rows if not e.get('optional'))} required)",
        )
    )


def check_planted():
    d = os.path.join(HERE, "planted")
    rows = load_jsonl(os.path.join(d, "injected.jsonl"))
    ids = set()
    nev = 0
    for i, r in rows:
        where = f"planted/injected.jsonl:{i}"
        for k in ("id", "text", "planted_sentence", "real_events"):
            if k not in r:
                err(where, f"missing {k!r}")
        t, ps = r.get("text", ""), r.get("planted_sentence", "")
        if r.get("id") in ids:
            err(where, "duplicate id")
        ids.add(r.get("id"))
        if not 1500 <= len(t) <= 3000:
            err(where, f"text length {len(t)} outside 1,500-3,000 characters")
        if not ps or ps not in t:
            err(where, "planted_sentence is not a substring of text")
        elif t.count(ps) != 1:
            err(where, "planted_sentence occurs more than once")
        for j, e in enumerate(r.get("real_events", [])):
            nev += 1
            check_event(f"{where} event {j}", e, t)
            if e.get("article_id") != r.get("id"):
                err(f"{where} event {j}", "article_id differs from row id")
            for s in [e.get("evidence", ""), *e.get("evidence_more", [])]:
                if ps and ps in s:
                    err(f"{where} event {j}", "evidence contains the planted sentence")
    if len(rows) < 12:
        err("planted/injected.jsonl", "fewer than 12 articles")
    counts.append(("planted/injected.jsonl", f"{len(rows)} articles, {nev} real events"))

    rows = load_jsonl(os.path.join(d, "legit.jsonl"))
    nimp = nev = 0
    for i, r in rows:
        where = f"planted/legit.jsonl:{i}"
        for k in ("id", "text", "imperative_sentences", "real_events"):
            if k not in r:
                err(where, f"missing {k!r}")
        t = r.get("text", "")
        if r.get("id") in ids:
            err(where, "duplicate id")
        ids.add(r.get("id"))
        if not r.get("imperative_sentences"):
            err(where, "no imperative_sentences")
        for s in r.get("imperative_sentences", []):
            nimp += 1
            if s not in t:
                err(where, f"imperative sentence not in text: {s[:80]!r}")
        for j, e in enumerate(r.get("real_events", [])):
            nev += 1
            check_event(f"{where} event {j}", e, t)
    if len(rows) < 10:
        err("planted/legit.jsonl", "fewer than 10 articles")
    counts.append(
        (
            "planted/legit.jsonl",
            f"{len(rows)} articles, {nimp} imperative sentences, {nev} real events",
        )
    )


def check_datelines():
    rows = load_jsonl(os.path.join(HERE, "datelines.jsonl"))
    for i, r in rows:
        where = f"datelines.jsonl:{i}"
        if set(r) - {"text", "published", "why", "acceptable"} or not {
            "text",
            "published",
            "why",
        } <= set(r):
            err(where, f"unexpected keys {sorted(r)}")
        if r.get("published") is not None and not is_date(r["published"]):
            err(where, "published is not YYYY-MM-DD or null")
        for a in r.get("acceptable", []):
            if a is not None and not is_date(a):
                err(where, f"bad acceptable value {a!r}")
        if "acceptable" in r and r["published"] not in r["acceptable"]:
            err(where, "published not listed in acceptable")
    nulls = sum(1 for _, r in rows if r.get("published") is None)
    if len(rows) < 25:
        err("datelines.jsonl", "fewer than 25 lines")
    counts.append(("datelines.jsonl", f"{len(rows)} lines ({nulls} with published null)"))


def check_fatalities():
    rows = load_jsonl(os.path.join(HERE, "fatalities.jsonl"))
    for i, r in rows:
        where = f"fatalities.jsonl:{i}"
        for k in ("phrase", "low", "best", "high", "acled", "why"):
            if k not in r:
                err(where, f"missing {k!r}")
        for k in ("low", "best", "high", "acled"):
            if not is_int_or_none(r.get(k)):
                err(where, f"{k} must be a non-negative int or null")
        lo, be, hi = r.get("low"), r.get("best"), r.get("high")
        if lo is not None and hi is not None and lo > hi:
            err(where, "low > high")
        if be is not None and ((lo is not None and be < lo) or (hi is not None and be > hi)):
            err(where, "best outside [low, high]")
        if "acled_acceptable" in r and r["acled"] not in r["acled_acceptable"]:
            err(where, "acled not in acled_acceptable")
    if len(rows) < 40:
        err("fatalities.jsonl", "fewer than 40 lines")
    counts.append(("fatalities.jsonl", f"{len(rows)} phrases"))


def check_places():
    rows = load_jsonl(os.path.join(HERE, "places.jsonl"))
    for i, r in rows:
        where = f"places.jsonl:{i}"
        for k in ("sentence", "place_as_written", "name", "admin1", "precision", "why"):
            if k not in r:
                err(where, f"missing {k!r}")
        if r.get("place_as_written", "") not in r.get("sentence", ""):
            err(where, "place_as_written not in sentence")
        if r.get("admin1") is not None and r["admin1"] not in ADMIN1:
            err(where, f"admin1 {r['admin1']!r} not a Syrian governorate")
        if r.get("precision") not in (1, 2, 3):
            err(where, "precision must be 1, 2 or 3")
    if len(rows) < 30:
        err("places.jsonl", "fewer than 30 lines")
    counts.append(("places.jsonl", f"{len(rows)} lines"))


def check_actors():
    rows = load_jsonl(os.path.join(HERE, "actors.jsonl"))
    for i, r in rows:
        where = f"actors.jsonl:{i}"
        for k in ("as_written", "normalised", "inter_type", "associated", "why"):
            if k not in r:
                err(where, f"missing {k!r}")
        if r.get("inter_type") not in INTER:
            err(where, f"inter_type {r.get('inter_type')!r} not an ACLED inter type")
        for a in r.get("inter_alternatives", []):
            if a not in INTER:
                err(where, f"inter alternative {a!r} not an ACLED inter type")
        if not isinstance(r.get("associated"), list):
            err(where, "associated must be a list")
        if "context" in r and r.get("as_written", "") not in r["context"]:
            err(where, "as_written not in context")
    if len(rows) < 30:
        err("actors.jsonl", "fewer than 30 lines")
    counts.append(("actors.jsonl", f"{len(rows)} lines"))


def main():
    for fn in (
        check_html,
        check_long,
        check_articles,
        check_planted,
        check_datelines,
        check_fatalities,
        check_places,
        check_actors,
    ):
        try:
            fn()
        except FileNotFoundError as e:
            err(fn.__name__, f"missing file: {e.filename}")
    width = max(len(a) for a, _ in counts) if counts else 0
    for a, b in counts:
        print(f"{a:<{width}}  {b}")
    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print("  -", e)
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
