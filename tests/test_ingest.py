import datetime as dt
import json

import pytest

from summarizer.ingest import (
    IngestError,
    article_from_text,
    iter_articles,
    parse_dateline,
    read_article_file,
)
from tests.conftest import ROOT, SEEDS

EXPECTED = {
    "000_7f59d95cd243b889": (
        "Syria regime suffers losses trying to recapture Alawite village",
        dt.date(2016, 5, 21),
        None,
    ),
    "001_99316f61b9136f9d": (
        "Syria regime launches ground offensive under 'intense' Russian air strikes for first time",
        None,
        None,
    ),
    "002_4a63372d829b355a": ("Syrian regime gains ground on opposition", None, "TRTWorld"),
    "003_6b1604286af0b08a": (
        "Clashes and regime air strikes leave kill 36 people in Syria",
        None,
        None,
    ),
    "004_b7d2140178b5259b": (
        "3 dead as Syria regime launches assault on Homs, Hama",
        dt.date(2018, 4, 16),
        None,
    ),
}


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_seed_metadata(path):
    article = read_article_file(path)
    headline, published, outlet = EXPECTED[path.stem]
    assert article.id == path.stem
    assert article.headline == headline
    assert article.published == published
    assert article.outlet == outlet
    assert article.text == path.read_text(encoding="utf-8")
    assert len(article.sha256) == 64


def test_photo_caption_date_is_not_a_publication_date(seed_articles):
    # Seed 002 mentions "October 6, 2015" inside a caption sentence: not a dateline.
    article = seed_articles["002_4a63372d829b355a"]
    assert "October 6, 2015" in article.text
    assert article.published is None


def test_furniture_is_not_sent_to_the_model(seed_articles):
    text_000 = seed_articles["000_7f59d95cd243b889"].model_text
    assert "Click to enlarge." not in text_000 and "Click here to enlarge." not in text_000
    assert "Syrian forces clashed with armed rebels" in text_000
    text_001 = seed_articles["001_99316f61b9136f9d"].model_text
    assert "Popular posts from this blog" not in text_001
    assert "El-Rufai" not in text_001  # the teaser list after the trailer goes too
    assert text_001.rstrip().endswith("later today.")
    text_004 = seed_articles["004_b7d2140178b5259b"].model_text
    assert "Read: Russia" not in text_004 and not text_004.startswith("clear")


@pytest.mark.parametrize(
    "line, expected",
    [
        ("21 May, 2016", dt.date(2016, 5, 21)),
        ("April 16, 2018 at 2:18 pm", dt.date(2018, 4, 16)),
        ("October 6 2015", dt.date(2015, 10, 6)),
        ("16 April 2018 14:05 GMT", dt.date(2018, 4, 16)),
        ("February 30, 2018", None),
        ("shows smoke on October 6, 2015", None),
    ],
)
def test_dateline(line, expected):
    assert parse_dateline(line) == expected


def test_date_below_the_top_is_not_a_dateline():
    body = "\n".join(["Headline"] + [f"Paragraph {i}." for i in range(20)] + ["21 May, 2016"])
    assert article_from_text(body, "x").published is None


def _errors(paths):
    return [a for a in iter_articles(paths) if isinstance(a, IngestError)]


def test_bad_files_get_one_line_errors_and_the_rest_go_on(tmp_path):
    (tmp_path / "good.txt").write_text("Headline\n\nSome text about a clash.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 bombed".encode("latin-1"))
    missing = tmp_path / "missing.txt"
    results = list(iter_articles([tmp_path, missing]))
    good = [a for a in results if not isinstance(a, IngestError)]
    errors = {IngestError.__str__(e) for e in results if isinstance(e, IngestError)}
    assert [a.id for a in good] == ["good"]
    assert errors == {
        f"{tmp_path / 'binary.txt'}: binary file (contains NUL bytes), expected UTF-8 text",
        f"{tmp_path / 'empty.txt'}: empty file",
        f"{tmp_path / 'latin1.txt'}: not UTF-8 text (bad byte at offset 3)",
        f"{missing}: no such file",
    }
    assert all("\n" not in e for e in errors)


def test_globs_and_empty_directories(tmp_path):
    assert [a.id for a in iter_articles([str(ROOT / "seeds" / "00[34]*.txt")])] == [
        "003_6b1604286af0b08a",
        "004_b7d2140178b5259b",
    ]
    assert [str(e) for e in _errors([str(tmp_path / "*.txt")])] == [
        f"{tmp_path / '*.txt'}: pattern matches no files"
    ]
    assert [str(e) for e in _errors([tmp_path])] == [
        f"{tmp_path}: directory holds no .txt, .jsonl, .html, .htm or .pdf files"
    ]


def test_jsonl_input_streams_and_reports_bad_lines(tmp_path):
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "a1", "title": "T", "text": "Body one.", "published": "2019-05-11"}),
        "{not json",
        json.dumps({"id": "a3"}),
        json.dumps({"id": "a4", "text": "Body four."}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(iter_articles([path]))
    assert [getattr(i, "id", None) for i in items] == ["a1", None, None, "a4"]
    assert items[0].headline == "T" and items[0].published == dt.date(2019, 5, 11)
    assert str(items[1]).startswith(f"{path}:2: invalid JSON")
    assert str(items[2]) == f"{path}:3: JSON object has no 'text' (or 'html') field"


def _from_stdin(data: bytes, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    return list(iter_articles(["-"]))


def test_stdin_is_one_article_or_jsonl_records(monkeypatch):
    text = (SEEDS[0]).read_bytes()
    [article] = _from_stdin(b"\n\n" + text, monkeypatch)
    assert article.headline == EXPECTED[SEEDS[0].stem][0]
    assert article.source_path == "<stdin>" and article.id.startswith("stdin-")
    assert article.text == "\n\n" + text.decode("utf-8")  # kept whole: offsets index it

    lines = [
        "\ufeff" + json.dumps({"id": "a1", "title": "T", "text": "Body one."}),  # a BOM first
        "{not json",
        json.dumps({"id": "a4", "text": "Body four."}),
    ]
    data = b"\n  \n" + "\n".join(lines).encode("utf-8") + b"\n\xff\xfe\n"
    records = _from_stdin(data, monkeypatch)
    assert [getattr(i, "id", None) for i in records] == ["a1", None, "a4", None]
    assert records[0].source_path == "<stdin>:3" and records[0].headline == "T"
    assert str(records[1]).startswith("<stdin>:4: invalid JSON")
    assert str(records[3]) == "<stdin>:6: not UTF-8 text (bad byte at offset 0)"

    assert [str(e) for e in _from_stdin(b"  \n\n", monkeypatch)] == ["<stdin>: empty input"]
    assert [str(e) for e in _from_stdin(b"Caf\xe9", monkeypatch)] == [
        "<stdin>: not UTF-8 text (bad byte at offset 3)"
    ]


def test_a_bad_line_in_a_jsonl_file_does_not_end_the_file(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b'{"id": "a1", "text": "Caf\xe9"}\n{"id": "a2", "text": "Body two."}\n')
    items = list(iter_articles([path]))
    assert str(items[0]) == f"{path}:1: not UTF-8 text (bad byte at offset 25)"
    assert items[1].id == "a2"


def test_jsonl_fields_of_the_wrong_type_are_one_failure_each(tmp_path):
    path = tmp_path / "f.jsonl"
    good = json.dumps({"id": "ok", "text": "Body."})
    bad = [
        ('{"text": 123}', "'text' must be a string, not a number"),
        ('{"text": null}', "'text' must be a string, not null"),
        ('{"text": " \\n"}', "'text' is empty"),
        ('{"title": 5, "text": "x"}', "'title' must be a string, not a number"),
        ('{"headline": {}, "text": "x"}', "'headline' must be a string, not an object"),
        ('{"outlet": ["a"], "text": "x"}', "'outlet' must be a string, not an array"),
        ('{"url": false, "text": "x"}', "'url' must be a string, not a boolean"),
        (
            '{"id": 1.5, "text": "x"}',
            "'id' must be a string or an integer, not a fractional number",
        ),
        ('{"id": true, "text": "x"}', "'id' must be a string or an integer, not a boolean"),
        ('{"id": ["a"], "text": "x"}', "'id' must be a string or an integer, not an array"),
        ('["text", "x"]', "not a JSON object (an array)"),
        ('"x"', "not a JSON object (a string)"),
        ("7", "not a JSON object (a number)"),
        ("null", "not a JSON object (null)"),
        (
            '{"published": "May 2019", "text": "x"}',
            "'published' must be a YYYY-MM-DD date, not 'May 2019'",
        ),
        (
            '{"published": "2019-02-30", "text": "x"}',
            "'published' must be a YYYY-MM-DD date, not '2019-02-30'",
        ),
        (
            '{"published": "20190511", "text": "x"}',
            "'published' must be a YYYY-MM-DD date, not '20190511'",
        ),
        ('{"published": 2019, "text": "x"}', "'published' must be a YYYY-MM-DD date, not a number"),
        ("[" * 100_000, "invalid JSON (nested too deeply)"),
    ]
    # a good line around every bad one: each bad line is its own failure and nothing more
    lines = [good]
    for line, _ in bad:
        lines += [line, good]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(iter_articles([path]))
    assert len(items) == len(lines)
    assert [i.text for i in items[0::2]] == ["Body."] * (len(bad) + 1)  # every good line
    assert [str(e) for e in items[1::2]] == [
        f"{path}:{2 * n}: {reason}" for n, (_, reason) in enumerate(bad, 1)
    ]
    assert all(isinstance(e, IngestError) and "\n" not in str(e) for e in items[1::2])


def test_jsonl_fields_that_may_be_null_absent_or_a_longer_date(tmp_path):
    path = tmp_path / "f.jsonl"
    records = [
        {"id": None, "title": None, "outlet": None, "url": None, "published": None, "text": "A"},
        {
            "id": 7,
            "headline": "H",
            "outlet": "O",
            "url": "u",
            "published": "2019-05-11T08:00Z",
            "text": "B",
        },
        {"published": "", "text": "C"},  # an empty date has always meant none
    ]
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    first, second, third = iter_articles([path])
    assert (first.id, first.headline, first.outlet, first.published) == ("f-1", "A", None, None)
    assert (second.id, second.headline, second.outlet, second.url) == ("7", "H", "O", "u")
    assert second.published == dt.date(2019, 5, 11)
    assert (third.id, third.published) == ("f-3", None)


def test_a_long_bad_date_is_cut_short_in_the_message(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text(json.dumps({"published": "x" * 500, "text": "x"}), encoding="utf-8")
    [error] = iter_articles([path])
    assert str(error) == f"{path}:1: 'published' must be a YYYY-MM-DD date, not '{'x' * 40}...'"


def test_stdin_jsonl_records_are_checked_too(monkeypatch):
    data = b'{"id": "a1", "text": "One."}\n{"text": 5}\n{"id": "a3", "text": "Three."}\n'
    items = _from_stdin(data, monkeypatch)
    assert [getattr(i, "id", None) for i in items] == ["a1", None, "a3"]
    assert str(items[1]) == "<stdin>:2: 'text' must be a string, not a number"


def test_overlapping_inputs_are_read_once_in_first_seen_order(tmp_path, monkeypatch):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.txt").write_text("Headline A\n\nBody.", encoding="utf-8")
    (tree / "c3.jsonl").write_text(
        json.dumps({"id": "c1", "text": "One."}) + "\n" + json.dumps({"id": "c2", "text": "Two."}),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    inputs = ["tree/c3.jsonl", "tree", str(tree / "c3.jsonl"), "tree/../tree/a.txt", "tree/*.txt"]
    assert [a.id for a in iter_articles(inputs)] == ["c1", "c2", "a"]
    assert [str(e) for e in _errors(["missing.txt", "./missing.txt"])] == [
        "missing.txt: no such file"
    ]


def test_standard_input_is_read_once(monkeypatch):
    import io
    import sys

    data = b'{"id": "a1", "text": "One."}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    items = list(iter_articles(["-", "-"]))
    assert [str(i) if isinstance(i, IngestError) else i.id for i in items] == ["a1"]


def test_a_file_named_dash_is_a_file_not_standard_input(tmp_path, monkeypatch):
    import io
    import sys

    (tmp_path / "-").write_text("File headline\n\nBody.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Stdin headline\n"), "utf-8"))
    items = list(iter_articles(["./-", "-", "[-]"]))
    assert [a.headline for a in items] == ["File headline", "Stdin headline"]


def test_ids_are_unique_within_a_read(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "report.txt").write_text("One\n\nA clash in Hama.", encoding="utf-8")
    (tmp_path / "b" / "report.txt").write_text("Two\n\nA clash in Homs.", encoding="utf-8")
    batch = tmp_path / "batch.jsonl"
    lines = [
        {"id": "dup", "text": "x"},
        {"id": "dup", "text": "y"},
        {"id": "dup~2", "text": "z"},
        {"id": "dup", "text": "w"},
    ]
    batch.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    items = list(iter_articles([tmp_path / "a", tmp_path / "b", batch]))
    assert [a.id for a in items] == ["report", "report~2", "dup", "dup~2", "dup~2~2", "dup~3"]
    assert [a.text for a in items[2:]] == ["x", "y", "z", "w"]  # in order, none dropped
    assert items[1].source_path == str(tmp_path / "b" / "report.txt")


def test_a_registered_reader_is_used_everywhere_inputs_are_handled(tmp_path, monkeypatch):
    """One registration teaches every part the new format: directories, counting, reading and
    reopening for exports."""
    from summarizer.ingest import count_articles, expand_inputs, registry, reopen, suffixes
    from summarizer.ingest.registry import Reader

    def read(path):
        for n, part in enumerate(path.read_text().split("\n---\n"), 1):
            yield article_from_text(part, f"{path.stem}-{n}", source_path=f"{path}:{n}")

    def reopen_md(path, locator):
        return path.read_text().split("\n---\n")[int(locator) - 1]

    md = Reader("markdown", (".md",), read=read, reopen=reopen_md, count=lambda p: 2)
    monkeypatch.setitem(registry._READERS, ".md", md)
    (tmp_path / "a.md").write_text("First headline\nBody one.\n---\nSecond headline\nBody two.")
    (tmp_path / "b.txt").write_text("Third\nBody three.")
    (tmp_path / "skip.csv").write_text("x")
    assert ".md" in suffixes()
    assert [p.name for p in expand_inputs([tmp_path])] == ["a.md", "b.txt"]
    assert count_articles([tmp_path]) == 3
    articles = list(iter_articles([tmp_path]))
    assert [a.id for a in articles] == ["a-1", "a-2", "b"]
    second = articles[1]
    assert reopen(second.source_path, second.sha256).text == second.text


def test_reopen_says_why_a_source_cannot_be_read_again(tmp_path):
    from summarizer.ingest import reopen

    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "x", "text": "A line."}\n\n{"id": "y", "text": "B line."}\n')
    articles = list(iter_articles([path]))
    assert [reopen(a.source_path, a.sha256).text for a in articles] == ["A line.", "B line."]
    assert reopen(f"{path}:9", "0" * 64).problem.endswith("(it has no line 9)")
    assert "changed since the run" in reopen(articles[0].source_path, "0" * 64).problem
    assert "standard input" in reopen("<stdin>:3", "0" * 64).problem
    assert "was not found" in reopen(str(tmp_path / "gone.txt"), "0" * 64).problem
