"""Progress: a live bar on a terminal, silence elsewhere, and the closing summary table."""

import io
import json

from rich.console import Console

from summarizer.cli.progress import BatchProgress, summary_table
from summarizer.ingest import count_articles
from summarizer.types.outcome import BatchStats, Result
from summarizer.types.records import Failure, Usage


def results():
    usage = Usage(prompt_tokens=1000, completion_tokens=200, attempts=2)
    failure = Failure(article_id="b", stage="llm", reason="HTTP 500")
    return [
        Result(0, failure=failure, usage=usage, cost_usd=0.01),
        Result(
            1, failure=Failure(article_id="c", stage="ingest", reason="empty file"), usage=Usage()
        ),
    ]


def test_not_a_terminal_prints_nothing_while_running():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, width=120)
    stats = BatchStats()
    with BatchProgress(console, total=2) as progress:
        for result in results():
            stats.add(result)
            progress.update(stats)
    assert buffer.getvalue() == ""
    assert (stats.done, stats.failed, stats.requests) == (2, 2, 2)


def test_a_terminal_gets_a_live_bar_with_counts_tokens_and_cost():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=200)
    stats = BatchStats()
    with BatchProgress(console, total=2) as progress:
        for result in results():
            stats.add(result)
            stats.rate_limited = 3
            progress.update(stats)
        progress._progress.refresh()  # type: ignore[union-attr]
    text = buffer.getvalue()
    assert "2/2" in text and "2 failed" in text
    assert "1,200 tokens" in text and "$0.0100" in text and "3 x 429" in text


def test_summary_table_says_what_happened_and_never_invents_a_price():
    stats = BatchStats(
        done=3,
        ok=2,
        failed=1,
        cached=1,
        requests=4,
        prompt_tokens=10,
        completion_tokens=5,
        priced=False,
    )
    console = Console(file=io.StringIO(), width=120)
    console.print(summary_table(stats, run_id="20260101-000000-abcd", ledger="/tmp/l.sqlite3"))
    text = console.file.getvalue()
    assert "20260101-000000-abcd" in text and "1 (no request sent)" in text
    assert "n/a (no price for this model" in text
    assert "$" not in text


def test_count_inputs_reads_jsonl_lines_and_files(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.jsonl").write_text(
        "\n".join(json.dumps({"text": f"t{i}"}) for i in range(5)) + "\n\n"
    )
    assert count_articles([tmp_path]) == 6
    assert count_articles([tmp_path / "missing.txt"]) == 1  # reported as one failure later


def test_the_pace_reads_well_fast_and_slow():
    from summarizer.cli.progress import _pace

    assert _pace(1000, 4.0) == "250.0 articles/s"
    assert _pace(5, 650.2) == "130.0 s/article"  # the embedded model on a busy 2-core machine
    assert _pace(0, 3.0) == "no article finished"
