"""summarizer: news articles -> faithful summaries and grounded, ACLED-style event records.

Python API (the CLI is a thin layer over it)::

    from summarizer import summarize, summarize_many, Settings

    summary = summarize("seeds/000_7f59d95cd243b889.txt")
    for result in summarize_many(["seeds/"], Settings(base_url="http://localhost:11434/v1",
                                                       model="qwen2.5:7b")):
        print(result.source, result.summary if result.ok else result.failure.reason)
"""

__version__ = "0.1.0"

from summarizer.config import Settings
from summarizer.ingest import Article, iter_articles
from summarizer.types.outcome import Result
from summarizer.types.records import ArticleSummary, EventRecord, Failure

# The API proper is imported on first use: it brings the openai client (~1.5 s of imports), which
# the CLI's reading commands (runs, show, export, eval, --help) never need.
_API = {
    "SummarizeError",
    "Summarizer",
    "asummarize",
    "asummarize_many",
    "summarize",
    "summarize_many",
}


def __getattr__(name: str):
    if name in _API:
        from summarizer import api

        return getattr(api, name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")


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
