"""`summarizer export` and `summarizer eval` on a typer app of their own (cli.py registers the
same functions), driven on the CLI's recorded seed run."""

from __future__ import annotations

import csv
import json

import pytest
import typer
from typer.testing import CliRunner

from summarizer.cli.reports import eval_command, export
from summarizer.store.results_file import read_results
from tests.recorded_runs import GOLD, replay_cli_run

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command()(export)
app.command(name="eval")(eval_command)
runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"}, catch_exceptions=False)


@pytest.fixture(scope="module")
def recorded_run(tmp_path_factory):
    """The CLI's recorded seed run, replayed through the whole stack into a results file."""
    out = replay_cli_run(tmp_path_factory.mktemp("run") / "results.jsonl")
    assert len(list(read_results(out))) == 5
    return out


def test_export_writes_the_three_formats(recorded_run, tmp_path):
    result = cli(
        "export", str(recorded_run), "--format", "jsonl", "--out", str(tmp_path / "r.jsonl")
    )
    assert result.exit_code == 0, result.output
    assert "5 articles" in result.stdout
    assert list(read_results(tmp_path / "r.jsonl")) == list(read_results(recorded_run))

    result = cli("export", str(recorded_run), "-f", "csv", "-o", str(tmp_path / "e.csv"))
    assert result.exit_code == 0 and "38 event rows" in result.stdout
    with (tmp_path / "e.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 38 and rows[0]["event_id_cnty"].endswith("#1")

    result = cli(
        "export",
        str(recorded_run),
        "-f",
        "html",
        "-o",
        str(tmp_path / "r.html"),
        "--title",
        "Seeds",
        "--price-prompt",
        "0.15",
        "--price-completion",
        "0.6",
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text()
    assert "<title>Seeds</title>" in page and page.count('<section class="article"') == 5
    assert page.count("sha256 verified") == 5 and "<mark" in page
    assert "per million prompt / completion tokens" in page


def test_export_usage_errors_exit_2(recorded_run, tmp_path):
    bad = cli("export", str(recorded_run), "-f", "xml", "-o", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "--format must be one of jsonl, csv, html" in bad.stderr
    half = cli(
        "export", str(recorded_run), "-f", "html", "-o", str(tmp_path / "x"), "--price-prompt", "1"
    )
    assert half.exit_code == 2 and "both --price-prompt and --price-completion" in half.stderr
    missing = cli("export", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "x"))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    notarun = cli(
        "export",
        "no-such-run",
        "-o",
        str(tmp_path / "x"),
        "--ledger",
        str(tmp_path / "none.sqlite3"),
    )
    assert notarun.exit_code == 2 and "no such results file" in " ".join(notarun.stderr.split())
    assert not (tmp_path / "none.sqlite3").exists()  # looking never creates a ledger


def test_eval_prints_the_table_and_writes_json(recorded_run, tmp_path):
    report = tmp_path / "eval.json"
    result = cli("eval", "--gold", str(GOLD), str(recorded_run), "--json", str(report))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Evaluation: 5 articles, 38 predicted events, 45 gold (30 required + 15 optional)" in out
    for word in (
        "strict",
        "lenient",
        "precision",
        "recall",
        "F1",
        "sub_event_type",
        "actor1",
        "actor2",
        "admin1",
        "date",
        "fatalities (exact)",
        "fatalities MAE / bias",
        "evidence quotes grounded",
        "Per article",
    ):
        assert word in out, word
    data = json.loads(report.read_text())
    assert data["strict"]["predicted"] == 38 and data["gold_required"] == 30
    assert set(data["fields"]) == {
        "sub_event_type",
        "actor1",
        "actor2",
        "admin1",
        "date",
        "fatalities",
    }

    only_json = cli("eval", "--gold", str(GOLD), str(recorded_run), "--json", "-")
    assert only_json.exit_code == 0 and json.loads(only_json.stdout) == data


def test_eval_usage_errors_exit_2(recorded_run, tmp_path):
    missing = cli("eval", "--gold", str(tmp_path / "none.jsonl"), str(recorded_run))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"article_id": "a", "actor1": "x", "sub_event_type": "Picnic"}\n')
    invalid = cli("eval", "--gold", str(bad), str(recorded_run))
    assert invalid.exit_code == 2 and "bad.jsonl:1: not a gold event" in " ".join(
        invalid.stderr.split()
    )
    assert cli("eval", str(recorded_run)).exit_code == 2  # --gold is required
    other = tmp_path / "other.jsonl"  # valid gold events, of other articles
    other.write_text(
        "".join(
            json.dumps({**json.loads(line), "article_id": "other-article"}) + "\n"
            for line in GOLD.read_text().splitlines()
            if line.strip()
        )
    )
    unrelated = cli("eval", "--gold", str(other), str(recorded_run))
    assert unrelated.exit_code == 2
    assert "none of the 5 article ids in" in " ".join(unrelated.stderr.split())


def test_help():
    for command in ("export", "eval"):
        result = cli(command, "--help")
        assert result.exit_code == 0 and "Usage" in result.stdout


def test_a_run_in_the_ledger_exports_and_evaluates_by_id(tmp_path):
    ledger_mod = pytest.importorskip("summarizer.store.ledger")
    from summarizer.config import Settings
    from summarizer.export import load_run
    from summarizer.store.keys import decoding_config
    from tests.recorded_runs import reference_summaries

    summaries = reference_summaries()
    db = tmp_path / "ledger.sqlite3"
    settings = Settings(base_url="http://127.0.0.1:9/v1", model="fixture")
    with ledger_mod.Ledger(db) as ledger:
        config = decoding_config(settings, "fixture", "tools", "reference")
        run_id = ledger.start_run(
            settings=settings, config=config, endpoint="http://127.0.0.1:9/v1"
        )
        for seq, summary in enumerate(summaries):
            ledger.record(
                run_id,
                ledger_mod.ItemRow(
                    seq=seq,
                    article_id=summary.article_id,
                    status="ok",
                    source=summary.source_path,
                    sha256=summary.sha256,
                    result=summary.model_dump_json(),
                    cost_usd=0.001,
                ),
            )
        ledger.record(
            run_id,
            ledger_mod.ItemRow(
                seq=5, article_id="bad", status="failed", stage="llm", reason="HTTP 500"
            ),
        )

    run = load_run(run_id[:12], ledger_path=db)
    assert run.summaries == summaries and [f.reason for f in run.failures] == ["HTTP 500"]
    assert run_id in run.source and run.costs[summaries[0].article_id] == 0.001

    page = tmp_path / "r.html"
    result = cli("export", "last", "-f", "html", "-o", str(page), "--ledger", str(db))
    assert result.exit_code == 0, result.output
    text = " ".join(page.read_text().split())
    assert "5 ok, 1 failed" in text and "$0.0050 (estimated)" in text
    result = cli("eval", "--gold", str(GOLD), run_id, "--ledger", str(db), "--json", "-")
    assert result.exit_code == 0 and json.loads(result.stdout)["predicted_events"] == 38
    unknown = cli("eval", "--gold", str(GOLD), "zzz", "--ledger", str(db))
    assert unknown.exit_code == 2 and "no run 'zzz'" in unknown.stderr


def test_export_to_standard_output(recorded_run):
    result = runner.invoke(
        app,
        ["export", str(recorded_run), "-f", "jsonl", "-o", "-"],
        env={"COLUMNS": "200"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and all(json.loads(line)["article_id"] for line in lines)
    assert "5 articles -> standard output" in result.stderr
