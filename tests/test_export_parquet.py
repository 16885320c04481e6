"""``summarizer export RUN --format parquet``: a directory of two typed tables (articles,
events) that read back with pyarrow row for row as the JSONL export and the CSV's columns."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.export import CSV_COLUMNS

pq = pytest.importorskip("pyarrow.parquet")

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference"


@pytest.fixture
def results(tmp_path) -> Path:
    """A results file of recorded records: the reference answers the seed articles got."""
    from summarizer.ingest import read_article_file
    from summarizer.pipeline.assemble import build_summary
    from summarizer.types.extraction import ExtractedSummary
    from summarizer.types.records import Usage
    from tests.conftest import SEEDS

    path = tmp_path / "results.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for seed in SEEDS[:6]:
            article = read_article_file(seed)
            extraction = ExtractedSummary.model_validate_json(
                (REFERENCE / f"{seed.stem}.json").read_text(encoding="utf-8")
            )
            summary = build_summary(
                article,
                extraction,
                model="reference",
                endpoint="test",
                prompt_version="v-test",
                usage=Usage(prompt_tokens=100, completion_tokens=50, attempts=1),
            )
            handle.write(summary.model_dump_json() + "\n")
    return path


def export(*args: str):
    return CliRunner().invoke(app, ["export", *args], catch_exceptions=False)


def test_parquet_tables_match_the_jsonl_and_csv_exports(results, tmp_path):
    out = tmp_path / "tables"
    ran = export(str(results), "--format", "parquet", "-o", str(out))
    assert ran.exit_code == 0, ran.output
    assert sorted(p.name for p in out.iterdir()) == ["articles.parquet", "events.parquet"]
    export(str(results), "--format", "jsonl", "-o", str(tmp_path / "all.jsonl"))
    export(str(results), "--format", "csv", "-o", str(tmp_path / "events.csv"))
    records = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]

    articles = pq.read_table(out / "articles.parquet")
    assert articles.num_rows == len(records) >= 5
    rows = articles.to_pylist()
    assert [r["article_id"] for r in rows] == [r["article_id"] for r in records]
    for row, record in zip(rows, records, strict=True):
        assert row["headline"] == record["headline"]
        assert row["summary"] == record["summary"]
        assert row["key_points"] == record["key_points"]
        assert row["events"] == len(record["events"])
        assert row["prompt_tokens"] == record["provenance"]["usage"]["prompt_tokens"]
        published = record["published"]
        assert row["published"] == (dt.date.fromisoformat(published) if published else None)

    events = pq.read_table(out / "events.parquet")
    with (tmp_path / "events.csv").open(encoding="utf-8") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert events.num_rows == len(csv_rows) == sum(len(r["events"]) for r in records) > 0
    assert events.column_names == [*CSV_COLUMNS, "suspect_source"]
    # Typed, not text: dates, integers, doubles, booleans.
    types = {f.name: str(f.type) for f in events.schema}
    assert types["event_date"] == "date32[day]" and types["fatalities"] == "int32"
    assert types["latitude"] == "double" and types["grounded"] == "bool"
    for row, line in zip(events.to_pylist(), csv_rows, strict=True):
        assert row["event_id_cnty"] == line["event_id_cnty"]
        assert str(row["fatalities"]) == line["fatalities"]
        assert (row["event_date"].isoformat() if row["event_date"] else "") == line["event_date"]
        assert ("" if row["latitude"] is None else str(row["latitude"])) == line["latitude"]
        assert row["grounded"] == (line["grounded"] == "true")


def test_pandas_and_dask_read_the_tables_as_they_are(results, tmp_path):
    pd = pytest.importorskip("pandas")
    out = tmp_path / "tables"
    export(str(results), "--format", "parquet", "-o", str(out))
    events = pd.read_parquet(out / "events.parquet")
    articles = pd.read_parquet(out / "articles.parquet")
    assert len(articles) >= 5 and len(events) == articles["events"].sum()
    assert events["fatalities"].dtype == "int32" and events["grounded"].dtype == bool
    dd = pytest.importorskip("dask.dataframe")
    # synchronous: the threaded scheduler would leave its pool of threads in this process
    both = dd.read_parquet(str(out / "events.parquet")).compute(scheduler="synchronous")
    assert list(both["event_id_cnty"]) == list(events["event_id_cnty"])


def test_parquet_needs_a_directory_not_standard_output(results, tmp_path):
    refused = CliRunner().invoke(app, ["export", str(results), "-f", "parquet", "-o", "-"])
    assert refused.exit_code == 2 and "writes a directory" in refused.output


def test_an_empty_run_still_has_typed_tables(tmp_path):
    from summarizer.export.parquet import write_parquet

    assert write_parquet([], tmp_path / "t") == (0, 0)
    events = pq.read_table(tmp_path / "t" / "events.parquet")
    assert events.num_rows == 0 and str(events.schema.field("year").type) == "int32"


def test_without_pyarrow_the_error_says_what_to_install(monkeypatch, tmp_path):
    import builtins

    from summarizer.export.parquet import ParquetUnavailable, write_parquet

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(ParquetUnavailable, match=r"pip install 'summarizer\[parquet\]'"):
        write_parquet([], tmp_path / "t")


def test_a_ledger_run_streams_into_the_tables_with_its_costs(results, tmp_path):
    """From the ledger, the run is read as it is written (``stream_run``), each article's
    estimated cost beside it."""
    from summarizer.config import Settings
    from summarizer.store.ledger import ItemRow, Ledger
    from summarizer.store.runs import stream_run

    lines = results.read_text(encoding="utf-8").splitlines()
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        run_id = ledger.start_run(
            settings=Settings(base_url="http://127.0.0.1:9/v1", model="m"),
            config={"model": "m", "prompt_version": "v-test"},
            endpoint="test",
        )
        for n, line in enumerate(lines):
            article_id = json.loads(line)["article_id"]
            row = ItemRow(seq=n, article_id=article_id, status="ok", result=line)
            row.cost_usd = 0.001 * (n + 1)
            ledger.record(run_id, row)
        ledger.record(run_id, ItemRow(seq=len(lines), article_id="gone", status="failed"))
    run = stream_run(run_id, ledger_path=tmp_path / "ledger.sqlite3")
    assert not isinstance(run.summaries, list)  # read as written, not loaded first
    out = tmp_path / "tables"
    ran = CliRunner().invoke(
        app,
        ["export", run_id[:8], "-f", "parquet", "-o", str(out), "--ledger", str(ledger.path)],
        catch_exceptions=False,
    )
    assert ran.exit_code == 0, ran.output
    articles = pq.read_table(out / "articles.parquet").to_pylist()
    assert len(articles) == len(lines)  # the failed one is not an article row
    assert [a["cost_usd"] for a in articles] == pytest.approx(
        [0.001 * (n + 1) for n in range(len(lines))]
    )
