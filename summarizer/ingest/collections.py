"""Articles from a Dask bag or dataframe, read partition by partition (a distributed run's input).

A bag's elements may be ``Article`` objects, JSONL-shaped dicts (``text`` or ``html``, ``id``,
``title``, ``outlet``, ``published``, ``url``), or paths (read here, as any path input). A
dataframe's rows are such dicts (its columns the same names); pandas' missing values (NaN, NaT)
are absent fields and a timestamp column of publication dates is taken as dates.

Only one partition is held at a time, while the next is computed on the cluster: a corpus much
larger than memory streams through. ``compute`` turns one of the collection's delayed
partitions into a future-like object with ``result()`` (a distributed ``Client.compute``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from summarizer.ingest.jsonl import article_from_record
from summarizer.types.article import Article, IngestError


def is_collection(items: object) -> bool:
    """A Dask collection (bag or dataframe), without importing Dask when it is not one."""
    module = type(items).__module__ or ""
    return module.split(".")[0] == "dask" and hasattr(items, "to_delayed")


def iter_collection(
    collection, compute: Callable, read_paths: Callable[[list], Iterator]
) -> Iterator[Article | IngestError]:
    """The collection's articles in order. ``read_paths`` reads path elements (a bag of
    paths) as the ordinary inputs are read."""
    frame = hasattr(collection, "columns")
    name = "dataframe" if frame else "bag"
    parts = collection.to_delayed()
    if hasattr(parts, "flatten"):  # a dataframe's may come as an array
        parts = list(parts.flatten())
    ahead = [compute(p) for p in parts[:2]]  # the next partition computes while one is read
    position = 0
    for n in range(len(parts)):
        data = ahead.pop(0).result()
        if n + 2 < len(parts):
            ahead.append(compute(parts[n + 2]))
        rows = _frame_records(data) if frame else data
        for element in rows:
            where = f"{name}[{position}]"
            default_id = f"{name}-{position}"
            position += 1
            if isinstance(element, Article):
                yield element
            elif isinstance(element, dict):
                yield article_from_record(_plain(element), where, default_id)
            elif isinstance(element, (str, Path)):
                yield from read_paths([element])
            else:
                yield IngestError(where, f"not an article, a record or a path: {type(element)}")


def _frame_records(frame) -> Iterable[dict]:
    return frame.to_dict("records")


def _plain(record: dict) -> dict:
    """A record's values as JSON would give them: missing values dropped, dates as text,
    numbers as Python's."""
    out = {}
    for name, value in record.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if type(value).__name__ in ("NaTType", "NAType"):
            continue
        if isinstance(value, (dt.date, dt.datetime)) or hasattr(value, "isoformat"):
            value = value.isoformat()[:10]
        elif hasattr(value, "item") and not isinstance(value, str):  # a NumPy scalar
            value = value.item()
        out[str(name)] = value
    return out
