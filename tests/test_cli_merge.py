import json

from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.types.records import ArticleSummary
from tests.recorded_runs import reference_summaries, write_results

runner = CliRunner()


def _copy(summary: ArticleSummary, article_id: str) -> ArticleSummary:
    events = [
        e.model_copy(update={"id": e.id.replace(summary.article_id, article_id)})
        for e in summary.events
    ]
    return summary.model_copy(update={"article_id": article_id, "events": events})


def test_merge_joins_the_same_event_from_two_articles_only(tmp_path):
    seed = next(s for s in reference_summaries() if s.published is not None)
    results = write_results([seed, _copy(seed, "second-report")], tmp_path / "r.jsonl")
    out = tmp_path / "merged.jsonl"
    result = runner.invoke(app, ["merge", str(results), "--out", str(out)])
    assert result.exit_code == 0, result.output
    merged = [json.loads(x) for x in out.read_text().splitlines()]
    members = sum(len(m["article_ids"]) for m in merged)
    assert members == 2 * len(seed.events)  # every event appears exactly once
    for m in merged:
        assert len(set(m["article_ids"])) == len(m["article_ids"])  # never two of one article
    assert any(
        sorted(m["article_ids"]) == sorted([seed.article_id, "second-report"]) for m in merged
    )


def test_merge_names_a_bad_file(tmp_path):
    bad = tmp_path / "r.jsonl"
    bad.write_text("{}\n")
    result = runner.invoke(app, ["merge", str(bad)])
    assert result.exit_code == 2 and f"{bad}:1" in " ".join(result.stderr.split())


def test_merge_reads_a_run_from_the_ledger(tmp_path):
    from summarizer.config import Settings
    from summarizer.store.keys import decoding_config
    from summarizer.store.ledger import ItemRow, Ledger

    seed = next(s for s in reference_summaries() if s.published is not None)
    db = tmp_path / "ledger.sqlite3"
    settings = Settings(base_url="http://127.0.0.1:9/v1", model="fixture")
    with Ledger(db) as ledger:
        config = decoding_config(settings, "fixture", "tools", "reference")
        run_id = ledger.start_run(settings=settings, config=config, endpoint="e")
        for seq, summary in enumerate([seed, _copy(seed, "second-report")]):
            ledger.record(
                run_id,
                ItemRow(
                    seq=seq,
                    article_id=summary.article_id,
                    status="ok",
                    result=summary.model_dump_json(),
                ),
            )
    result = runner.invoke(app, ["merge", "last", "--ledger", str(db)])
    assert result.exit_code == 0, result.output
    merged = [json.loads(x) for x in result.stdout.splitlines()]
    assert any(
        sorted(m["article_ids"]) == sorted([seed.article_id, "second-report"]) for m in merged
    )
    unknown = runner.invoke(app, ["merge", "zzz", "--ledger", str(db)])
    assert unknown.exit_code == 2 and "no run 'zzz'" in unknown.stderr
