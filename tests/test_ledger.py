"""The run ledger through the real batch engine, against the in-process loopback fixture server:
cache hits send nothing, a crashed run resumes with only what was missing, every failure is
recorded with its reason, and a result is written once."""

import sqlite3

import pytest

from summarizer.api import Limits, Summarizer
from summarizer.config import Settings
from summarizer.ingest import article_from_text
from summarizer.store.keys import cache_key, config_key
from summarizer.store.ledger import ItemRow, Ledger, LedgerError
from tests.conftest import RECORDING_KEY, RecordedSleep
from tests.fixtures.server import start_fixture_server


@pytest.fixture(scope="module")
def server():
    with start_fixture_server() as srv:
        yield srv


@pytest.fixture
def live(server):
    server.reset()
    return server


def settings(server, model="fixture", **kw) -> Settings:
    kw.setdefault("concurrency", 4)
    return Settings(
        base_url=server.base_url, api_key=RECORDING_KEY, model=model, mode="tools", **kw
    )


def articles(n: int, start: int = 0, marker: str = ""):
    return [
        article_from_text(
            f"Clashes near village {i}\n\nFighters clashed near village {i} on Monday, residents "
            f"said. {marker}",
            f"a{i}",
            source_path=f"mem/a{i}.txt",
        )
        for i in range(start, start + n)
    ]


def requested(server) -> int:
    return sum(1 for h in server.history if h["path"] == "/chat/completions")


def rows(path, run_id):
    with Ledger(path) as ledger:
        return list(ledger.items(run_id))


def test_rerun_of_the_same_articles_sends_no_request(live, tmp_path):
    db = tmp_path / "ledger.sqlite3"
    first = Summarizer(settings(live), ledger=db)
    results = list(first.summarize_many(articles(6)))
    assert requested(live) == 6 and all(r.ok and not r.cached for r in results)

    again = Summarizer(settings(live), ledger=db)
    cached = sorted(again.summarize_many(articles(6)), key=lambda r: r.index)
    assert requested(live) == 6  # not one more request
    assert all(r.ok and r.cached and r.usage.attempts == 0 for r in cached)
    assert [r.summary for r in cached] == [
        r.summary for r in sorted(results, key=lambda r: r.index)
    ]
    assert again.run_id != first.run_id
    stored = rows(db, again.run_id)
    assert len(stored) == 6 and all(r.cached and r.prompt_tokens == 0 for r in stored)

    # Anything that changes the answer misses the cache: here the temperature.
    warmer = Summarizer(settings(live, temperature=0.5), ledger=db)
    assert not any(r.cached for r in warmer.summarize_many(articles(2)))
    assert requested(live) == 8


def test_a_ledger_from_before_the_gazetteer_column_still_serves_its_records(live, tmp_path):
    """Rows written before ``items.gazetteer`` existed carry no gazetteer: a cache hit on one
    checks the record's own provenance instead, and is served all the same."""
    db = tmp_path / "ledger.sqlite3"
    first = list(Summarizer(settings(live), ledger=db).summarize_many(articles(3)))
    with sqlite3.connect(db) as con:
        assert {g for (g,) in con.execute("SELECT gazetteer FROM items")} == {""}  # the snapshot
        # the file as the first version left it: no recorded steps, none of the later columns
        con.execute("DROP TABLE migrations")
        con.execute("ALTER TABLE items DROP COLUMN gazetteer")
        con.execute("ALTER TABLE items DROP COLUMN requests")
        con.execute("ALTER TABLE items DROP COLUMN record_version")
        con.execute("DROP TABLE sources")
        con.execute("ALTER TABLE responses DROP COLUMN part")
        con.execute("ALTER TABLE responses DROP COLUMN kind")
        con.execute("ALTER TABLE responses DROP COLUMN cost_usd")
        con.execute("DROP TABLE batch_lines")
        con.execute("DROP TABLE batch_jobs")
    again = Summarizer(settings(live), ledger=db)
    cached = sorted(again.summarize_many(articles(3)), key=lambda r: r.index)
    assert requested(live) == 3 and all(r.cached for r in cached)
    assert [r.summary_json for r in cached] == [
        r.summary_json for r in sorted(first, key=lambda r: r.index)
    ]
    with sqlite3.connect(db) as con:  # the column is back; old rows are "not known"
        assert {
            g
            for (g,) in con.execute(
                "SELECT gazetteer FROM items WHERE run_id != ?", (again.run_id,)
            )
        } == {None}


def test_the_same_article_twice_in_a_batch_is_asked_once(live, tmp_path):
    twice = articles(1) * 2 + articles(1, start=1)
    results = list(Summarizer(settings(live), ledger=tmp_path / "l.sqlite3").summarize_many(twice))
    assert requested(live) == 2
    assert sorted(r.index for r in results) == [0, 1, 2] and all(r.ok for r in results)
    assert sum(r.cached for r in results) == 1


def test_a_crashed_run_resumes_with_only_what_was_missing(live, tmp_path):
    db, crashed = tmp_path / "ledger.sqlite3", tmp_path / "crashed.sqlite3"
    batch = articles(12)
    summarizer = Summarizer(settings(live, concurrency=2), ledger=db)
    stream = summarizer.summarize_many(batch)
    seen = [next(stream) for _ in range(5)]
    # What a SIGKILL right now would leave on disk: a consistent snapshot, run still 'running'.
    with sqlite3.connect(db) as src, sqlite3.connect(crashed) as dst:
        src.backup(dst)
    stream.close()
    run_id = summarizer.run_id
    with Ledger(crashed) as ledger:
        assert ledger.run(run_id).status == "running"
        finished = {row.seq: row.article_id for row in ledger.items(run_id)}
        # Answers that had arrived but were not yet assembled and recorded are in the log.
        answered = {
            seq
            for (seq,) in ledger._db.execute(
                "SELECT seq FROM responses WHERE run_id = ?", (run_id,)
            )
        } - set(finished)
    assert {r.index for r in seen} <= set(finished)  # handed out only once committed

    asked_before = {h["article"] for h in live.history}
    count_before = requested(live)
    resumed = Summarizer(settings(live), ledger=crashed)
    results = list(resumed.summarize_many(batch, run_id=run_id[:15]))  # a unique prefix works

    assert sorted(r.index for r in results) == list(range(12))  # every input, exactly once
    assert {r.index for r in results if r.resumed} == set(finished)
    # Only the missing ones are asked; an answer that arrived before the crash is not paid twice.
    assert requested(live) - count_before == 12 - len(finished) - len(answered)
    new_asks = [h["article"] for h in live.history[count_before:]]
    assert len(set(new_asks)) == len(new_asks)
    stored = rows(crashed, run_id)
    assert [r.seq for r in stored] == list(range(12)) and all(r.status == "ok" for r in stored)
    with Ledger(crashed) as ledger:
        assert ledger.run(run_id).status == "done"
    assert asked_before  # sanity: the first run did ask


def test_an_answer_logged_before_a_crash_is_not_asked_again(live, tmp_path):
    db = tmp_path / "ledger.sqlite3"
    batch = articles(3)
    s = Summarizer(settings(live), ledger=db)
    run_id = s.start_run()
    key = cache_key(config_key(s.config()), batch[1])
    answer = (
        '{"summary": "Logged before the crash.", "key_points": [], "sources_cited": [], '
        '"events": []}'
    )
    s.ledger.log_response(
        key,
        answer,
        run_id=run_id,
        seq=1,
        model="fixture",
        prompt_tokens=700,
        completion_tokens=30,
        attempts=2,
        latency_s=0.5,
    )
    results = sorted(s.summarize_many(batch, run_id=run_id), key=lambda r: r.index)
    assert requested(live) == 2  # articles 0 and 2 only
    assert results[1].summary.summary == "Logged before the crash."
    assert not results[1].cached and results[1].usage.attempts == 2  # paid in this run, once
    row = rows(db, run_id)[1]
    assert (row.status, row.prompt_tokens, row.attempts, row.cached) == ("ok", 700, 2, False)
    # Another run of the same articles: all three from the ledger.
    again = list(Summarizer(settings(live), ledger=db).summarize_many(batch))
    assert requested(live) == 2 and all(r.cached for r in again)


def test_every_failure_is_recorded_with_its_reason(live, tmp_path):
    db = tmp_path / "ledger.sqlite3"
    poisoned = articles(1, start=50, marker="FIXTURE-ALWAYS-500")
    items = [*articles(2), *poisoned, str(tmp_path / "missing.txt")]
    s = Summarizer(settings(live, transport_attempts=2), sleep=RecordedSleep(), ledger=db)
    results = sorted(s.summarize_many(items), key=lambda r: r.index)
    assert [r.status for r in results] == ["ok", "ok", "failed", "failed"]
    stored = {r.seq: r for r in rows(db, s.run_id)}
    assert stored[2].stage == "llm" and stored[2].attempts == 2
    assert stored[2].reason.startswith(f"HTTP 500 from {live.base_url}")
    assert stored[3].stage == "ingest" and stored[3].reason == "no such file"
    assert all(r.reason for r in stored.values() if r.status != "ok")
    with Ledger(db) as ledger:
        info = ledger.run(s.run_id)
    assert (info.ok, info.failed, info.attempts) == (2, 2, 4)


def test_retry_failed_asks_again_only_for_the_failures(live, tmp_path):
    db = tmp_path / "ledger.sqlite3"
    batch = articles(3)
    # fixture:500 fails each article's first request; one attempt each: all three fail.
    s = Summarizer(settings(live, "fixture:500", transport_attempts=1), ledger=db)
    assert [r.status for r in s.summarize_many(batch)] == ["failed"] * 3
    run_id = s.run_id
    ok = Summarizer(settings(live, "fixture:500", transport_attempts=1), ledger=db)
    results = list(ok.summarize_many(batch, run_id=run_id, retry_failed=True))
    assert all(r.ok and not r.resumed for r in results) and requested(live) == 6
    stored = rows(db, run_id)
    assert len(stored) == 3 and all(r.status == "ok" for r in stored)
    # Nothing left to retry: a third pass sends nothing and changes nothing.
    again = list(
        Summarizer(settings(live, "fixture:500"), ledger=db).summarize_many(
            batch, run_id=run_id, retry_failed=True
        )
    )
    assert all(r.resumed for r in again) and requested(live) == 6


def test_token_budget_stops_reasks(live, tmp_path):
    s = Summarizer(
        settings(live, "fixture:invalid"),
        ledger=tmp_path / "l.sqlite3",
        limits=Limits(token_budget=10),
    )
    [result] = list(s.summarize_many(articles(1)))
    assert result.status == "failed"
    assert result.failure.reason.startswith("token budget exhausted:")
    assert result.failure.reason.endswith("over 1 request(s) (budget 10)")
    assert result.usage.attempts == 1  # the invalid answer was not re-asked
    generous = Summarizer(settings(live, "fixture:invalid"), limits=Limits(token_budget=100_000))
    [result] = list(generous.summarize_many(articles(1, start=1)))
    assert result.ok and result.usage.attempts == 2


def test_an_ok_row_is_written_once(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        run_id = ledger.start_run(
            settings=Settings(base_url="http://x/v1"),
            endpoint="e",
            config={"model": "m", "prompt_version": "p", "schema_version": "1"},
        )
        assert ledger.record(run_id, ItemRow(seq=0, article_id="a", status="failed", reason="boom"))
        assert ledger.record(run_id, ItemRow(seq=0, article_id="a", status="ok", result="{}"))
        assert not ledger.record(
            run_id, ItemRow(seq=0, article_id="a", status="failed", reason="late")
        )
        [row] = ledger.items(run_id)
        assert (row.status, row.result, row.reason) == ("ok", "{}", None)
        assert ledger._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert "api_key" not in ledger.run(run_id).settings
        with pytest.raises(ValueError):
            ItemRow(seq=1, article_id="a", status="done")


def test_resume_refuses_inputs_that_changed(live, tmp_path):
    db = tmp_path / "l.sqlite3"
    s = Summarizer(settings(live), ledger=db)
    list(s.summarize_many(articles(2)))
    changed = articles(1) + articles(1, start=7)  # input #1 is another article now
    with pytest.raises(LedgerError, match="has changed since run"):
        list(Summarizer(settings(live), ledger=db).summarize_many(changed, run_id=s.run_id))


def test_runs_are_found_by_id_prefix_or_last(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        with pytest.raises(LedgerError, match="no runs yet"):
            ledger.resolve("last")
        config = {"model": "m", "prompt_version": "p", "schema_version": "1"}
        a = ledger.start_run(settings=Settings(), config=config, endpoint="e", inputs=["x"])
        b = ledger.start_run(settings=Settings(), config=config, endpoint="e", inputs=["y"])
        assert ledger.resolve(a) == a and ledger.resolve("last") == b
        with pytest.raises(LedgerError, match="matches 2 runs"):
            ledger.resolve(a[:9])  # the date alone
        with pytest.raises(LedgerError, match="no run"):
            ledger.resolve("nope")
        assert [r.id for r in ledger.list_runs()] == [b, a]
        assert ledger.find_resumable(["x"], ledger.run(a).config_key).id == a
        ledger.set_status(a, "done")
        assert ledger.find_resumable(["x"], ledger.run(a).config_key) is None


def test_during_a_batch_a_thread_checkpoints_the_wal(tmp_path):
    """The event loop's connection only appends to the WAL (it checkpoints past 10,000 pages);
    another thread copies it into the database file (see checkpointer.py)."""
    import threading
    import time

    def autocheckpoint(ledger) -> int:
        return ledger._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]

    path = tmp_path / "l.sqlite3"
    with Ledger(path) as ledger:
        run_id = ledger.start_run(
            settings=Settings(),
            endpoint="e",
            config={"model": "m", "prompt_version": "p", "schema_version": "1"},
        )
        checkpointer = ledger.checkpointer()
        checkpointer._period_s = 0.02
        assert autocheckpoint(ledger) == 10_000  # this connection leaves ~all of it to the thread
        checkpointer.start()
        size = path.stat().st_size
        for seq in range(100):  # ~100 pages of results: far below this connection's threshold
            row = ItemRow(seq=seq, article_id=f"a{seq}", status="ok", result="x" * 4000)
            ledger.record(run_id, row)
        deadline = time.monotonic() + 5
        while path.stat().st_size < size + 100 * 4000 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert path.stat().st_size >= size + 100 * 4000  # copied into the file by the thread
        checkpointer.stop()
        assert not any(t.name == "summarizer-ledger-checkpoints" for t in threading.enumerate())
        assert len(list(ledger.items(run_id))) == 100


def test_a_big_batch_checkpoints_from_a_thread_and_ends_it(live, tmp_path, monkeypatch):
    import threading

    from summarizer.store.checkpointer import Checkpointer

    started = []
    real_start = Checkpointer.start
    monkeypatch.setattr(Checkpointer, "start", lambda self: (started.append(1), real_start(self)))
    s = Summarizer(settings(live, concurrency=16), ledger=tmp_path / "l.sqlite3")
    assert all(r.ok for r in s.summarize_many(articles(20)))
    assert started == [1]
    assert not any(t.name == "summarizer-ledger-checkpoints" for t in threading.enumerate())
    # The batch's end leaves the threshold as it was: with SQLite's 1,000 pages, the next commit
    # (the run's status) would stop to checkpoint a big batch's last pages (10-20 ms).
    assert s.ledger._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 10_000


def test_a_ledger_that_cannot_be_made_or_read_says_so_in_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(LedgerError) as made:
        Ledger(blocker / "ledger.sqlite3")  # its directory would have to be a file
    assert (
        str(made.value)
        == f"{blocker / 'ledger.sqlite3'}: cannot create the ledger (File exists: {blocker})"
    )
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not an SQLite file, just text that is long enough" * 20)
    with pytest.raises(
        LedgerError, match=r"garbage\.sqlite3: not a usable ledger \(file is not a database\)"
    ):
        Ledger(garbage)


def test_a_runs_cost_is_unknown_once_an_asked_article_had_no_price(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        config = {"model": "m", "prompt_version": "p", "schema_version": "1"}
        run_id = ledger.start_run(
            settings=Settings(base_url="http://x/v1"), endpoint="e", config=config
        )
        ledger.record(
            run_id,
            ItemRow(seq=0, article_id="a", status="ok", result="{}", cached=True, cost_usd=0.0),
        )
        ledger.record(
            run_id,
            ItemRow(
                seq=1,
                article_id="b",
                status="ok",
                result="{}",
                attempts=1,
                prompt_tokens=10,
                cost_usd=0.002,
            ),
        )
        assert ledger.run(run_id).cost_usd == pytest.approx(0.002)
        ledger.record(
            run_id,
            ItemRow(
                seq=2,
                article_id="c",
                status="ok",
                result="{}",
                attempts=1,
                prompt_tokens=10,
                cost_usd=None,
            ),
        )
        assert ledger.run(run_id).cost_usd is None  # not "$0.002": part of it has no price


def test_migrations_are_named_recorded_and_applied_once(tmp_path):
    from summarizer.store.migrations import MIGRATIONS, applied

    db = tmp_path / "ledger.sqlite3"
    with Ledger(db) as ledger:
        assert applied(ledger._db) == [m.name for m in MIGRATIONS]
    with Ledger(db) as ledger:  # reopening applies nothing twice
        assert applied(ledger._db) == [m.name for m in MIGRATIONS]


def test_a_first_version_ledger_is_upgraded_in_place_with_its_rows(tmp_path):
    from summarizer.store.migrations import MIGRATIONS, applied

    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as con:  # the schema as the first release wrote it
        con.executescript(MIGRATIONS[0].sql)
        con.execute(
            "INSERT INTO runs VALUES ('r1', 't', 't', 'done', NULL, '{}', 'k', 'm', 'e', 'p', '1')"
        )
        con.execute(
            "INSERT INTO items (run_id, seq, article_id, status, result, created_at, cache_key)"
            " VALUES ('r1', 0, 'a', 'ok', '{}', 't', 'key-a')"
        )
        con.execute("INSERT INTO meta VALUES ('ledger_version', '1')")
    with Ledger(db) as ledger:
        assert applied(ledger._db) == [m.name for m in MIGRATIONS]
        [row] = list(ledger.items("r1"))
        assert (row.article_id, row.result, row.gazetteer, row.requests) == ("a", "{}", None, 1)
        assert ledger.cached("key-a").result == "{}"


def test_a_ledger_from_a_newer_version_is_refused_untouched(tmp_path):
    db = tmp_path / "new.sqlite3"
    Ledger(db).close()
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO migrations VALUES ('0099_future', 't')")
    before = db.read_bytes()
    with pytest.raises(LedgerError, match=r"made by a newer summarizer .*0099_future"):
        Ledger(db)
    assert db.read_bytes() == before


def two_parts(article):
    """A splitter for the tests: the model text's paragraphs in two requests."""
    paragraphs = article.model_text.split("\n\n")
    half = max(1, len(paragraphs) // 2)
    return ["\n\n".join(paragraphs[:half]), "\n\n".join(paragraphs[half:])]


def seed_article():
    from summarizer.ingest import read_article_file
    from tests.conftest import SEEDS

    return read_article_file(SEEDS[0])


def test_a_document_of_several_requests_is_logged_per_request_and_recorded_once(live, tmp_path):
    db = tmp_path / "ledger.sqlite3"
    [whole] = Summarizer(settings(live)).summarize_many([seed_article()])
    asked = requested(live)
    s = Summarizer(settings(live), ledger=db, splitter=two_parts)
    [result] = list(s.summarize_many([seed_article()]))
    # two parts, and the document's summary written from theirs
    assert result.ok and requested(live) == asked + 3
    # each part answered the whole reference (the fixture knows the seed by its headline): the
    # document's record holds its events once
    assert [e.evidence for e in result.summary.events] == [e.evidence for e in whole.summary.events]
    assert result.usage.attempts == 3 and result.summary.chunks == 2
    with sqlite3.connect(db) as con:
        parts = con.execute("SELECT part, kind, seq FROM responses ORDER BY part").fetchall()
        assert [p[:2] for p in parts[:2]] == [(0, "chunk"), (1, "chunk")]
        assert parts[2][0] == 2 and parts[2][1].startswith("summary:")
        assert {p[2] for p in parts} == {0}
        assert con.execute("SELECT requests, attempts FROM items").fetchall() == [(3, 3)]
    # the same document again: its record, nothing asked
    again = Summarizer(settings(live), ledger=db, splitter=two_parts)
    [cached] = list(again.summarize_many([seed_article()]))
    assert cached.cached and requested(live) == asked + 3


def test_a_failed_part_is_asked_again_alone(live, tmp_path):
    """A document whose second request failed: its first answer is kept; --retry-failed asks
    only the part that failed."""
    db = tmp_path / "ledger.sqlite3"
    flaky = settings(live, model="fixture:500", transport_attempts=1, concurrency=1)
    s = Summarizer(flaky, ledger=db, splitter=two_parts)
    [result] = list(s.summarize_many([seed_article()]))
    assert not result.ok and result.failure.reason.startswith("1 of 2 requests failed; first:")
    assert requested(live) == 2
    retry = Summarizer(flaky, ledger=db, splitter=two_parts)
    [again] = list(retry.summarize_many([seed_article()], run_id=s.run_id, retry_failed=True))
    # the failed part alone, then the summary from both parts' summaries
    assert again.ok and requested(live) == 4
    assert again.usage.attempts == 3  # the record's usage covers all its requests, once
    [row] = rows(db, s.run_id)
    assert (row.status, row.requests, row.attempts) == ("ok", 3, 3)
