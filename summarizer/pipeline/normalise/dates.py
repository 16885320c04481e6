"""Resolve a date phrase as written ("on Saturday", "last week", "October 6, 2015") to a date or
window, against the article's publication date.

The LLM only copies the words; the arithmetic happens here, where it can be tested. Nothing here
reads the clock: a result depends on (phrase, published) only.

Rules, in the order they are tried (first match wins):

1. Explicit dates, ``resolution=explicit``:
   * full dates ("October 6, 2015", "6 October 2015", "Sept. 30, 2015", "2015-10-06"): that day,
     precision 1;
   * month and day without a year ("Sept. 30"): the year of publication when that month-day is on
     or before the publication day, else the year before (news reports the past); precision 1.
     Without a publication date the year is unknown and the phrase stays unresolved;
   * a month ("in January", "late April", "January 2016"): the whole calendar month, precision 3,
     year as above when not written;
   * a year alone ("in 2015"): 1 January - 31 December, precision 3.
   * numeric dates are only taken when unambiguous: ISO "2015-10-06", or D/M/Y with a day > 12.
     "06/10/2015" could be June or October; we do not guess: such a phrase stays unresolved.
2. Phrases relative to publication, ``resolution=relative_to_publication`` (need ``published``):
   * "today", "earlier today", "this morning/afternoon/evening", "tonight": publication day, p1;
   * "yesterday", "last night": the day before, p1; "the day before yesterday": two days before;
   * "overnight": the night before publication straddles two days, so the window is the day
     before .. publication day, precision 2 (we would rather widen than pick the wrong day);
   * "N days ago": that day, p1; "N weeks ago": that ISO week (Mon-Sun), p2;
   * a weekday ("on Saturday", "Friday night"): the latest such day on or before publication, so
     the publication weekday itself is the publication day; p1. "last Saturday" is the latest
     one strictly before publication;
   * "last week": Monday-Sunday of the previous ISO week, p2;
   * "this week", "earlier this week": Monday of the publication week .. publication, p2;
   * "over the weekend", "last weekend", "at the weekend": the latest Saturday-Sunday that began
     on or before publication (cut at publication), p2; "this weekend" only when published on
     a weekend (otherwise it is the coming one);
   * "this month", "earlier this month": the 1st .. publication, p3 (ACLED: 3 = a month);
   * "last month": the previous calendar month, p3;
   * "this year", "earlier this year": 1 January .. publication, p3; "last year": that year, p3;
   * "since <date>": from that date's start to publication; p3 unless the span is a week or less.
   * future phrases ("tomorrow", "next week") are no event date: unresolved.
3. Anything else, with a publication date: ``publication_fallback``, the publication day with
   precision 2. ACLED codes an event whose date the source does not give to the report's date
   with reduced precision; 2 says "within a few days of this", which is what we know.
   Without a publication date: ``unresolved``, start/end None. A date is never invented.

A window that would run past the publication day is cut there: nothing an article reports as
having happened can be later than the article.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable

from summarizer.pipeline.normalise.numbers import NUMBER, parse_number
from summarizer.types.records import DateResolution, EventDate

__all__ = ["resolve_date"]

Window = tuple[dt.date, dt.date, int]  # start, end, ACLED time precision

# ----------------------------------------------------------------------------------------------
# explicit dates
# ----------------------------------------------------------------------------------------------

_MONTH_NAMES = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b"
_MONTH_RE = re.compile(rf"\b{_MONTH}", re.IGNORECASE)
_MONTH_DAY_RE = re.compile(rf"\b{_MONTH}\s*{_DAY}", re.IGNORECASE)
_DAY_MONTH_RE = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(?P<year>(?:19|20)\d{2})\b")
_YEAR_ONLY_RE = re.compile(
    r"^(?:(?:in|during|early|late|mid|the)[\s-]+)*(?:year\s+)?(?P<year>(?:19|20)\d{2})$"
)
_ISO_RE = re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>[01]?\d)-(?P<day>[0-3]?\d)\b")
_DMY_RE = re.compile(r"\b(?P<day>[0-3]?\d)[/.](?P<month>[01]?\d)[/.](?P<year>(?:19|20)\d{2})\b")

# dateparser is only asked for full dates (day, month and year all written), with a fixed
# relative base and the absolute-time parser only, so it can neither read the clock nor fill in a
# missing part. The base is a constant for the same reason.
_DATEPARSER_SETTINGS = {
    "REQUIRE_PARTS": ["day", "month", "year"],
    "PARSERS": ["absolute-time"],
    "RELATIVE_BASE": dt.datetime(2000, 1, 1),
    "RETURN_AS_TIMEZONE_AWARE": False,
}


class _Ambiguous(ValueError):
    """A date is written but cannot be read one way only: the phrase stays unresolved (falling
    back to the publication day would put a wrong date where the text gives a right one)."""


def _month_of(match: re.Match[str], original: str) -> int | None:
    token = match.group("month")
    # "may" is also a verb; only the capitalised form is the month.
    if token.lower() == "may" and original[match.start("month")] != "M":
        return None
    return _MONTH_NAMES[token[:3].lower()]


def _year_for(month: int, day: int, published: dt.date) -> int:
    """Year of a month-day written without a year: the latest one not after publication."""
    return (
        published.year if (month, day) <= (published.month, published.day) else published.year - 1
    )


def _month_window(year: int, month: int) -> Window:
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1), dt.date(year, month, last), 3


def _full_date(text: str) -> dt.date | None:
    """A date with day, month and year all written, or None."""
    import dateparser  # imported late: it is only needed for phrases that name a month

    parsed = dateparser.parse(text, languages=["en"], settings=_DATEPARSER_SETTINGS)
    return parsed.date() if parsed else None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:  # "Feb. 30", or 29 February in a year we inferred
        return None


def _explicit(text: str, original: str, published: dt.date | None) -> Window | None:
    if m := _ISO_RE.search(text):
        day = _safe_date(int(m["year"]), int(m["month"]), int(m["day"]))
        return (day, day, 1) if day else None
    if m := _DMY_RE.search(text):
        if int(m["day"]) <= 12:  # D/M or M/D: ambiguous, not ours to guess
            raise _Ambiguous(text)
        day = _safe_date(int(m["year"]), int(m["month"]), int(m["day"]))
        return (day, day, 1) if day else None
    if m := _YEAR_ONLY_RE.match(text):
        year = int(m["year"])
        return dt.date(year, 1, 1), dt.date(year, 12, 31), 3

    month_match = _MONTH_RE.search(original)
    if not month_match or (month := _month_of(month_match, original)) is None:
        return None
    year_match = _YEAR_RE.search(original)
    day_match = _MONTH_DAY_RE.search(original) or _DAY_MONTH_RE.search(original)
    day = int(day_match["day"]) if day_match else None
    if day is not None and not 1 <= day <= 31:
        day = None
    if day is not None and year_match:
        full = _full_date(original) or _safe_date(int(year_match["year"]), month, day)
        return (full, full, 1) if full else None
    if day is not None:
        if published is None:
            return None  # the year is unknown; we do not invent one
        full = _safe_date(_year_for(month, day, published), month, day)
        return (full, full, 1) if full else None
    if year_match:
        return _month_window(int(year_match["year"]), month)
    if published is None:
        return None
    return _month_window(_year_for(month, 1, published), month)


# ----------------------------------------------------------------------------------------------
# phrases relative to the publication date
# ----------------------------------------------------------------------------------------------

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY = r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")"
_DAY1 = dt.timedelta(days=1)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _on_or_before(weekday: str, published: dt.date) -> dt.date:
    return published - dt.timedelta(
        days=(published.weekday() - _WEEKDAYS.index(weekday.lower())) % 7
    )


def _weekday(m: re.Match[str], pub: dt.date) -> Window:
    day = _on_or_before(m["weekday"], pub)
    return day, day, 1


def _last_weekday(m: re.Match[str], pub: dt.date) -> Window:
    day = _on_or_before(m["weekday"], pub - _DAY1)  # strictly before publication
    return day, day, 1


def _count(m: re.Match[str]) -> int | None:
    # "a day ago", "a week ago": the article is the one number word parse_number does not know
    return 1 if m["n"].lower() == "a" else parse_number(m["n"])


def _days_ago(m: re.Match[str], pub: dt.date) -> Window | None:
    n = _count(m)
    if n is None:
        return None
    day = pub - dt.timedelta(days=n)
    return day, day, 1


def _weeks_ago(m: re.Match[str], pub: dt.date) -> Window | None:
    n = _count(m)
    if n is None:
        return None
    monday = _monday(pub - dt.timedelta(weeks=n))
    return monday, monday + dt.timedelta(days=6), 2


def _weekend(m: re.Match[str], pub: dt.date) -> Window | None:
    if m["which"] == "this" and pub.weekday() < 5:
        return None  # "this weekend" said on a weekday is the coming weekend
    saturday = _on_or_before("saturday", pub)
    return saturday, min(saturday + _DAY1, pub), 2


def _last_month(_: re.Match[str], pub: dt.date) -> Window:
    last_of_previous = pub.replace(day=1) - _DAY1
    return _month_window(last_of_previous.year, last_of_previous.month)


def _fixed(days_before: int, precision: int = 1) -> Callable[[re.Match[str], dt.date], Window]:
    def rule(_: re.Match[str], pub: dt.date) -> Window:
        day = pub - dt.timedelta(days=days_before)
        return day, day, precision

    return rule


def _future(_: re.Match[str], __: dt.date) -> None:
    return None


_Rule = Callable[[re.Match[str], dt.date], Window | None]
# Order matters: longer, more specific phrases first ("last night" before "last <weekday>",
# "the day before yesterday" before "yesterday").
_RELATIVE_RULES: list[tuple[str, _Rule]] = [
    (r"\btomorrow\b|\bnext\s+(?:week|weekend|month|year|" + _WEEKDAY + r")\b", _future),
    (r"\bday before yesterday\b", _fixed(2)),
    (r"\byesterday\b|\blast night\b", _fixed(1)),
    (r"\bovernight\b", lambda _, p: (p - _DAY1, p, 2)),
    (r"\btoday\b|\btonight\b|\bthis (?:morning|afternoon|evening)\b", _fixed(0)),
    (rf"\b(?P<n>{NUMBER}|a)\s+days?\s+ago\b", _days_ago),
    (rf"\b(?P<n>{NUMBER}|a)\s+weeks?\s+ago\b", _weeks_ago),
    (
        r"\blast\s+week\b|\bpast\s+week\b|\bprevious\s+week\b",
        lambda _, p: (_monday(p) - dt.timedelta(days=7), _monday(p) - _DAY1, 2),
    ),
    (r"\bthis\s+week\b", lambda _, p: (_monday(p), p, 2)),
    (r"\b(?P<which>last|this past|past|over the|at the|this)\s+weekend\b", _weekend),
    (r"\bthis\s+month\b", lambda _, p: (p.replace(day=1), p, 3)),
    (r"\blast\s+month\b|\bprevious\s+month\b", _last_month),
    (r"\bthis\s+year\b", lambda _, p: (dt.date(p.year, 1, 1), p, 3)),
    (r"\blast\s+year\b", lambda _, p: (dt.date(p.year - 1, 1, 1), dt.date(p.year - 1, 12, 31), 3)),
    (rf"\blast\s+{_WEEKDAY}\b", _last_weekday),
    (rf"\b{_WEEKDAY}\b", _weekday),
]
_RELATIVE = [(re.compile(p, re.IGNORECASE), rule) for p, rule in _RELATIVE_RULES]


def _relative(text: str) -> tuple[re.Match[str], _Rule] | None:
    """The first relative-date rule the phrase matches, with its match."""
    for pattern, rule in _RELATIVE:
        if m := pattern.search(text):
            return m, rule
    return None


# ----------------------------------------------------------------------------------------------
# the public function
# ----------------------------------------------------------------------------------------------

_SINCE_RE = re.compile(r"^\s*(?:ever\s+)?since\s+(?P<rest>.+)$", re.IGNORECASE)


def _as_date(value: dt.date | dt.datetime | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _clip(window: Window, published: dt.date | None) -> Window:
    start, end, precision = window
    if published is not None and start <= published < end:
        end = published
    return start, end, precision


def _window(text: str, published: dt.date | None) -> tuple[Window | None, DateResolution]:
    """Resolve the phrase proper (no 'since'); a window of None means no rule applied."""
    try:
        window = _explicit(text.lower(), text, published)
    except _Ambiguous:
        return None, DateResolution.EXPLICIT
    if window is not None:
        return _clip(window, published), DateResolution.EXPLICIT
    if published is not None and (relative := _relative(text)):
        m, rule = relative
        window = rule(m, published)
        # a relative phrase that resolves to nothing (a future one) stays unresolved
        return (window and _clip(window, published)), DateResolution.RELATIVE_TO_PUBLICATION
    return None, DateResolution.UNRESOLVED


def resolve_date(phrase: str | None, published: dt.date | dt.datetime | None) -> EventDate:
    """Resolve a date phrase as written against the publication date (see the module docstring).

    >>> resolve_date("on Saturday", dt.date(2016, 5, 21)).start
    datetime.date(2016, 5, 21)
    """
    published = _as_date(published)
    phrase = phrase if phrase and phrase.strip() else None
    text = " ".join(phrase.split()) if phrase else ""

    def fallback() -> EventDate:
        if published is None or (text and _relative(text)):
            # No publication date, or a relative phrase we could not place (a future one):
            # a date would be invented.
            return EventDate(phrase=phrase, resolution=DateResolution.UNRESOLVED)
        return EventDate(
            phrase=phrase,
            start=published,
            end=published,
            time_precision=2,
            resolution=DateResolution.PUBLICATION_FALLBACK,
        )

    if not text:
        return fallback()

    since = _SINCE_RE.match(text)
    window, how = _window(since["rest"] if since else text, published)
    if window is None:
        if how is not DateResolution.UNRESOLVED:
            return EventDate(phrase=phrase, resolution=DateResolution.UNRESOLVED)
        return fallback()
    start, end, precision = window
    if since:
        if published is None:
            return EventDate(phrase=phrase, resolution=DateResolution.UNRESOLVED)
        end = max(end, published)
        if end > start:  # "since this morning" stays a day; a longer span loses precision
            precision = max(precision, 2 if (end - start).days <= 7 else 3)
    return EventDate(phrase=phrase, start=start, end=end, time_precision=precision, resolution=how)
