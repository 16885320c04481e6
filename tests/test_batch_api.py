"""Provider batch jobs (``run --batch-api``) against the loopback fake batch server
(``bench/fake_batch_server.py``, in this process): request lines are the online bodies, answers
land in the ledger under their cache keys, jobs split at the limits, expired / failed / cancelled
/ error lines are submitted again (or asked online), nothing is submitted twice across a crash,
and the cost is the batch price. One test replays a cassette of the server's traffic."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.api import Summarizer
from summarizer.cli.app import app
from summarizer.config import Settings
from summarizer.ingest import iter_articles
from summarizer.pricing import Price, estimate_cost, load_prices
from summarizer.providers.openai_batch import parse_results, request_line
from summarizer.runtime.batch_options import BatchOptions
from summarizer.store.ledger import Ledger
from summarizer.store.migrations import MIGRATIONS
from summarizer.types.extraction import ExtractedSummary
from tests.conftest import RECORDING_KEY, ROOT

sys.path.insert(0, str(ROOT / "bench"))

from corpus import write_corpus
from fake_batch_server import Config, FakeBatchServer

MODEL = "gpt-4o-mini"  # priced in the shipped table: costs are checked


def _run(url: str, corpus: Path, ledger: Ledger, run_id: str | None = None, **options):
    options.setdefault("poll_s", 0)
    summarizer = Summarizer(
        Settings(base_url=url, model=MODEL, api_key=RECORDING_KEY, mode="tools"),
        ledger=ledger,
        batch=BatchOptions(**options),
    )
    results = list(summarizer.summarize_many([str(corpus)], run_id=run_id))
    return summarizer, results


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_corpus(tmp_path / "articles.jsonl", 24)


@pytest.fixture
def ledger(tmp_path) -> Ledger:
    return Ledger(tmp_path / "ledger.sqlite3")


def test_every_article_is_answered_through_jobs_split_at_the_line_limit(corpus, ledger):
    with FakeBatchServer() as server:
        summarizer, results = _run(server.base_url, corpus, ledger, max_lines=10)
        report = server.state.report()
    assert len(results) == 24 and all(r.ok for r in results)
    assert sorted(r.index for r in results) == list(range(24))  # none lost, none twice
    assert report["batches"] == 3 and report["statuses"] == {"completed": 3}  # 10 + 10 + 4
    assert report["distinct_lines"] == 24 and report["lines_submitted_more_than_once"] == 0
    assert report["online_requests"] == 0  # every answer came from a batch job
    jobs = ledger.batches.jobs(summarizer.run_id)
    assert [j.lines for j in jobs] == [10, 10, 4] and all(j.collected for j in jobs)
    # custom_id is the request's cache key: the answers are in the ledger under those keys.
    items = list(ledger.items(summarizer.run_id))
    for item in items:
        assert item.cache_key in server.state.submitted
        logged = ledger.response(item.cache_key)
        assert logged is not None and logged.run_id == summarizer.run_id
        assert logged.seq == item.seq
    # A second run of the same articles is served from the ledger: nothing submitted.
    again, results = _run(server.base_url, corpus, ledger, max_lines=10)
    assert all(r.ok and r.cached for r in results)
    assert again.batch_report is not None and again.batch_report.jobs == 0


def test_the_batch_price_is_half_the_online_one_and_the_run_says_both(corpus, ledger):
    with FakeBatchServer() as server:
        summarizer, results = _run(server.base_url, corpus, ledger)
    report = summarizer.batch_report
    assert report is not None and report.answered == 24 and report.left_online == 0
    online = estimate_cost(MODEL, report.prompt_tokens, report.completion_tokens)
    assert report.online_cost_usd == pytest.approx(online)
    assert report.cost_usd == pytest.approx(online / 2)
    # Each record's cost is its line's tokens at the batch price.
    for result in results:
        full = estimate_cost(MODEL, result.usage.prompt_tokens, result.usage.completion_tokens)
        assert result.cost_usd == pytest.approx(full / 2)
    assert summarizer.stats.cost_usd == pytest.approx(report.cost_usd)


def test_a_price_table_may_set_its_own_batch_price(tmp_path):
    table = tmp_path / "prices.toml"
    table.write_text(
        '[models."a"]\ninput = 1.0\noutput = 2.0\n'
        '[models."b"]\ninput = 1.0\noutput = 2.0\nbatch_input = 0.8\nbatch_output = 1.9\n'
    )
    prices = load_prices(table)
    assert prices["a"].batch() == Price(0.5, 1.0)
    assert prices["b"].batch() == Price(0.8, 1.9)


def test_a_request_line_carries_exactly_the_online_body(ledger, corpus):
    """The line's body is what the online path posts for the same request, byte for byte."""
    with FakeBatchServer() as server:
        settings = Settings(base_url=server.base_url, model=MODEL, api_key="k", mode="tools")
        online = Summarizer(settings)
        article = next(iter(iter_articles([corpus])))
        online.summarize(article)  # asked online: the server keeps the body
        sent = server.state.chat_bodies[0]
        body = online.provider.request_body(online.prompts.messages(article), ExtractedSummary)
    line = json.loads(request_line("key-1", body))
    assert line == {
        "custom_id": "key-1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": sent,
    }


def test_an_expired_job_and_error_lines_are_submitted_again_in_new_jobs(corpus, ledger):
    cfg = Config(expire={1}, p_error=0.2)
    with FakeBatchServer(cfg) as server:
        summarizer, results = _run(server.base_url, corpus, ledger, max_lines=12)
        report = server.state.report()
    assert all(r.ok for r in results) and len(results) == 24
    assert report["statuses"]["expired"] == 1
    assert report["lines_submitted_more_than_once"] > 6  # the expired half at least
    # Again only after the job holding it had finished: never paid for twice.
    assert report["submitted_while_pending"] == 0
    assert report["online_requests"] == 0
    expired = ledger.batches.jobs(summarizer.run_id)[0]
    assert expired.status == "expired" and expired.completed + expired.failed == 12
    assert expired.failed >= 6  # the half it never reached, and its error lines


def test_fallback_online_asks_the_unanswered_lines_online(corpus, ledger):
    cfg = Config(expire={1}, p_error=0.2)
    with FakeBatchServer(cfg) as server:
        summarizer, results = _run(server.base_url, corpus, ledger, fallback="online")
        report = server.state.report()
    assert all(r.ok for r in results)
    assert report["batches"] == 1 and report["lines_submitted_more_than_once"] == 0
    job = ledger.batches.jobs(summarizer.run_id)[0]
    assert job.status == "expired" and job.failed >= 12  # the half it never reached, and errors
    assert report["online_requests"] == job.failed  # each of those asked online, once
    assert summarizer.batch_report is not None
    assert summarizer.batch_report.left_online == job.failed


@pytest.mark.parametrize("fate", ["fail", "server_cancel"])
def test_a_failed_or_cancelled_job_has_its_lines_submitted_again(corpus, ledger, fate):
    cfg = Config(**{fate: {1}})
    with FakeBatchServer(cfg) as server:
        _, results = _run(server.base_url, corpus, ledger)
        report = server.state.report()
    assert all(r.ok for r in results)
    status = "failed" if fate == "fail" else "cancelled"
    assert report["statuses"] == {status: 1, "completed": 1}
    resubmitted = 24 if fate == "fail" else 12  # a cancelled job answered half its lines
    assert report["lines_submitted_more_than_once"] == resubmitted
    assert report["submitted_while_pending"] == 0


def test_a_line_unanswered_after_every_round_is_asked_online(corpus, ledger):
    cfg = Config(expire={1, 2, 3})
    with FakeBatchServer(cfg) as server:
        _, results = _run(server.base_url, corpus, ledger, rounds=3)
        report = server.state.report()
    assert all(r.ok for r in results)
    assert report["batches"] == 3 and max(server.state.submitted.values()) == 3
    assert report["online_requests"] == 3  # half, then a quarter, then an eighth answered


def test_an_answer_that_fails_validation_is_reasked_online_with_the_error(corpus, ledger):
    cfg = Config(p_invalid=1.0)
    with FakeBatchServer(cfg) as server:
        _, results = _run(server.base_url, corpus, ledger)
        bodies = server.state.chat_bodies
    assert all(r.ok for r in results)
    assert len(bodies) == 24  # one re-ask each, online
    for body in bodies:
        shown = json.dumps(body["messages"])
        assert "sub_event_type" in shown and "Recall the function correctly" in shown
    # The re-ask is paid at the online price, the batch answer at the batch price.
    result = results[0]
    assert result.usage.attempts == 2
    full = estimate_cost(MODEL, result.usage.prompt_tokens, result.usage.completion_tokens)
    assert full / 2 < result.cost_usd < full


def test_a_lost_create_answer_adopts_the_batch_it_made(corpus, ledger):
    """The create's answer never arrives (here a timeout; a killed process is the same): the
    batch made on that file is found and polled, not created again."""
    cfg = Config(create_hold_s=2.5)
    with FakeBatchServer(cfg) as server:
        summarizer = Summarizer(
            Settings(base_url=server.base_url, model=MODEL, api_key="k", mode="tools", timeout=1),
            ledger=ledger,
            batch=BatchOptions(poll_s=0),
        )
        results = list(summarizer.summarize_many([str(corpus)]))
        report = server.state.report()
    assert all(r.ok for r in results)
    assert report["batches"] == 1 and report["lines_submitted_more_than_once"] == 0
    assert ledger.batches.jobs(summarizer.run_id)[0].batch_id == "batch-0001"


def test_sigkill_right_after_submitting_then_resume_submits_no_line_twice(tmp_path, corpus):
    ledger_path = tmp_path / "killed.sqlite3"
    cfg = Config(create_hold_s=1.0)
    with FakeBatchServer(cfg) as server:
        command = [
            sys.executable,
            "-m",
            "summarizer",
            "run",
            str(corpus),
            "--batch-api",
            "--batch-poll",
            "0",
            "--batch-max-lines",
            "10",
            "--base-url",
            server.base_url,
            "--model",
            MODEL,
            "--ledger",
            str(ledger_path),
            "-q",
        ]
        env = {**os.environ, "OPENAI_API_KEY": RECORDING_KEY, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        assert server.state.created_hook.wait(30), proc.stderr.read()  # type: ignore[union-attr]
        proc.send_signal(signal.SIGKILL)  # the batch is made; its id not yet told
        proc.wait()
        ledger = Ledger(ledger_path)
        run = ledger.latest_unfinished()
        assert run is not None
        first = ledger.batches.jobs(run.id)
        assert [j.status for j in first] == ["uploaded"]  # written before the create was sent
        server.state.cfg.create_hold_s = 0
        summarizer = Summarizer(
            Settings.from_record(run.settings), ledger=ledger, batch=BatchOptions(poll_s=0)
        )
        results = list(summarizer.summarize_many([str(corpus)], run_id=run.id))
        report = server.state.report()
    assert sorted(r.index for r in results) == list(range(24)) and all(r.ok for r in results)
    assert report["distinct_lines"] == 24
    assert report["lines_submitted_more_than_once"] == 0
    assert report["submitted_while_pending"] == 0
    assert ledger.batches.jobs(run.id)[0].batch_id == "batch-0001"  # the one made before


def test_jobs_split_at_the_byte_limit_too(corpus, ledger):
    with FakeBatchServer() as server:
        _run(server.base_url, corpus, ledger, max_bytes=40_000)
        sizes = [len(v) for k, v in server.state.files.items() if k in _inputs(server)]
    assert len(sizes) > 1 and max(sizes) <= 40_000


def _inputs(server: FakeBatchServer) -> set[str]:
    return {b["input_file_id"] for b in server.state.batches.values()}


def test_output_lines_in_any_order_are_matched_by_custom_id():
    out = "\n".join(
        json.dumps(line)
        for line in [
            {"custom_id": "b", "response": {"status_code": 200, "body": {"id": "2"}}},
            {"custom_id": "a", "response": {"status_code": 200, "body": {"id": "1"}}},
            {
                "custom_id": "c",
                "response": None,
                "error": {"code": "batch_expired", "message": "x"},
            },
            {
                "custom_id": "d",
                "response": {"status_code": 500, "body": {"error": {"message": "boom"}}},
            },
        ]
    ).encode()
    lines = {line.custom_id: line for line in parse_results(out)}
    assert lines["a"].completion == {"id": "1"} and lines["b"].completion == {"id": "2"}
    assert lines["c"].error == "batch_expired: x" and lines["d"].error == "HTTP 500: boom"


def test_the_batches_command_lists_jobs_with_status_counts_and_cost(corpus, ledger, tmp_path):
    with FakeBatchServer(Config(expire={2})) as server:
        summarizer, _ = _run(server.base_url, corpus, ledger, max_lines=12)
    shown = CliRunner().invoke(
        app, ["batches", "--ledger", str(ledger.path)], env={"COLUMNS": "200"}
    )
    assert shown.exit_code == 0, shown.output
    assert f"run {summarizer.run_id}" in shown.output
    rows = [line.split() for line in shown.output.splitlines() if "batch-000" in line]
    assert [r[1:3] for r in rows] == [
        ["batch-0001", "completed"],
        ["batch-0002", "expired"],
        ["batch-0003", "completed"],
    ]
    assert rows[1][3:6] == ["12", "6", "6"] and rows[0][6].startswith("$")


def test_batch_api_options_are_checked_before_anything_is_sent(corpus):
    runner = CliRunner()
    bad = runner.invoke(app, ["run", str(corpus), "--batch-api", "--batch-fallback", "later"])
    assert bad.exit_code == 2 and "--batch-fallback must be batch or online" in bad.output
    none = runner.invoke(app, ["run", str(corpus), "--batch-api", "--no-ledger"])
    assert none.exit_code == 2 and "--batch-api records its jobs in the ledger" in none.output
    both = runner.invoke(app, ["run", str(corpus), "--batch-api", "--dask", "local:1"])
    assert both.exit_code == 2 and "--dask and --batch-api do not go together" in both.output


def test_the_batches_migration_is_the_next_named_step():
    assert [m.name for m in MIGRATIONS][-1] == "0005_batches"


# -- recorded traffic ----------------------------------------------------------------------------


# Recorded and replayed at one URL: the endpoint is part of every cache key, and the keys are
# the request lines' custom_ids, in the recorded bodies. (Replay never contacts it.)
RECORDED_PORT = 18765


@pytest.fixture
def batch_url(recording):
    """The fake batch server while recording (one status step per check); replay needs none."""
    if not recording:
        yield f"http://127.0.0.1:{RECORDED_PORT}/v1"
        return
    with FakeBatchServer(Config(expire={2}, p_error=0.25), port=RECORDED_PORT) as server:
        yield server.base_url


@pytest.mark.vcr
def test_recorded_batch_run_replays(tmp_path, batch_url):
    """Upload, create, status checks through to completed and expired, output and error files,
    a resubmitted job: the whole conversation with the Batch API, replayed from its cassette."""
    corpus = write_corpus(tmp_path / "articles.jsonl", 6)
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    summarizer, results = _run(batch_url, corpus, ledger, max_lines=3)
    assert len(results) == 6 and all(r.ok for r in results)
    statuses = [j.status for j in ledger.batches.jobs(summarizer.run_id)]
    assert statuses[:2] == ["completed", "expired"] and len(statuses) >= 3
    report = summarizer.batch_report
    assert report is not None and report.answered == 6 and report.left_online == 0


def test_an_answer_still_invalid_after_the_reasks_fails_and_is_not_asked_again(corpus, ledger):
    """With no re-asks allowed, an invalid batch answer fails the article as it would online,
    with the reason, and the engine does not ask it again."""
    with FakeBatchServer(Config(p_invalid=1.0)) as server:
        summarizer = Summarizer(
            Settings(base_url=server.base_url, model=MODEL, api_key="k", mode="tools", reasks=0),
            ledger=ledger,
            batch=BatchOptions(poll_s=0),
        )
        results = list(summarizer.summarize_many([str(corpus)]))
        report = server.state.report()
    assert len(results) == 24 and not any(r.ok for r in results)
    assert all("model output invalid" in r.failure.reason for r in results)  # type: ignore[union-attr]
    assert report["online_requests"] == 0 and report["lines_submitted_more_than_once"] == 0
    assert summarizer.batch_report is not None and summarizer.batch_report.invalid == 24


def _killed_after_submitting(server: FakeBatchServer, corpus: Path, ledger_path: Path) -> None:
    """``run --batch-api`` in a child process, SIGKILLed once its batch id is in the ledger."""
    command = [
        sys.executable,
        "-m",
        "summarizer",
        "run",
        str(corpus),
        "--batch-api",
        "--batch-poll",
        "600",  # it would wait ten minutes before its first status check
        "--base-url",
        server.base_url,
        "--model",
        MODEL,
        "--ledger",
        str(ledger_path),
        "-q",
    ]
    env = {**os.environ, "OPENAI_API_KEY": RECORDING_KEY, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert server.state.created_hook.wait(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until its batch id is in the ledger
        jobs = Ledger(ledger_path).batches.jobs()
        if jobs and jobs[0].batch_id:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


CLI_ENV = {"COLUMNS": "200", "OPENAI_API_KEY": RECORDING_KEY}


def test_batches_wait_collects_a_killed_runs_jobs_and_resume_asks_nothing(tmp_path, corpus):
    ledger_path = tmp_path / "waited.sqlite3"
    with FakeBatchServer() as server:
        _killed_after_submitting(server, corpus, ledger_path)
        waited = CliRunner().invoke(
            app, ["batches", "--wait", "--poll", "0", "--ledger", str(ledger_path)], env=CLI_ENV
        )
        assert waited.exit_code == 0, waited.output
        assert "every batch job collected" in waited.output and "run --resume" in waited.output
        assert "completed" in waited.output
        ledger = Ledger(ledger_path)
        run = ledger.latest_unfinished()
        assert run is not None
        resumed = CliRunner().invoke(
            app,
            ["run", "--resume", "--run", run.id, "--ledger", str(ledger_path), "-q"],
            env=CLI_ENV,
        )
        report = server.state.report()
    assert resumed.exit_code == 0, resumed.output
    assert ledger.run(run.id).ok == 24
    assert report["batches"] == 1 and report["lines_submitted_more_than_once"] == 0
    assert report["online_requests"] == 0  # every record made from the stored answers


def test_batches_cancel_stops_a_job_and_its_unanswered_lines_go_again(tmp_path, corpus):
    ledger_path = tmp_path / "cancelled.sqlite3"
    with FakeBatchServer() as server:
        _killed_after_submitting(server, corpus, ledger_path)
        run = Ledger(ledger_path).latest_unfinished()
        assert run is not None
        args = ["batches", "--run", run.id, "--ledger", str(ledger_path)]
        cancelled = CliRunner().invoke(app, [*args, "--cancel"], env=CLI_ENV)
        assert cancelled.exit_code == 0, cancelled.output
        assert f"run {run.id}: batch-0001 cancelling" in cancelled.output
        waited = CliRunner().invoke(app, [*args, "--wait", "--poll", "0"], env=CLI_ENV)
        assert waited.exit_code == 0, waited.output
        report = server.state.report()
    assert report["statuses"] == {"cancelled": 1, "completed": 1}
    # The half it answered before stopping is kept; the rest went again, once it had stopped.
    assert report["lines_submitted_more_than_once"] == 12
    assert report["submitted_while_pending"] == 0
    ledger = Ledger(ledger_path)
    assert [j.status for j in ledger.batches.jobs(run.id)] == ["cancelled", "completed"]
    assert all(ledger.response(j.custom_id) for j in ledger.batches.lines(1))


def test_batches_cancel_needs_a_run(tmp_path):
    Ledger(tmp_path / "l.sqlite3").close()
    shown = CliRunner().invoke(
        app, ["batches", "--cancel", "--ledger", str(tmp_path / "l.sqlite3")]
    )
    assert shown.exit_code == 2 and "--cancel needs --run RUN" in shown.output


def test_an_endpoint_without_a_batch_api_is_one_line_error(corpus, tmp_path):
    from tests.fixtures.server import start_fixture_server

    with start_fixture_server() as plain:  # chat completions only: /files is a 404
        shown = CliRunner().invoke(
            app,
            ["run", str(corpus), "--batch-api", "--base-url", plain.base_url, "--model", MODEL,
             "--ledger", str(tmp_path / "l.sqlite3"), "-q"],
            env={"COLUMNS": "200", "OPENAI_API_KEY": RECORDING_KEY},
        )  # fmt: skip
    assert shown.exit_code == 2
    errors = [line for line in shown.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {plain.base_url} has no Batch API: HTTP 404"]


def test_an_answer_cut_off_at_max_tokens_is_asked_in_halves_online_not_resubmitted(
    tmp_path, ledger
):
    corpus = write_corpus(tmp_path / "six.jsonl", 6)
    with FakeBatchServer(Config(p_cut_off=1.0)) as server:
        summarizer, results = _run(server.base_url, corpus, ledger)
        report = server.state.report()
    assert len(results) == 6 and all(r.ok for r in results)
    assert report["batches"] == 1 and report["lines_submitted_more_than_once"] == 0
    # As for a cut-off online answer: its two halves, then a summary written from theirs.
    assert report["online_requests"] == 18
    assert summarizer.batch_report is not None and summarizer.batch_report.cut_off == 6
    assert all(r.summary is not None and r.summary.provenance.usage.attempts >= 2 for r in results)


def test_a_new_run_over_a_killed_runs_inputs_collects_its_jobs_instead_of_paying_again(
    tmp_path, corpus
):
    """Killed, then started again without --resume: the new run polls and collects the old
    run's job rather than submitting (or asking online) what it already holds."""
    ledger_path = tmp_path / "restarted.sqlite3"
    with FakeBatchServer() as server:
        _killed_after_submitting(server, corpus, ledger_path)
        ledger = Ledger(ledger_path)
        killed = ledger.latest_unfinished()
        assert killed is not None
        summarizer = Summarizer(  # the same settings: the same cache keys
            Settings.from_record(killed.settings), ledger=ledger, batch=BatchOptions(poll_s=0)
        )
        results = list(summarizer.summarize_many([str(corpus)]))
        report = server.state.report()
    assert summarizer.run_id != killed.id
    assert sorted(r.index for r in results) == list(range(24)) and all(r.ok for r in results)
    assert report["batches"] == 1 and report["lines_submitted_more_than_once"] == 0
    assert report["online_requests"] == 0
    assert all(r.cached for r in results)  # paid for by the killed run, whose job it is
    assert [j.collected for j in ledger.batches.jobs(killed.id)] == [True]


def test_a_resumed_run_submits_nothing_for_the_inputs_it_finished(corpus, ledger):
    """A failure the run already recorded is handed back on --resume, as online: its request
    is not put in a batch (it would be paid for and never used); --retry-failed asks it."""
    from summarizer.store.ledger import ItemRow

    with FakeBatchServer() as server:
        settings = Settings(base_url=server.base_url, model=MODEL, api_key="k", mode="tools")
        summarizer = Summarizer(settings, ledger=ledger, batch=BatchOptions(poll_s=0))
        run_id = summarizer.start_run([str(corpus)])
        first = next(iter(iter_articles([corpus])))
        failed = ItemRow(
            seq=0, article_id=first.id, status="failed", sha256=first.sha256, reason="earlier"
        )
        ledger.record(run_id, failed)
        results = list(summarizer.summarize_many([str(corpus)], run_id=run_id))
        assert server.state.report()["distinct_lines"] == 23  # not the failed input
        assert [r.failure.reason for r in results if r.index == 0] == ["earlier"]  # type: ignore[union-attr]
        retried = list(summarizer.summarize_many([str(corpus)], run_id=run_id, retry_failed=True))
        report = server.state.report()
    assert report["distinct_lines"] == 24 and report["lines_submitted_more_than_once"] == 0
    assert [r.ok for r in retried if r.index == 0] == [True]
