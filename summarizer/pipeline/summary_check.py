"""Is a model's summary faithful enough to show as the article's summary? Checked in code.

A summary fails when it repeats the headline (small models often copy it), or states a number
or a name the article does not contain (a figure or a person from outside the text). The model
is asked once more with the reason (``providers``); a summary that still fails is shown marked
``summary_unverified``, with the reason, never as if checked.
"""

from __future__ import annotations

import functools
import re

from summarizer.pipeline.normalise.numbers import parse_number
from summarizer.pipeline.normalise.text import fold

_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d+)?\b")
_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred|thousand)(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?\b",
    re.IGNORECASE,
)
# A name: capitalised words, not the first of a sentence (there any word is capitalised).
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z][\w'-]+(?:\s+(?:al-|el-)?[A-Z][\w'-]+)*)")
# Capitalised words a summary may use that the article need not (they name nothing new).
_COMMON = frozenset(
    {
        "The", "A", "An", "In", "On", "At", "Of", "And", "But", "Syria", "Syrian", "Syrians",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
        "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    }
)  # fmt: skip


_POSSESSIVE = re.compile(r"['’]s\b")


def _known(word: str, known: str) -> bool:
    """The article has the word, or a word it is made from ("Iranian": Iran; "Turkish": Turkey)
    as the start of one of its words: a summary may say "Turkish troops" of "Turkey's army"."""
    folded = fold(word)
    stem = folded[:4] if len(folded) > 5 else folded
    return f" {stem}" in known


def _numbers(text: str) -> set[int]:
    found = {int(float(m.replace(",", ""))) for m in _NUMBER.findall(text)}
    for m in _NUMBER_WORD.finditer(text):
        value = parse_number(m.group(0))
        if value is not None:
            found.add(value)
    return found


def _written(form: str, text: str) -> bool:
    """``form`` ("12") occurs in ``text`` as a whole number, not inside "2012" or "3.12"."""
    start = text.find(form)
    while start != -1:
        end = start + len(form)
        before = text[start - 1] if start else " "
        after = text[end : end + 2]
        if not (before.isdigit() or before in ".,") and not (
            after[:1].isdigit() or (after[:1] in ".," and after[1:2].isdigit())
        ):
            return True
        start = text.find(form, start + 1)
    return False


def _stated(number: int, words: set[str], text: str, lowered: str) -> bool:
    """The article writes ``number`` as the summary does: in digits ("12", "1,200", not as part
    of a longer number) or in the same words ("four")."""
    if any(_written(form, text) for form in {str(number), f"{number:,}"}):
        return True
    return any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words)


def _unstated(summary: str, article_text: str, headline: str) -> list[int]:
    # This runs for every answer: look for each of the summary's numbers as the summary writes
    # it first, and read every number of the article (words and all) only for the rest.
    spelt: dict[int, set[str]] = {}
    for m in _NUMBER_WORD.finditer(summary):
        value = parse_number(m.group(0))
        if value is not None:
            spelt.setdefault(value, set()).add(m.group(0).lower())
    lowered = article_text.lower()
    candidates = [
        n
        for n in sorted(_numbers(summary))
        if not _stated(n, spelt.get(n, set()), article_text, lowered)
    ]
    if not candidates:
        return []
    stated = _numbers(article_text) | _numbers(headline)
    return [n for n in candidates if n not in stated]


# The same answer is checked twice in one process: by the provider's check (to re-ask) and when
# its record is assembled. A str's hash is kept on the object, so a hit costs next to nothing.
@functools.lru_cache(maxsize=128)
def summary_problem(summary: str, headline: str, article_text: str) -> str | None:
    """Why ``summary`` cannot be shown as checked, in a few words, or None."""
    said = fold(summary)
    if not said:
        return "the summary is empty"
    title = fold(headline)
    if title and (said == title or (title in said and len(said) < len(title) * 1.3)):
        return "the summary repeats the headline instead of summarising the article"
    missing_numbers = _unstated(summary, article_text, headline)
    if missing_numbers:
        shown = ", ".join(str(n) for n in missing_numbers[:3])
        return f"the summary states numbers the article does not ({shown})"
    names = [
        word
        for word in dict.fromkeys(
            w for m in _NAME.finditer(summary) for w in _POSSESSIVE.sub("", m.group(1)).split()
        )
        if word not in _COMMON and word not in article_text and word not in headline
    ]
    # Folding the whole article is the costly part: only for names not written as in the
    # summary ("Turkish" of "Turkey's", "Deraa" of "Deraa's", accents).
    known = f" {fold(article_text)} {title} " if names else ""
    missing_names = [word for word in names if not _known(word, known)]
    if missing_names:
        return f"the summary names what the article does not ({', '.join(missing_names[:3])})"
    return None
