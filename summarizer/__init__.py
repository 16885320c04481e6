"""summarizer: news articles -> faithful summaries and grounded, ACLED-style event records.

Python API (the CLI is a thin layer over it)::

    from summarizer import summarize, summarize_many, Settings

    summary = summarize("seeds/000_7f59d95cd243b889.txt")
    for result in summarize_many(["seeds/"], Settings(base_url="http://localhost:11434/v1",
                                                       model="qwen2.5:7b")):
        print(result.source, result.summary if result.ok else result.failure.reason)
"""

__version__ = "0.1.0"

from .api import (  # noqa: E402
    Result,
    SummarizeError,
    Summarizer,
    asummarize,
    asummarize_many,
    summarize,
    summarize_many,
)
from .ingest import Article, iter_articles  # noqa: E402
from .schema import ArticleSummary, EventRecord, Failure  # noqa: E402
from .settings import Settings  # noqa: E402

__all__ = [
    "Article",
    "ArticleSummary",
    "EventRecord",
    "Failure",
    "Result",
    "Settings",
    "SummarizeError",
    "Summarizer",
    "asummarize",
    "asummarize_many",
    "iter_articles",
    "summarize",
    "summarize_many",
]
