"""What to ask for one document: its requests, each with its own cache key.

A short article is one request (``kind`` "extract", the whole text). A document may take several
(the chunks of a long report): each is asked, cached, logged and resumed on its own, and the
document's record is assembled once all its parts are in. Messages and response models are
built only for requests that are actually sent (a cached answer needs neither).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from summarizer.config import Settings
from summarizer.prompts import PromptSet
from summarizer.quote_grammar import quote_constrained_model
from summarizer.store.keys import cache_key, document_key, part_key
from summarizer.types.article import Article
from summarizer.types.extraction import ExtractedSummary


@dataclass(frozen=True)
class Request:
    kind: str  # "extract": a whole article; "chunk": a window of a long document
    part: int  # its position among the document's requests
    text: str  # what it shows the model
    key: str | None  # its cache key (None without a ledger)


@dataclass(frozen=True)
class Plan:
    requests: tuple[Request, ...]
    key: str | None  # the document's key: its record is stored and found under it


# Splits a document's model text into the texts of its requests (one: the whole of it).
Splitter = Callable[[Article], list[str]]


def whole(article: Article) -> list[str]:
    return [article.model_text]


class Planner:
    """Plans documents for one batch (one config, one prompt set)."""

    def __init__(
        self,
        settings: Settings,
        prompts: PromptSet,
        config_key: str | None,
        splitter: Splitter = whole,
    ):
        self.settings = settings
        self.prompts = prompts
        self.config_key = config_key
        self.splitter = splitter

    def plan(self, article: Article) -> Plan:
        texts = self.splitter(article)
        ck = self.config_key
        if len(texts) == 1 and texts[0] == article.model_text:
            key = cache_key(ck, article) if ck else None
            return Plan((Request("extract", 0, texts[0], key),), key)
        requests = tuple(
            Request("chunk", n, text, part_key(ck, article, "chunk", n, text) if ck else None)
            for n, text in enumerate(texts)
        )
        keys = [r.key for r in requests]
        return Plan(requests, document_key(keys) if ck else None)  # type: ignore[arg-type]

    def messages(self, article: Article, request: Request) -> list[dict[str, str]]:
        return self.prompts.messages(article, None if request.kind == "extract" else request.text)

    def response_model(self, article: Article, request: Request) -> type[ExtractedSummary]:
        if self.settings.quotes_constrained:
            return quote_constrained_model(request.text, article.headline)
        return ExtractedSummary
