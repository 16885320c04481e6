"""The embedded model, replayed from cassettes recorded over its real HTTP API (llama.cpp
serving the packaged Qwen2.5-Coder 1.5B). The answers are the model's own, so the tests check
invariants, not contents. `-m local` runs the real model instead (slow; not in CI)."""

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
