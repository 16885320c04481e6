"""Files, directories, globs, JSONL and standard input (``-``) -> ``Article``.

Ingest never raises for one bad input: it yields an ``IngestError`` naming the file and the
problem, and the caller carries on with the others. The original text is kept byte-for-byte (as
decoded) and every stored offset indexes it; ``model_text`` is what the model sees, with page
furniture dropped.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import itertools
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

# Lines that are page furniture, not reporting. Matched against a stripped line.
_FURNITURE = re.compile(
    r"""^(?:
        click\ (?:here\ )?to\ enlarge\.?
      | comments?
      | popular\ posts\ from\ this\ blog
      | read:\ .*
      | photo\ by:?.*
      | \d+\ min\ read
      | clear
      | share(?:\ this)?(?:\ article)?
      | advertisement
      | route\ \d+
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Stop reading at these lines: what follows is another page's teaser list.
_TRAILER = re.compile(r"^(?:comments|popular posts from this blog)$", re.IGNORECASE)
# A site slogan such as "Creating new perspectives since 2009" is not a headline.
_TAGLINE = re.compile(r"\bsince (?:19|20)\d\d\.?$", re.IGNORECASE)

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A dateline is a line that is only a date (optionally with a time), near the top.
_DATELINE = re.compile(
    rf"""^(?:
        (?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTHS}),?\s+(?P<y1>\d{{4}})
      | (?P<m2>{_MONTHS})\s+(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}})
    )(?:\s*(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?(?:\s*(?:GMT|UTC))?$""",
    re.IGNORECASE | re.VERBOSE,
)
_DATELINE_WINDOW = 12  # non-empty lines from the top in which a dateline counts
# A closing credit such as "TRTWorld and agencies" names the outlet.
_CREDIT = re.compile(r"^(?P<outlet>[A-Z][\w.\- ]{1,40}?) and agencies\.?$")


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    headline: str
    sha256: str
    outlet: str | None = None
    published: dt.date | None = None
    url: str | None = None
    source_path: str | None = None
    # What the model is shown: ``text`` without page furniture.
    model_text: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.model_text:
            object.__setattr__(self, "model_text", self.text)


@dataclass(frozen=True)
class IngestError:
    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class InputError(ValueError):
    """Raised only by ``article_from_text`` callers asking for one article; batches yield
    ``IngestError`` instead."""


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_dateline(line: str) -> dt.date | None:
    m = _DATELINE.match(line.strip())
    if not m:
        return None
    day, month, year = (m["d1"], m["m1"], m["y1"]) if m["d1"] else (m["d2"], m["m2"], m["y2"])
    try:
        return dt.datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date()
    except ValueError:
        return None


def _is_furniture(line: str) -> bool:
    return bool(_FURNITURE.match(line))


def article_from_text(
    text: str,
    article_id: str,
    *,
    source_path: str | None = None,
    headline: str | None = None,
    outlet: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
) -> Article:
    """Build an ``Article`` from raw text; metadata not given is read from the text if stated."""
    if not text.strip():
        raise InputError("empty article")
    lines = text.splitlines(keepends=True)
    stripped = [ln.strip() for ln in lines]
    nonempty = [s for s in stripped if s]

    if headline is None:
        headline = next(
            (s for s in nonempty if not _is_furniture(s) and not _TAGLINE.search(s)),
            nonempty[0],
        )
    if published is None:
        published = next((d for s in nonempty[:_DATELINE_WINDOW] if (d := parse_dateline(s))), None)
    if outlet is None:
        outlet = next(
            (m["outlet"] for s in reversed(nonempty[-3:]) if (m := _CREDIT.match(s))), None
        )

    # Drop furniture and whatever follows a trailer. Offsets are found later by locating the
    # model's quotes in the original ``text``, so the model's copy may be shorter.
    # Runs of blank lines become one (a paragraph break).
    kept: list[str] = []
    for s in stripped:
        if _TRAILER.match(s):
            break
        if (s or (kept and kept[-1])) and not _is_furniture(s):
            kept.append(s)
    model_text = "\n".join(kept).strip()

    return Article(
        id=article_id,
        text=text,
        headline=headline,
        sha256=sha256_text(text),
        outlet=outlet,
        published=published,
        url=url,
        source_path=source_path,
        model_text=model_text,
    )


def read_article_file(path: Path) -> Article | IngestError:
    """Read one ``.txt`` article; problems come back as an ``IngestError`` naming the file."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return IngestError(name, "no such file")
    except IsADirectoryError:
        return IngestError(name, "is a directory")
    except OSError as exc:
        return IngestError(name, f"cannot read ({exc.strerror or exc})")
    if not raw.strip():
        return IngestError(name, "empty file")
    if b"\x00" in raw[:8192]:
        return IngestError(name, "binary file (contains NUL bytes), expected UTF-8 text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return IngestError(name, f"not UTF-8 text (bad byte at offset {exc.start})")
    return article_from_text(text, path.stem, source_path=name)


def _articles_from_jsonl(path: Path) -> Iterator[Article | IngestError]:
    """One JSON object per line: ``{"id", "text"}`` and optionally ``title``/``headline``,
    ``outlet``, ``published`` (YYYY-MM-DD), ``url``. Streamed, never loaded whole."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield IngestError(str(path), f"cannot read ({exc.strerror or exc})")
        return
    with handle:
        yield from _articles_from_lines(handle, str(path), path.stem)


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


def _check_record(obj: object) -> str | None:
    """The first problem with one JSONL record's fields, or None. A few type checks, not a
    schema: this runs once per line of files with 100,000 lines."""
    if not isinstance(obj, dict):
        return f"not a JSON object ({_kind(obj)})"
    if "text" not in obj:
        return "JSON object has no 'text' field"
    text = obj["text"]
    if not isinstance(text, str):
        return f"'text' must be a string, not {_kind(text)}"
    if not text.strip():
        return "'text' is empty"
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


def _articles_from_lines(
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
        problem = _check_record(obj)
        if problem:
            yield IngestError(where, problem)
            continue
        published = obj.get("published")
        try:
            article = article_from_text(
                obj["text"],
                str(obj.get("id") or f"{stem}-{lineno}"),
                source_path=where,
                headline=obj.get("headline") or obj.get("title"),
                outlet=obj.get("outlet"),
                published=dt.date.fromisoformat(published[:10]) if published else None,
                url=obj.get("url"),
            )
        except (TypeError, ValueError, InputError) as exc:  # still one failure, not the batch
            yield IngestError(where, str(exc) or type(exc).__name__)
            continue
        yield article


STDIN = "-"  # as an input: standard input, one article's text or JSONL records
INPUT_SUFFIXES = (".txt", ".jsonl")  # the files a directory given as input is read for
_STDIN_PATH = Path(STDIN)


def _articles_from_stdin(stream: BinaryIO | None = None) -> Iterator[Article | IngestError]:
    """``-``: JSONL records when the first thing on standard input is ``{``, streamed line by
    line; otherwise the whole of it is one article's text."""
    stream = stream or sys.stdin.buffer
    head: list[bytes] = []  # up to the first line that is not blank, kept as lines: line
    while not (head and head[-1].strip()):  # numbers in errors count the blank ones too
        line = stream.readline()
        if not line:
            yield IngestError("<stdin>", "empty input")
            return
        head.append(line)
    if head[-1].strip().removeprefix(b"\xef\xbb\xbf").startswith(b"{"):
        yield from _articles_from_lines(itertools.chain(head, stream), "<stdin>", "stdin")
        return
    raw = b"".join(head) + stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield IngestError("<stdin>", f"not UTF-8 text (bad byte at offset {exc.start})")
        return
    yield article_from_text(text, f"stdin-{sha256_text(text)[:12]}", source_path="<stdin>")


def expand_inputs(inputs: Iterable[str | Path]) -> Iterator[Path | IngestError]:
    """Directories -> their ``.txt``/``.jsonl`` files (sorted), globs -> matches, files as given.
    Each file (by resolved path) and ``-`` comes once, where first named: overlapping inputs such
    as ``tree tree/c3.jsonl`` or ``- -`` would otherwise be read, and paid for, twice."""
    seen: set[object] = set()
    for path in _expand_all(inputs):
        if isinstance(path, IngestError):
            yield path
            continue
        key: object = STDIN if path is _STDIN_PATH else _resolved(path)
        if key not in seen:
            seen.add(key)
            yield path


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop; reading it will report the problem
        return path.absolute()


def _expand_all(inputs: Iterable[str | Path]) -> Iterator[Path | IngestError]:
    for item in inputs:
        path = Path(item)
        if str(item) == STDIN:
            yield _STDIN_PATH
        elif path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in INPUT_SUFFIXES)
            if not found:
                yield IngestError(str(path), "directory holds no .txt or .jsonl files")
            yield from found
        elif not path.exists() and glob.has_magic(str(item)):
            matches = sorted(glob.glob(str(item), recursive=True))
            if not matches:
                yield IngestError(str(item), "pattern matches no files")
            yield from (_not_stdin(Path(m)) for m in matches)
        else:
            yield _not_stdin(path)


def _not_stdin(path: Path) -> Path:
    # Path("./-") prints as "-", which iter_articles would take for standard input
    return path.absolute() if str(path) == STDIN else path


def iter_articles(inputs: Iterable[str | Path]) -> Iterator[Article | IngestError]:
    """Stream articles from paths, directories, globs and ``.jsonl`` files, in order.

    Ids are unique within one call: an id already given (two JSONL lines with one id, or
    ``a/report.txt`` and ``b/report.txt``) becomes ``id~2``, ``id~3``..., so that event ids
    (``id#1``) and everything keyed on them stay distinct; ``source_path`` still says where
    each came from."""
    seen: dict[str, int] = {}
    for item in _read_all(inputs):
        if isinstance(item, Article):
            count = seen.get(item.id, 0)
            seen[item.id] = count + 1
            if count:
                n = count + 1
                while f"{item.id}~{n}" in seen:
                    n += 1
                item = replace(item, id=f"{item.id}~{n}")
                seen[item.id] = 1
        yield item


def _read_all(inputs: Iterable[str | Path]) -> Iterator[Article | IngestError]:
    for item in expand_inputs(inputs):
        if isinstance(item, IngestError):
            yield item
        elif str(item) == STDIN:
            yield from _articles_from_stdin()
        elif item.suffix == ".jsonl":
            yield from _articles_from_jsonl(item)
        else:
            yield read_article_file(item)
