"""The embedded model, replayed from cassettes recorded over its real HTTP API (llama.cpp
serving the packaged Qwen2.5-Coder 1.5B). The answers are the model's own, so the tests check
invariants, not contents. `-m local` runs the real model instead (slow; not in CI)."""

from pathlib import Path

import pytest

from summarizer import Settings, Summarizer
from summarizer.providers.local_models import DEFAULT_EMBEDDED_MODEL
from summarizer.quote_grammar import split_sentences
from summarizer.types.records import ArticleSummary, MatchStatus
from tests.conftest import SEED_IDS

UNDATED = {"001_99316f61b9136f9d", "002_4a63372d829b355a", "003_6b1604286af0b08a"}


def check_invariants(summary: ArticleSummary, article) -> None:
    assert ArticleSummary.model_validate_json(summary.model_dump_json()) == summary
    assert summary.provenance.model == DEFAULT_EMBEDDED_MODEL
    assert summary.provenance.endpoint == "embedded"
    sentences = set(split_sentences(article.model_text))
    for event in summary.events:
        for ev in event.evidence:
            # Decoding was constrained to the article's own sentences: every quote is one.
            assert ev.quote in sentences
            assert ev.status is MatchStatus.EXACT
            assert article.text[ev.start : ev.end] == ev.quote
    if article.id in UNDATED:
        assert summary.published is None


@pytest.mark.vcr
@pytest.mark.parametrize("seed", SEED_IDS)
def test_embedded_model_on_seed(seed, embedded_url, seed_articles):
    article = seed_articles[seed]
    summary = Summarizer(Settings(embedded_url=embedded_url)).summarize(article)
    check_invariants(summary, article)
    assert summary.events, "the model found no event at all"
    usage = summary.provenance.usage
    assert usage.attempts >= 1 and usage.prompt_tokens > 500 and usage.completion_tokens > 50


@pytest.mark.local
def test_real_embedded_model_on_one_seed(seed_articles):
    article = seed_articles["004_b7d2140178b5259b"]
    summary = Summarizer(Settings()).summarize(article)
    check_invariants(summary, article)


INDEPENDENT = Path(__file__).resolve().parent / "independent"


def long_document(seed_articles):
    """About 40 KB of distinct reports as one document (a newsroom's daily digest), longer than
    the embedded model's context: the five sample articles, seven more, and the start of a UN
    update, which comes last."""
    from summarizer.ingest import article_from_text

    bodies = [seed_articles[s].model_text for s in SEED_IDS]
    bodies += [p.read_text() for p in sorted((INDEPENDENT / "articles").glob("*.txt"))]
    update = (INDEPENDENT / "long" / "report.txt").read_text()[:9000]
    text = "Daily digest: the war in Syria\n\n" + "\n\n".join([*bodies, update])
    return article_from_text(text, "digest", source_path="mem/digest.txt"), len(text) - len(update)


@pytest.mark.local
def test_real_embedded_model_on_a_document_longer_than_its_context(seed_articles):
    """No context error: the document is asked in parts, and events come from its last part."""
    article, last_part = long_document(seed_articles)
    assert len(article.text) > 38_000
    summary = Summarizer(Settings()).summarize(article)
    assert summary.chunks > 1
    assert any(ev.start >= last_part for e in summary.events for ev in e.evidence if ev.start)
    for event in summary.events:
        for ev in event.evidence:
            assert ev.status is MatchStatus.EXACT and article.text[ev.start : ev.end] == ev.quote
