"""The seed results the export and eval tests work on, made offline from what is recorded:

* ``reference_summaries``: the hand-written reference extractions (tests/fixtures/reference)
  through ``build_summary``, as the fixture server's run produces them;
* ``embedded_summaries``: the embedded model's recorded runs (cassettes/test_embedded_replay/)
  replayed through the whole stack, as ``summarizer run seeds/`` makes them;
* ``replay_cli_run``: the CLI's recorded seed run replayed through the whole stack (vcrpy, the
  CLI test's cassette), written as a results file exactly as ``summarizer run --out`` does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from summarizer.ingest import read_article_file
from summarizer.pipeline.assemble import build_summary
from summarizer.types.extraction import ExtractedSummary
from summarizer.types.records import ArticleSummary, Usage
from tests.conftest import CASSETTES, RECORDING_KEY, REPLAY_URL, ROOT, SEEDS, json_body_matcher

REFERENCE = ROOT / "tests" / "fixtures" / "reference"
GOLD = ROOT / "tests" / "gold" / "seeds.jsonl"
CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _article(seed: Path):
    article = read_article_file(seed)
    assert not hasattr(article, "reason"), article
    return article


def reference_summaries() -> list[ArticleSummary]:
    return [
        build_summary(
            _article(seed),
            ExtractedSummary.model_validate_json((REFERENCE / f"{seed.stem}.json").read_text()),
            model="fixture",
            endpoint="http://127.0.0.1:9/v1",
            prompt_version="reference",
            usage=Usage(),
            created_at=CREATED,
        )
        for seed in SEEDS
    ]


def embedded_summaries() -> list[ArticleSummary]:
    """The embedded model's recorded seed runs (one cassette per seed, every request of the
    article's staged run in it), replayed through the whole stack."""
    import vcr

    from summarizer import Settings, Summarizer

    recorder = vcr.VCR(
        record_mode="none",
        decode_compressed_response=True,
        match_on=["method", "scheme", "path", "json_body"],
    )
    recorder.register_matcher("json_body", json_body_matcher)
    out = []
    for seed in SEEDS:
        path = CASSETTES / "test_embedded_replay" / f"test_embedded_model_on_seed[{seed.stem}].yaml"
        with recorder.use_cassette(str(path)):
            summary = Summarizer(Settings(embedded_url=REPLAY_URL)).summarize(_article(seed))
        provenance = summary.provenance.model_copy(update={"created_at": CREATED})
        out.append(summary.model_copy(update={"provenance": provenance}))
    return out


def write_results(summaries: list[ArticleSummary], out: Path) -> Path:
    out.write_text("".join(s.model_dump_json() + "\n" for s in summaries), encoding="utf-8")
    return out


def replay_cli_run(out: Path) -> Path:
    """Replay the CLI's recorded seed run (fixture server answers) into a results file."""
    import vcr

    from summarizer import Settings, Summarizer
    from summarizer.store.results_file import JsonlWriter

    recorder = vcr.VCR(
        record_mode="none",
        decode_compressed_response=True,
        match_on=["method", "scheme", "path", "json_body"],
    )
    recorder.register_matcher("json_body", json_body_matcher)
    cassette = CASSETTES / "test_cli" / "test_run_seeds_prints_tables_and_writes_valid_jsonl.yaml"
    settings = Settings(base_url=REPLAY_URL, api_key=RECORDING_KEY, model="fixture", mode="tools")
    with recorder.use_cassette(str(cassette)), JsonlWriter(out) as writer:
        for result in Summarizer(settings).summarize_many([str(p) for p in SEEDS]):
            writer.write(result.summary or result.failure)
    return out
