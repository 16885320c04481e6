"""JSONL export: the results records, readable again by every command that reads results."""

from __future__ import annotations

from summarizer.export import export_run, load_run
from summarizer.store.results_file import read_results
from tests.recorded_runs import reference_summaries, write_results


def test_jsonl_export_round_trips_the_results(tmp_path):
    summaries = reference_summaries()
    source = write_results(summaries, tmp_path / "run.jsonl")
    (tmp_path / "run.failures.jsonl").write_text(
        '{"article_id": "bad", "source_path": "bad.txt", "stage": "ingest", '
        '"reason": "empty file"}\n'
    )
    run = load_run(source)
    assert run.summaries == summaries and [f.article_id for f in run.failures] == ["bad"]
    out = tmp_path / "sub" / "export.jsonl"
    assert export_run(run, "jsonl", out) == 5
    assert list(read_results(out)) == summaries
