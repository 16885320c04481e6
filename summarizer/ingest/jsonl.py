"""``.jsonl`` files: one article per line, ``{"text", "id"?, "title"/"headline"?, "outlet"?,
"published"? (YYYY-MM-DD), "url"?}``. Streamed, never loaded whole; a bad line is one failure
naming ``file:LINE`` and the field, and the rest go on."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from summarizer.ingest.registry import Reader
from summarizer.ingest.text import article_from_text
from summarizer.types.article import Article, IngestError, InputError

_JSON_KINDS = {
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    list: "an array",
    dict: "an object",
    type(None): "null",
}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_OPTIONAL_STRINGS = ("title", "headline", "outlet", "url")


def _kind(value: object) -> str:
    return _JSON_KINDS.get(type(value), type(value).__name__)


def _shown(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _valid_date(iso: str) -> bool:
    try:
        dt.date.fromisoformat(iso)
    except ValueError:
        return False
    return True


def check_record(obj: object) -> str | None:
    """The first problem with one JSONL record's fields, or None. A few type checks, not a
    schema: this runs once per line of files with 100,000 lines."""
    if not isinstance(obj, dict):
        return f"not a JSON object ({_kind(obj)})"
    if "text" not in obj and "html" not in obj:
        return "JSON object has no 'text' (or 'html') field"
    field = "text" if "text" in obj else "html"
    text = obj[field]
    if not isinstance(text, str):
        return f"'{field}' must be a string, not {_kind(text)}"
    if not text.strip():
        return f"'{field}' is empty"
    article_id = obj.get("id")
    # bool is an int to Python but not an id to anyone
    if article_id is not None and (
        isinstance(article_id, bool) or not isinstance(article_id, (str, int))
    ):
        kind = "a fractional number" if isinstance(article_id, float) else _kind(article_id)
        return f"'id' must be a string or an integer, not {kind}"
    for name in _OPTIONAL_STRINGS:
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            return f"'{name}' must be a string, not {_kind(value)}"
    published = obj.get("published")
    if published is not None:
        if not isinstance(published, str):
            return f"'published' must be a YYYY-MM-DD date, not {_kind(published)}"
        # "" has always meant no date; fullmatch on [:10] keeps "2019-05-11T08:00" usable
        if published and not (_ISO_DATE.fullmatch(published[:10]) and _valid_date(published[:10])):
            return f"'published' must be a YYYY-MM-DD date, not {_shown(published)}"
    return None


def articles_from_lines(
    lines: Iterable[bytes], source: str, stem: str
) -> Iterator[Article | IngestError]:
    """JSONL records, each line decoded on its own: a line that is not UTF-8 is one failure."""
    for lineno, raw in enumerate(lines, 1):
        where = f"{source}:{lineno}"
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8-sig"))  # a BOM would only be on the first
        except UnicodeDecodeError as exc:
            yield IngestError(where, f"not UTF-8 text (bad byte at offset {exc.start})")
            continue
        except json.JSONDecodeError as exc:
            yield IngestError(where, f"invalid JSON ({exc.msg})")
            continue
        except RecursionError:  # e.g. a line of 100,000 '['
            yield IngestError(where, "invalid JSON (nested too deeply)")
            continue
        yield article_from_record(obj, where, f"{stem}-{lineno}")


def article_from_record(obj: object, where: str, default_id: str) -> Article | IngestError:
    """One JSONL-shaped record (``text`` or ``html``, ``id``, ``title``, ``outlet``,
    ``published``, ``url``) as an article, or the reason it is not one. Also reads the rows of
    a Dask bag or dataframe of articles (``runtime/distributed.py``)."""
    problem = check_record(obj)
    if problem:
        return IngestError(where, problem)
    assert isinstance(obj, dict)
    published = obj.get("published")
    try:
        if "text" not in obj:  # a web page: its main text, as for an .html file
            return _from_html(obj, where, default_id)
        return article_from_text(
            obj["text"],
            str(obj.get("id") or default_id),
            source_path=where,
            headline=obj.get("headline") or obj.get("title"),
            outlet=obj.get("outlet"),
            published=dt.date.fromisoformat(published[:10]) if published else None,
            url=obj.get("url"),
        )
    except (TypeError, ValueError, InputError) as exc:  # still one failure, not the batch
        return IngestError(where, str(exc) or type(exc).__name__)


def _from_html(obj: dict, where: str, default_id: str) -> Article:
    """A record with ``html``: the page's article, the record's own fields winning over what the
    page says (an archive knows its URL and date better than a scraped page does)."""
    from summarizer.ingest.html import article_from_html

    article = article_from_html(
        obj["html"], str(obj.get("id") or default_id), source_path=where, url=obj.get("url")
    )
    published = obj.get("published")
    changes = {
        "headline": obj.get("headline") or obj.get("title"),
        "outlet": obj.get("outlet"),
        "published": dt.date.fromisoformat(published[:10]) if published else None,
    }
    return replace(article, **{k: v for k, v in changes.items() if v})


def _read(path: Path) -> Iterator[Article | IngestError]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield IngestError(str(path), f"cannot read ({exc.strerror or exc})")
        return
    with handle:
        yield from articles_from_lines(handle, str(path), path.stem)


def _count(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return 1  # reading it will report the problem, as one failure


def _reopen(path: Path, locator: str | None) -> str:
    if locator is None:
        raise ValueError("no line number in the source")
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, 1):
            if lineno == int(locator):
                obj = json.loads(raw.decode("utf-8-sig"))
                if "text" not in obj:
                    return _from_html(obj, f"{path}:{lineno}", "page").text
                return obj["text"]
    raise ValueError(f"it has no line {locator}")


JSONL = Reader("JSON Lines", (".jsonl",), read=_read, reopen=_reopen, count=_count)
