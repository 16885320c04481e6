import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.store.ledger import Ledger
from summarizer.store.results_file import failures_path
from tests.conftest import RECORDING_KEY, ROOT

runner = CliRunner()
ENV = {"OPENAI_API_KEY": RECORDING_KEY, "COLUMNS": "200", "OPENAI_BASE_URL": ""}
HEADLINES = [
    "Syria regime suffers losses trying to recapture Alawite village",
    "Syrian regime gains ground on opposition",
    "3 dead as Syria regime launches assault on Homs, Hama",
]


@pytest.fixture(autouse=True)
def _private_ledger(tmp_path, monkeypatch):
    """Every test gets its own ledger: nothing is written to the user's data directory, and no
    test is answered from another's cache."""
    monkeypatch.setitem(ENV, "SUMMARIZER_LEDGER", str(tmp_path / "ledger.sqlite3"))


def run_cli(*args: str):
    return runner.invoke(app, list(args), env=ENV, catch_exceptions=False)


@pytest.fixture(scope="module")
def json_schema():
    result = run_cli("schema")
    assert result.exit_code == 0
    return json.loads(result.stdout)


def _check_against_schema(line: str, schema: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(json.loads(line), schema)


@pytest.mark.vcr
def test_run_seeds_prints_tables_and_writes_valid_jsonl(fixture_url, tmp_path, json_schema):
    out = tmp_path / "r.jsonl"
    result = run_cli(
        "run",
        str(ROOT / "seeds"),
        "--base-url",
        fixture_url,
        "--model",
        "fixture",
        "--mode",
        "tools",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    for headline in HEADLINES:
        assert headline in result.stdout
    assert "undated" in result.stdout and "2016-05-21" in result.stdout
    assert "Battles > Armed clash" in result.stdout
    assert "5 ok, 0 failed" in result.stdout
    lines = out.read_text().splitlines()
    assert len(lines) == 5
    for line in lines:
        _check_against_schema(line, json_schema)
    assert not failures_path(out).exists()
    assert RECORDING_KEY not in out.read_text()

    # `show` re-renders the same results with no model and no network.
    shown = run_cli("show", str(out))
    assert shown.exit_code == 0
    for headline in HEADLINES:
        assert headline in shown.stdout
    assert "5 ok, 0 failed" in shown.stdout


@pytest.mark.vcr
def test_some_failed_exits_1_and_keeps_the_good_results(fixture_url, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe not utf-8 \xff")
    out = tmp_path / "r.jsonl"
    result = run_cli(
        "run",
        str(ROOT / "seeds" / "004_b7d2140178b5259b.txt"),
        str(bad),
        str(tmp_path / "missing.txt"),
        "--base-url",
        fixture_url,
        "--model",
        "fixture",
        "--mode",
        "tools",
        "--out",
        str(out),
    )
    assert result.exit_code == 1
    assert "1 ok, 2 failed" in result.stdout
    assert f"{bad}: not UTF-8 text (bad byte at offset 0)" in " ".join(result.stderr.split())
    assert len(out.read_text().splitlines()) == 1
    failures = [json.loads(x) for x in failures_path(out).read_text().splitlines()]
    assert {f["article_id"] for f in failures} == {"bad", "missing"}
    assert all(f["stage"] == "ingest" and f["reason"] for f in failures)


def test_one_line_messages_stay_one_line_in_a_narrow_pipe(tmp_path):
    """Failure and error lines are grepped from logs: never wrapped, whatever the width."""
    bad = tmp_path / "a-rather-long-file-name-for-an-article-that-is-not-utf8.txt"
    bad.write_bytes(b"\xff\xfe not utf-8 \xff")
    narrow = {**ENV, "COLUMNS": "40"}
    ran = runner.invoke(
        app, ["run", str(bad), "--no-ledger", "--base-url", "http://127.0.0.1:9/v1"], env=narrow
    )
    assert ran.exit_code == 1
    assert f"failed {bad}: not UTF-8 text (bad byte at offset 0)" in ran.stderr.splitlines()
    assert "0 ok, 1 failed | 0 events, 0 grounded | tokens 0 prompt + 0 completion" in ran.stdout
    record = tmp_path / "r.jsonl"
    record.write_text('{"article_id": "x"}\n')
    shown = runner.invoke(app, ["show", str(record)], env=narrow)
    assert shown.exit_code == 2
    assert any(
        line.startswith("error:") and f"{record}:1: not a summarizer result" in line
        for line in shown.stderr.splitlines()
    )


def test_an_out_file_that_cannot_be_written_is_a_one_line_error(tmp_path):
    """For run, before any request; for merge and export too."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = blocker / "results.jsonl"  # under a file: no directory can be made there
    ran = run_cli(
        "run",
        str(ROOT / "seeds"),
        "--out",
        str(out),
        "--no-ledger",
        "--base-url",
        "http://127.0.0.1:9/v1",
    )
    assert ran.exit_code == 2
    assert ran.stderr.splitlines() == [f"error: {out}: cannot write (File exists: {blocker})"]
    assert not ran.stdout
    results = tmp_path / "empty.jsonl"
    results.write_text("")
    for command in (["merge", str(results)], ["export", str(results), "-f", "csv"]):
        failed = run_cli(*command, "--out", str(out))
        assert failed.exit_code == 2 and len(failed.stderr.splitlines()) == 1, command
        assert failed.stderr.startswith(f"error: {out}: cannot write ("), command


def test_usage_errors_exit_2(tmp_path):
    assert run_cli().exit_code == 2
    assert run_cli("run").exit_code == 2
    bad_mode = run_cli("run", "seeds", "--mode", "xml", "--base-url", "http://127.0.0.1:9/v1")
    assert bad_mode.exit_code == 2 and "--mode must be" in bad_mode.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run_cli("run", str(empty), "--base-url", "http://127.0.0.1:9/v1")
    assert nothing.exit_code == 1  # reported like any unreadable input, not a crash
    assert f"{empty}: directory holds no .txt, .jsonl, .html, .htm or .pdf files" in " ".join(
        nothing.stderr.split()
    )


def test_show_names_the_file_and_line_of_a_bad_record(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"article_id": "x"}\n')
    result = run_cli("show", str(path))
    assert result.exit_code == 2
    assert f"{path}:1: not a summarizer result" in " ".join(result.stderr.split())
    missing = run_cli("show", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    directory = run_cli("show", str(tmp_path))
    assert directory.exit_code == 2
    assert directory.stderr.splitlines() == [
        f"error: {tmp_path}: a directory; give a results .jsonl file or a run id"
    ]


def test_schema_is_the_stored_record(json_schema):
    assert json_schema["title"] == "ArticleSummary"
    assert {"events", "provenance", "sha256"} <= set(json_schema["properties"])
    assert "EventRecord" in json_schema["$defs"] and "Evidence" in json_schema["$defs"]


def test_help_everywhere():
    for command in ([], ["run"], ["show"], ["schema"], ["runs"], ["merge"], ["export"], ["eval"]):
        result = run_cli(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.stdout


def test_help_is_whole_at_80_columns():
    """Every option's help text appears in full in an 80-column terminal (nothing cropped to
    '…'), each value option names what it takes (--timeout SECONDS), and flags show no type."""
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        result = runner.invoke(app, [name, "--help"], env={**ENV, "COLUMNS": "80"})
        assert result.exit_code == 0, result.output
        text = result.stdout
        assert "…" not in text and "<bool>" not in text, text
        assert max(len(line) for line in text.splitlines()) <= 80
        squeezed = "".join(text.split())  # click may break a line at a hyphen
        for param in command.params:
            if param.help:
                assert "".join(param.help.split()) in squeezed, (name, param.name)
    run_help = runner.invoke(app, ["run", "--help"], env={**ENV, "COLUMNS": "80"}).stdout
    for option in ("--timeout SECONDS", "--concurrency N", "-o, --out FILE", "--base-url URL"):
        assert option in run_help


def test_help_paragraphs_are_refilled():
    """Docstrings are wrapped at ~95 columns in the source; help refills each paragraph to the
    terminal's width instead of keeping the source's line breaks mid-sentence."""
    help_text = run_cli("run", "--help").stdout  # click fills to at most 80 columns
    paragraph = help_text.split("\n\n")[2].splitlines()
    assert paragraph[0].strip().startswith("Every run is recorded in the ledger")
    assert len(paragraph) >= 3 and all(65 <= len(line) <= 80 for line in paragraph[:-1])
    assert "results.jsonl->results.failures.jsonl" in "".join(help_text.split())  # no markup


def test_the_reading_commands_do_not_load_the_http_stack():
    """``--help``, ``runs``, ``show``, ``export``, ``eval``: no openai client, instructor or
    aiohttp imported (~1.5 s of start-up on every invocation)."""
    import subprocess
    import sys

    code = (
        "import sys, summarizer.cli.app; "
        "print(sorted({'openai', 'instructor', 'aiohttp'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- the run ledger through the command line, against the in-process fixture server ----------


@pytest.fixture(scope="module")
def live_server():
    from tests.fixtures.server import start_fixture_server

    with start_fixture_server() as server:
        yield server


@pytest.fixture
def live(live_server):
    live_server.reset()
    return live_server


def asked(server) -> int:
    """Articles asked: whole-article requests (an answer that reached the event limit has its
    article asked again in halves, which are not counted here)."""
    return sum(1 for h in server.history if h["path"] == "/chat/completions" and not h["part"])


def test_rerun_is_served_from_the_ledger_then_listed_and_shown(live, tmp_path):
    args = (
        "run",
        str(ROOT / "seeds"),
        "--base-url",
        live.base_url,
        "--model",
        "fixture",
        "--mode",
        "tools",
        "-q",
    )
    first = run_cli(*args)
    assert first.exit_code == 0, first.output
    assert asked(live) == 5 and "5 ok, 0 failed" in first.stdout
    out = tmp_path / "again.jsonl"
    second = run_cli(*args, "--out", str(out))
    assert second.exit_code == 0
    assert asked(live) == 5  # the re-run sent nothing
    assert "5 (no request sent)" in second.stdout
    # the footer counts what this run spent, as the table does: nothing
    assert any(
        line.startswith("5 ok, 0 failed |") and "tokens 0 prompt + 0 completion" in line
        for line in second.stdout.splitlines()
    )
    assert len(out.read_text().splitlines()) == 5
    # Not a terminal: no live bar, no escape codes; just the summary at the end.
    assert "\x1b[" not in second.stderr + second.stdout and "summarising" not in second.stderr

    listed = run_cli("runs")
    assert listed.exit_code == 0 and listed.stdout.count(" done ") == 2
    shown = run_cli("show", "last")
    assert shown.exit_code == 0
    for headline in HEADLINES:
        assert headline in shown.stdout
    assert "5 ok, 0 failed" in shown.stdout


def test_resume_finishes_an_interrupted_run_from_its_own_inputs(live, tmp_path):
    import sqlite3

    from summarizer.api import Summarizer
    from summarizer.config import Settings

    db, crashed = tmp_path / "ledger.sqlite3", tmp_path / "crashed.sqlite3"
    settings = Settings(
        base_url=live.base_url, api_key=RECORDING_KEY, model="fixture", mode="tools", concurrency=1
    )
    summarizer = Summarizer(settings, ledger=db)
    stream = summarizer.summarize_many([str(ROOT / "seeds")])
    next(stream), next(stream)
    with sqlite3.connect(db) as src, sqlite3.connect(crashed) as dst:
        src.backup(dst)  # the ledger as a crash now would leave it
    stream.close()
    before = asked(live)
    done = len(sqlite3.connect(crashed).execute("SELECT seq FROM items").fetchall())

    resumed = run_cli("run", "--resume", "--ledger", str(crashed), "-q")
    assert resumed.exit_code == 0, resumed.output
    assert asked(live) - before == 5 - done  # only what was missing
    assert "5 ok, 0 failed" in resumed.stdout and summarizer.run_id in resumed.stdout
    nothing = run_cli("run", "--resume", "--ledger", str(crashed))
    assert nothing.exit_code == 2 and "no unfinished run" in nothing.stderr


def test_continuing_needs_the_ledger_and_inputs(tmp_path):
    assert run_cli("run", "--resume", "--no-ledger").exit_code == 2
    assert "give the articles" in run_cli("run", "--base-url", "http://127.0.0.1:9/v1").stderr
    missing = run_cli("show", "nosuchrun")
    assert missing.exit_code == 2 and "no run ledger at" in missing.stderr
    assert "no runs yet" in run_cli("runs").stdout
    assert not Path(ENV["SUMMARIZER_LEDGER"]).exists()  # looking never creates a ledger


def test_gazetteer_file_resolves_places_and_a_rerun_without_it_reassembles_from_the_cache(
    live, tmp_path
):
    from tests.test_normalise_places import DUMP_ROWS

    dump = tmp_path / "SY.txt"
    dump.write_text("\n".join(DUMP_ROWS) + "\n", encoding="utf-8")
    seed = str(next((ROOT / "seeds").glob("001_*.txt")))
    args = ("run", seed, "--base-url", live.base_url, "--model", "fixture", "--mode", "tools", "-q")
    with_dump, without = tmp_path / "with.jsonl", tmp_path / "without.jsonl"

    first = run_cli(*args, "--gazetteer", str(dump), "--out", str(with_dump))
    assert first.exit_code == 0, first.output
    record = json.loads(with_dump.read_text())
    places = {e["place"]["name"]: e["place"] for e in record["events"] if e["place"]}
    # al-Lataminah: not in the shipped snapshot, in the dump (id 9000001) with its coordinates
    assert (
        places["al-Lataminah"]["geonames_id"] == 9000001
        and places["al-Lataminah"]["geo_precision"] == 1
    )
    assert record["provenance"]["gazetteer"].startswith("SY.txt sha256:")

    second = run_cli(*args, "--out", str(without))
    assert second.exit_code == 0 and asked(live) == 1  # the answer came from the ledger
    record = json.loads(without.read_text())
    places = {e["place"]["name"]: e["place"] for e in record["events"] if e["place"]}
    assert (
        places["al-Lataminah"]["geonames_id"] is None
        and places["al-Lataminah"]["rule"] == "unknown-context-admin1"
    )
    assert record["provenance"]["gazetteer"] is None

    bad = run_cli(*args, "--gazetteer", str(tmp_path / "nope.txt"))
    assert bad.exit_code == 2 and "nope.txt: no such gazetteer file" in bad.stderr
    assert asked(live) == 1


def test_a_run_that_stopped_early_says_how_to_finish_it(tmp_path):
    import shlex
    import socket

    from tests.fixtures.server import start_fixture_server

    with socket.create_server(("127.0.0.1", 0)) as probe:  # freed at once: connections refused
        port = probe.getsockname()[1]
        down = f"http://127.0.0.1:{port}/v1"
    ledger = tmp_path / "not-the-default.sqlite3"  # so the hint must name it
    ran = run_cli(
        "run",
        str(ROOT / "seeds"),
        "--base-url",
        down,
        "--model",
        "fixture",
        "--ledger",
        str(ledger),
        "--mode",
        "tools",
        "--transport-attempts",
        "1",
        "--concurrency",
        "1",
        "-q",
    )
    assert ran.exit_code == 1
    run_id = Ledger(ledger).latest_unfinished().id
    assert "0 ok, 1 failed, 4 skipped | 0 events" in ran.stdout  # as the batch table counts
    command = f"summarizer run --retry-failed --run {run_id} --ledger {ledger}"
    assert (
        f"stopped early: 4 article(s) not attempted; once the cause is fixed, finish with "
        f"`{command}`"
    ) in ran.stderr.splitlines()
    # The command as printed finishes the run once the endpoint is back: the article that
    # failed to connect and the four not attempted.
    with start_fixture_server(port) as back:
        again = run_cli(*shlex.split(command)[1:])
    assert again.exit_code == 0, again.output
    assert asked(back) == 5 and "5 ok, 0 failed" in again.stdout


def test_runs_lists_whole_model_names_in_a_narrow_terminal(tmp_path):
    """At 80 columns the runs table would fold a model name into a 6-character column; each
    run then takes two lines, with the model whole. A wide terminal keeps the table."""
    from summarizer.config import Settings
    from summarizer.store.keys import decoding_config

    ledger = Ledger(Path(ENV["SUMMARIZER_LEDGER"]))
    model = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    config = decoding_config(Settings(), model, "json_schema", "v1")
    run_id = ledger.start_run(
        settings=Settings(), config=config, endpoint="embedded", inputs=["seeds/"]
    )
    ledger.set_status(run_id, "done")
    ledger.close()
    narrow = runner.invoke(app, ["runs"], env={**ENV, "COLUMNS": "80"}).stdout
    assert f"{run_id}  done  0 ok, 0 failed, 0 cached" in narrow
    assert f"    {model} | seeds/" in narrow
    wide = runner.invoke(app, ["runs"], env={**ENV, "COLUMNS": "160"}).stdout
    assert "model" in wide and "inputs" in wide and model in wide


def test_run_reads_an_article_from_standard_input(live):
    seed = sorted((ROOT / "seeds").glob("*.txt"))[0]
    result = runner.invoke(
        app,
        ["run", "-", "--base-url", live.base_url, "--model", "fixture", "--mode", "tools"],
        input=seed.read_bytes(),
        env=ENV,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert asked(live) == 1 and "1 ok, 0 failed" in result.stdout
    assert HEADLINES[0] in result.stdout and "stdin-" in result.stdout


def test_standard_input_on_a_terminal_is_refused_not_waited_on(tmp_path):
    """``run -`` with a terminal for stdin would sit silently waiting for typing."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "summarizer.cli.app",
                "run",
                "-",
                "--no-ledger",
                "--base-url",
                "http://127.0.0.1:9/v1",
                "--model",
                "m",
            ],
            stdin=follower,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "OPENAI_API_KEY": RECORDING_KEY, "COLUMNS": "200"},
        )
    finally:
        os.close(leader)
        os.close(follower)
    assert done.returncode == 2
    assert "- reads standard input, which is a terminal here" in done.stderr


def test_an_input_given_as_out_is_refused_and_kept(live, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "a", "text": "Regime forces shelled Hama."}\n')
    before = corpus.read_bytes()
    ran = run_cli(
        "run", str(corpus), "--out", str(corpus), "--base-url", live.base_url, "--model", "fixture"
    )
    assert ran.exit_code == 2 and "is also an input" in ran.stderr
    assert corpus.read_bytes() == before and asked(live) == 0


def test_out_dash_is_refused_with_the_way_to_get_standard_output(live):
    ran = run_cli(
        "run", str(ROOT / "seeds"), "--out", "-", "--base-url", live.base_url, "--model", "fixture"
    )
    assert ran.exit_code == 2 and "summarizer export RUN -o -" in ran.stderr
    assert asked(live) == 0 and not Path("-").exists()


def test_a_bad_price_table_stops_the_run_before_any_request(live, tmp_path, monkeypatch):
    monkeypatch.setitem(ENV, "SUMMARIZER_PRICES", str(tmp_path / "nope.toml"))
    from summarizer.pricing import load_prices

    load_prices.cache_clear()
    try:
        ran = run_cli("run", str(ROOT / "seeds"), "--base-url", live.base_url, "--model", "fixture")
    finally:
        load_prices.cache_clear()
    assert ran.exit_code == 2 and "nope.toml: cannot read" in ran.stderr
    assert asked(live) == 0


def test_model_without_an_endpoint_is_refused_not_run_on_the_embedded_model(tmp_path):
    # (an unknown embedded model: were the check gone, this fails at once, not after loading one)
    env = {**ENV, "OPENAI_API_KEY": "", "SUMMARIZER_EMBEDDED_MODEL": "no-such-model"}
    ran = runner.invoke(app, ["run", str(ROOT / "seeds"), "--model", "gpt-4o-mini"], env=env)
    assert ran.exit_code == 2
    assert "--model gpt-4o-mini: no endpoint to ask it" in " ".join(ran.stderr.split())
    assert "Using the embedded model" not in ran.stderr


def test_a_base_url_flag_beats_a_model_file_from_the_environment(live, tmp_path):
    env = {**ENV, "SUMMARIZER_MODEL_PATH": str(tmp_path / "local.gguf")}
    ran = runner.invoke(
        app,
        [
            "run",
            str(ROOT / "seeds" / "000_7f59d95cd243b889.txt"),
            "--base-url",
            live.base_url,
            "--model",
            "fixture",
            "--mode",
            "tools",
        ],
        env=env,
    )
    assert ran.exit_code == 0, ran.output
    assert asked(live) == 1 and "embedded" not in ran.stderr


def test_quiet_prints_no_panels_and_no_retry_warnings(tmp_path, caplog):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff not utf-8")
    down = "http://127.0.0.1:9/v1"  # the seed's requests are refused: retried, then failed
    ran = run_cli(
        "run",
        str(bad),
        str(ROOT / "seeds" / "000_7f59d95cd243b889.txt"),
        "--no-ledger",
        "--base-url",
        down,
        "--model",
        "m",
        "--transport-attempts",
        "2",
        "-q",
    )
    assert ran.exit_code == 1
    assert not [r for r in caplog.records if r.name.startswith("summarizer")]  # no retry lines
    assert "Batch" in ran.stdout  # the run's table stays
    assert f"failed {bad}: not UTF-8 text" in ran.stderr
    assert "0 ok, 2 failed" in ran.stdout
    loud = run_cli(
        "run",
        str(ROOT / "seeds" / "000_7f59d95cd243b889.txt"),
        "--no-ledger",
        "--base-url",
        down,
        "--model",
        "m",
        "--transport-attempts",
        "2",
    )
    assert loud.exit_code == 1  # and now the retry is logged: the level was restored
    assert any("transport retry" in r.getMessage() for r in caplog.records)


def test_sigterm_leaves_a_resumable_run_and_says_how_to_finish_it(tmp_path, monkeypatch):
    """A batch scheduler's time limit sends SIGTERM (to every process of the job): the run is
    marked interrupted, the command says how to finish it, and exits 143."""
    import os
    import signal
    import subprocess
    import sys
    import time

    monkeypatch.syspath_prepend(str(ROOT / "bench"))  # its server answers after a delay
    from common import BenchServer

    ledger = tmp_path / "other.sqlite3"
    with BenchServer(latency_ms=2000) as server:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "summarizer.cli.app",
                "run",
                str(ROOT / "seeds"),
                "--base-url",
                server.url,
                "--model",
                "m",
                "--ledger",
                str(ledger),
                "--concurrency",
                "1",
                "-q",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "OPENAI_API_KEY": RECORDING_KEY, "COLUMNS": "200"},
        )
        deadline = time.monotonic() + 30
        # The bench server's answer names places the seeds do not, so its summary fails the
        # check and is asked once more: the first article takes two requests.
        while server.stats().get("requests", 0) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)  # the first answer is in, the second on its way
        os.killpg(proc.pid, signal.SIGTERM)  # as a scheduler does: the request worker too
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 143, stderr
    run = Ledger(ledger).latest_unfinished()
    assert run is not None and run.status == "interrupted" and run.ok >= 1
    assert (
        f"terminated (SIGTERM) after {run.ok} article(s); finish with "
        f"`summarizer run --resume --run {run.id} --ledger {ledger}`"
    ) in stderr.splitlines()


def test_two_servers_answering_to_one_model_name_do_not_share_answers(live):
    """llama.cpp answers to any model name: the endpoint is part of the cache key."""
    from tests.fixtures.server import start_fixture_server

    seed = str(ROOT / "seeds" / "000_7f59d95cd243b889.txt")
    first = run_cli("run", seed, "--base-url", live.base_url, "--model", "any", "--mode", "tools")
    assert first.exit_code == 0 and asked(live) == 1
    with start_fixture_server() as other:
        second = run_cli(
            "run", seed, "--base-url", other.base_url, "--model", "any", "--mode", "tools"
        )
        assert second.exit_code == 0 and asked(other) == 1  # asked, not served from the ledger
    again = run_cli("run", seed, "--base-url", live.base_url, "--model", "any", "--mode", "tools")
    assert again.exit_code == 0 and asked(live) == 1  # the same server: from the ledger


def test_show_of_an_empty_results_file_says_so(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    shown = run_cli("show", str(empty))
    assert shown.exit_code == 2 and f"{empty}: no results in it" in shown.stderr
