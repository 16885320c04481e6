"""Plain text -> ``Article``: the headline, dateline and outlet as the text states them, and the
text the model is shown (page furniture dropped; the original is kept for offsets)."""

from __future__ import annotations

import datetime as dt
import re

from summarizer.ingest.datelines import published_date
from summarizer.ingest.instructions import planted_instructions
from summarizer.types.article import Article, InputError, sha256_text

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
# A closing credit such as "TRTWorld and agencies" names the outlet.
_CREDIT = re.compile(r"^(?P<outlet>[A-Z][\w.\- ]{1,40}?) and agencies\.?$")


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
    stripped = [ln.strip() for ln in text.splitlines()]
    nonempty = [s for s in stripped if s]

    if headline is None:
        headline = next(
            (s for s in nonempty if not _is_furniture(s) and not _TAGLINE.search(s)),
            nonempty[0],
        )
    if published is None:
        published = published_date(nonempty)
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
    planted = tuple(planted_instructions(text))
    for start, end, _ in planted:  # the model never reads what was written to instruct it
        model_text = model_text.replace(text[start:end], "")

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
        planted=planted,
    )


def decode_text(raw: bytes) -> tuple[str | None, str | None]:
    """(text, None) for UTF-8 text, else (None, the problem in a few words)."""
    if not raw.strip():
        return None, "empty file"
    if b"\x00" in raw[:8192]:
        return None, "binary file (contains NUL bytes), expected UTF-8 text"
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (bad byte at offset {exc.start})"
