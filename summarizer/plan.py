"""What to ask for one document: its requests, each with its own cache key.

A short article is one request (``kind`` "extract", the whole text), as it always was. A long
document is cut into overlapping sentence-aligned windows (``chunking.py``), one request each
(``kind`` "chunk"); a window whose answer reached the model's limits is asked again in two
halves (``kind`` "split"); and the document's summary is one more request, written from its
parts' summaries (``kind`` "summary"). Each is asked, cached, logged and resumed on its own, and
the document's record is assembled once all its parts are in. Messages and response models are
built only for requests that are actually sent (a cached answer needs neither).

Under the staged strategy (``strategies/staged.py``) an article that fits one request is asked
in stages instead: ``events`` (which sentences report one), then one ``fields`` request per event
sentence, and a ``brief`` for its summary, each a request of its own here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from summarizer.chunking import estimate_tokens, halves, windows
from summarizer.config import Settings
from summarizer.pipeline.summary_check import summary_problem
from summarizer.prompts import PromptSet, load_summary_prompt
from summarizer.providers.base import Check
from summarizer.quote_grammar import quote_constrained_model
from summarizer.store.keys import cache_key, document_key, part_key
from summarizer.strategies.sentences import article_sentences
from summarizer.strategies.staged import (
    BRIEF,
    EVENTS,
    FIELDS,
    StagedQuestions,
    kind_of,
    load_staged_prompts,
)
from summarizer.types.article import Article
from summarizer.types.extraction import DocumentSummary, ExtractedSummary


@dataclass(frozen=True)
class Request:
    kind: str  # "extract" (a whole article), "chunk", "split" (half of one), "summary"; staged:
    # "events:<version>", "fields:<version>", "brief:<version>"
    part: int  # its position among the document's requests
    text: str  # what it shows the model (for "summary": the parts' summaries, joined)
    key: str | None  # its cache key (None without a ledger)
    sentence: int | None = None  # a staged "fields" request: its sentence's number (from 1)


@dataclass(frozen=True)
class Plan:
    requests: tuple[Request, ...]
    key: str | None  # the document's key: its record is stored and found under it
    staged: bool = False  # requests: an "events" request per sentence, then the "brief";
    # the "fields" requests come once those are answered


class DocumentTooLong(ValueError):
    """Over ``max_document_tokens``: refused before anything is paid for."""


# Splits a document's model text into the texts of its requests (tests use their own).
Splitter = Callable[[Article], list[str]]


def whole(article: Article) -> list[str]:
    return [article.model_text]


def load_staged_version() -> str:
    """The staged prompts' version: part of a staged run's config (and so of its keys)."""
    return load_staged_prompts().version


class Planner:
    """Plans documents for one batch (one config, one prompt set)."""

    def __init__(
        self,
        settings: Settings,
        prompts: PromptSet,
        config_key: str | None,
        splitter: Splitter | None = None,
    ):
        self.settings = settings
        self.prompts = prompts
        self.config_key = config_key
        self.splitter = splitter or self._windows
        self.staged = (
            StagedQuestions(settings.quotes_constrained)
            if settings.extraction_strategy == "staged"
            else None
        )

    def _windows(self, article: Article) -> list[str]:
        size, overlap = self.settings.window_tokens, self.settings.chunk_overlap
        return [w.text for w in windows(article.model_text, size, overlap)]

    def plan(self, article: Article) -> Plan:
        tokens = estimate_tokens(article.model_text)
        limit = self.settings.max_document_tokens
        if tokens > limit:
            raise DocumentTooLong(
                f"about {tokens:,} tokens ({len(article.model_text):,} characters), over the "
                f"--max-document-tokens limit of {limit:,}: nothing was asked; raise the limit "
                "to summarise it"
            )
        texts = self.splitter(article)
        ck = self.config_key
        if len(texts) == 1 and texts[0] == article.model_text:
            if self.staged is not None:
                return self._staged(article)
            key = cache_key(ck, article) if ck else None
            return Plan((Request("extract", 0, texts[0], key),), key)
        # (A document longer than one request is asked in parts, one request each, under either
        # strategy: the staged questions are for an article the model reads whole.)
        requests = tuple(self._request(article, "chunk", n, t) for n, t in enumerate(texts))
        return Plan(requests, document_key([r.key for r in requests]) if ck else None)  # type: ignore[misc]

    def _request(self, article: Article, kind: str, part: int, text: str) -> Request:
        ck = self.config_key
        return Request(kind, part, text, part_key(ck, article, kind, part, text) if ck else None)

    @property
    def staged_version(self) -> str:
        """The staged prompts' version ("" under the single strategy)."""
        return self.staged.prompts.version if self.staged is not None else ""

    def _staged(self, article: Article) -> Plan:
        staged = self.staged
        assert staged is not None
        text = article.model_text
        ck = self.config_key
        kind = staged.kind(EVENTS)
        screens = [
            Request(kind, n, s, part_key(ck, article, kind, n, s) if ck else None, sentence=n)
            for n, s in enumerate(article_sentences(article), 1)
            if staged.asked(s)
        ]
        brief = self._request(article, staged.kind(BRIEF), 0, text)
        key = part_key(ck, article, staged.kind("staged"), 0, text) if ck else None
        return Plan((*screens, brief), key, staged=True)

    def fields(self, article: Article, answer: Any) -> list[Request]:
        """The staged ``fields`` requests for the event sentences a stage-1 ``answer`` picked."""
        staged = self.staged
        assert staged is not None
        ck = self.config_key
        first = len(article_sentences(article)) + 1  # after the brief (0) and the screens
        requests = []
        for n, number in enumerate(staged.event_sentences(article, answer)):
            kind = staged.kind(FIELDS)
            # Its key covers what it shows the model: its sentence.
            messages = staged.messages(article, FIELDS, number)
            shown = "\0".join(m["content"] for m in messages)
            key = part_key(ck, article, kind, number, shown) if ck else None
            requests.append(Request(kind, first + n, shown, key, sentence=number))
        return requests

    def split(self, article: Article, request: Request, first_part: int) -> list[Request] | None:
        """``request``'s text asked again in two halves (numbered from ``first_part``), or None
        when it is one sentence."""
        parts = halves(request.text)
        if parts is None:
            return None
        return [
            self._request(article, "split", first_part + n, w.text) for n, w in enumerate(parts)
        ]

    def summary(self, article: Article, summaries: list[str], part: int) -> Request:
        """The request for a long document's summary, from its parts' summaries."""
        prompt = load_summary_prompt()
        text = "\0".join(s.strip() for s in summaries)
        return self._request(article, f"summary:{prompt.version}", part, text)

    def messages(self, article: Article, request: Request) -> list[dict[str, str]]:
        if self.staged is not None and (stage := kind_of(request.kind)):
            return self.staged.messages(article, stage, request.sentence)
        if request.kind.startswith("summary"):
            return load_summary_prompt().messages(article, request.text.split("\0"))
        return self.prompts.messages(article, None if request.kind == "extract" else request.text)

    def check(self, article: Article, request: Request) -> Check | None:
        """What a valid answer to ``request`` must also pass: the summary of the article (its
        own, or a long document's, written from its parts') must not copy the headline nor
        state numbers or names the article does not. A part's summary is only raw material.
        A staged event's phrases must be written in its sentence."""
        if self.staged is not None and (stage := kind_of(request.kind)):
            return self.staged.check(article, stage, request.sentence)
        if request.kind != "extract" and not request.kind.startswith("summary"):
            return None
        return lambda answer: summary_problem(answer.summary, article.headline, article.text)

    def response_model(self, article: Article, request: Request) -> type:
        if self.staged is not None and (stage := kind_of(request.kind)):
            return self.staged.response_model(article, stage, request.sentence)
        if request.kind.startswith("summary"):
            return DocumentSummary
        if self.settings.quotes_constrained:
            return quote_constrained_model(request.text, article.headline)
        return ExtractedSummary

    def parse_model(self, request: Request) -> type:
        """The model a logged answer to ``request`` is read back with."""
        if stage := kind_of(request.kind):
            return StagedQuestions.parse_model(stage)
        return DocumentSummary if request.kind.startswith("summary") else ExtractedSummary
