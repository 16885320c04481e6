"""Parquet export (pyarrow): a directory holding two tables that pandas, DuckDB and Dask read as
they are (``pd.read_parquet(OUT / "events.parquet")``, ``SELECT * FROM 'OUT/*.parquet'``...).

* ``events.parquet``: one row per event, the CSV's ACLED-style columns (``export/csv.py``) with
  their own types (dates as dates, counts as integers, coordinates as doubles, ``grounded`` as a
  boolean), plus ``suspect_source``. Events whose only evidence is a planted instruction are left
  out unless asked for, as in the CSV.
* ``articles.parquet``: one row per summarised article: its fields, lists as lists, the number
  of events, provenance (model, endpoint, prompt, usage, when) and the run's estimated cost.

The schemas are explicit (``EVENTS_SCHEMA``, ``ARTICLES_SCHEMA``), so an empty run, or a column
empty in every row, still has its type. Rows are written in row groups as they are made: a run of
a million articles is never one table in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from summarizer.export.csv import COLUMNS, event_row, exported_events
from summarizer.types.records import ArticleSummary

INSTALL_HINT = "Parquet export needs pyarrow: pip install 'summarizer[parquet]'"
EVENTS_FILE = "events.parquet"
ARTICLES_FILE = "articles.parquet"
ROWS_PER_GROUP = 10_000


class ParquetUnavailable(RuntimeError):
    pass


def _pa():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ParquetUnavailable(INSTALL_HINT) from None
    return pa, pq


# The CSV columns whose values are not text, and their types; the rest are strings.
_EVENT_TYPES = {
    "event_date": "date32",
    "event_date_end": "date32",
    "year": "int32",
    "time_precision": "int8",
    "iso": "int32",
    "latitude": "float64",
    "longitude": "float64",
    "geo_precision": "int8",
    "fatalities": "int32",
    "fatalities_low": "int32",
    "fatalities_best": "int32",
    "fatalities_high": "int32",
    "grounded": "bool",
}
EVENT_COLUMNS = [*COLUMNS, "suspect_source"]

_ARTICLE_FIELDS = [
    ("article_id", "string"),
    ("source_path", "string"),
    ("headline", "string"),
    ("outlet", "string"),
    ("published", "date32"),
    ("url", "string"),
    ("author", "string"),
    ("sha256", "string"),
    ("text_length", "int64"),
    ("chunks", "int32"),
    ("summary", "string"),
    ("summary_unverified", "string"),
    ("key_points", "list<string>"),
    ("sources_cited", "list<string>"),
    ("warnings", "list<string>"),
    ("events", "int32"),
    ("grounded_events", "int32"),
    ("model", "string"),
    ("endpoint", "string"),
    ("prompt_version", "string"),
    ("schema_version", "string"),
    ("prompt_tokens", "int64"),
    ("completion_tokens", "int64"),
    ("attempts", "int32"),
    ("latency_s", "float64"),
    ("created_at", "timestamp[us, UTC]"),
    ("gazetteer", "string"),
    ("cost_usd", "float64"),
]


def _type(pa, name: str):
    simple = {
        "string": pa.string(),
        "date32": pa.date32(),
        "int8": pa.int8(),
        "int32": pa.int32(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "list<string>": pa.list_(pa.string()),
        "timestamp[us, UTC]": pa.timestamp("us", tz="UTC"),
    }
    return simple[name]


def events_schema():
    pa, _ = _pa()
    fields = [pa.field(c, _type(pa, _EVENT_TYPES.get(c, "string"))) for c in COLUMNS]
    return pa.schema([*fields, pa.field("suspect_source", pa.bool_())])


def articles_schema():
    pa, _ = _pa()
    return pa.schema([pa.field(n, _type(pa, t)) for n, t in _ARTICLE_FIELDS])


def _event_rows(
    summaries: Iterable[ArticleSummary], include_suspect: bool
) -> Iterator[dict[str, object]]:
    for summary, event in exported_events(summaries, include_suspect):
        row = event_row(summary, event)
        for name in ("event_date", "event_date_end"):
            if row[name] is not None:
                row[name] = dt.date.fromisoformat(row[name])  # type: ignore[arg-type]
        row["grounded"] = event.grounded
        row["suspect_source"] = event.suspect_source
        yield row


def _article_row(summary: ArticleSummary, cost: float | None) -> dict[str, object]:
    prov = summary.provenance
    return {
        "article_id": summary.article_id,
        "source_path": summary.source_path,
        "headline": summary.headline,
        "outlet": summary.outlet,
        "published": summary.published,
        "url": summary.url,
        "author": summary.author,
        "sha256": summary.sha256,
        "text_length": summary.text_length,
        "chunks": summary.chunks,
        "summary": summary.summary,
        "summary_unverified": summary.summary_unverified,
        "key_points": summary.key_points,
        "sources_cited": summary.sources_cited,
        "warnings": summary.warnings,
        "events": len(summary.events),
        "grounded_events": summary.grounded_events,
        "model": prov.model,
        "endpoint": prov.endpoint,
        "prompt_version": prov.prompt_version,
        "schema_version": prov.schema_version,
        "prompt_tokens": prov.usage.prompt_tokens,
        "completion_tokens": prov.usage.completion_tokens,
        "attempts": prov.usage.attempts,
        "latency_s": prov.usage.latency_s,
        "created_at": prov.created_at
        if prov.created_at.tzinfo
        else prov.created_at.replace(tzinfo=dt.UTC),
        "gazetteer": prov.gazetteer,
        "cost_usd": cost,
    }


class _Table:
    """One Parquet file written in row groups as its rows come."""

    def __init__(self, path: Path, schema) -> None:
        self.pa, pq = _pa()
        self.schema = schema
        self.writer = pq.ParquetWriter(path, schema)
        self.batch: list[dict[str, object]] = []
        self.count = 0

    def add(self, row: dict[str, object]) -> None:
        self.batch.append(row)
        if len(self.batch) >= ROWS_PER_GROUP:
            self._flush()

    def _flush(self) -> None:
        self.writer.write_table(self.pa.Table.from_pylist(self.batch, schema=self.schema))
        self.count += len(self.batch)
        self.batch = []

    def close(self) -> int:
        if self.batch or not self.count:  # an empty run still gets a file with the schema
            self._flush()
        self.writer.close()
        return self.count


def write_parquet(
    summaries: Iterable[ArticleSummary],
    out: Path,
    costs: dict[str, float | None] | None = None,
    include_suspect: bool = False,
) -> tuple[int, int]:
    """Write ``out/articles.parquet`` and ``out/events.parquet`` (``out`` is made as a
    directory) in one pass over ``summaries``, which may be a stream (``store.runs.stream_run``:
    ``costs`` fills as it is read); returns (articles, events) written."""
    _pa()  # say what to install before making anything
    if out.exists() and not out.is_dir():
        raise ParquetUnavailable(f"{out}: parquet export writes a directory; this is a file")
    out.mkdir(parents=True, exist_ok=True)
    costs = costs if costs is not None else {}
    articles = _Table(out / ARTICLES_FILE, articles_schema())
    events = _Table(out / EVENTS_FILE, events_schema())
    try:
        for summary in summaries:
            articles.add(_article_row(summary, costs.get(summary.article_id)))
            for row in _event_rows([summary], include_suspect):
                events.add(row)
    finally:
        written = articles.close(), events.close()
    return written
