"""The seed results the export and eval tests work on, made offline from what is recorded:

* ``reference_summaries``: the hand-written reference extractions (tests/fixtures/reference)
  through ``build_summary``, as the fixture server's run produces them;
* ``embedded_summaries``: the embedded model's recorded answers (the message content of the
  cassettes in cassettes/test_embedded_replay/) through ``build_summary``, with the recorded
  token usage;
* ``replay_cli_run``: the CLI's recorded seed run replayed through the whole stack (vcrpy, the
  CLI test's cassette), written as a results file exactly as ``summarizer run --out`` does.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml

from summarizer.ingest import read_article_file
from summarizer.pipeline.assemble import build_summary
from summarizer.providers.local_models import DEFAULT_EMBEDDED_MODEL
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


def embedded_answer(seed_id: str) -> tuple[ExtractedSummary, Usage]:
    path = CASSETTES / "test_embedded_replay" / f"test_embedded_model_on_seed[{seed_id}].yaml"
    interactions = yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]
    body = json.loads(interactions[-1]["response"]["body"]["string"])
    usage = Usage(
        prompt_tokens=sum(
            json.loads(i["response"]["body"]["string"])["usage"]["prompt_tokens"]
            for i in interactions
        ),
        completion_tokens=sum(
            json.loads(i["response"]["body"]["string"])["usage"]["completion_tokens"]
            for i in interactions
        ),
        attempts=len(interactions),
    )
    content = body["choices"][0]["message"]["content"]
    return ExtractedSummary.model_validate_json(content), usage


def embedded_summaries() -> list[ArticleSummary]:
    out = []
    for seed in SEEDS:
        extracted, usage = embedded_answer(seed.stem)
        out.append(
            build_summary(
                _article(seed),
                extracted,
                model=DEFAULT_EMBEDDED_MODEL,
                endpoint="embedded",
                prompt_version="recorded",
                usage=usage,
                created_at=CREATED,
            )
        )
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
