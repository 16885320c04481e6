"""Publication dates stated near the top of an article. Never guessed: no dateline, no date.

A line counts when it *is* a dateline, not when it merely holds a date: the date alone (with a
weekday, a time, a time zone), after a label ("Updated:", "Published on", "Posted", "Date:"),
after a byline ("By Hala Nasser | 21 August 2018"), or a wire dateline opening the first
paragraph ("Daraa, 3 March 2017 -", "BEIRUT, June 5, 2019 (Reuters) -"). A date inside a
sentence ("On 3 March 2017, ...", a headline about "the 21 August 2013 attack") is what the
article reports, not when it was published. A wire dateline without a year ("BEIRUT, June 5
(Reuters)") and a numeric date whose day and month could be swapped ("04/03/2018") give no date.
"""

from __future__ import annotations

import datetime as dt
import re

WINDOW = 12  # non-empty lines from the top in which a dateline counts

_MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# One date, in the forms news pages print: "3 March 2017", "March 4, 2018", "Jun 5,2019",
# "21 May, 2016", "2019-06-05" (also as an ISO timestamp), "2017.11.05", "14/03/2018".
_DATE_FORMS = [
    rf"{_DAY}\s+(?:of\s+)?{_MONTH},?\s*{_YEAR}",
    rf"{_MONTH}\s+{_DAY},?\s*{_YEAR}",
    r"(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d)(?:T[\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?",
    r"(?P<dy>(?:19|20)\d\d)\.(?P<dm>[01]\d)\.(?P<dd>[0-3]\d)",
    r"(?P<n1>[0-3]?\d)/(?P<n2>[0-3]?\d)/(?P<ny>(?:19|20)\d\d)",
]
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?"
_ZONE = r"(?:gmt|utc|bst|cet|cest|est|edt|[a-z]{2,4}t)"
_TIME = rf"(?:at\s+)?\d{{1,2}}[:.]\d\d(?::\d\d)?\s*(?:[ap]\.?m\.?)?(?:\s*{_ZONE}\b)?"
_TAIL = rf"(?:\s*[-,|]?\s*{_TIME})?(?:\s*(?:gmt|utc)\b)?"


def _forms(template: str) -> list[re.Pattern[str]]:
    return [re.compile(template.replace("{date}", form), re.IGNORECASE) for form in _DATE_FORMS]


# The whole line is the date (a weekday before it, a time after it, and after a dash or slash a
# place or another calendar's date: "Friday 13 April 2018 — Homs", "... / 12 Rajab 1439 AH").
_BARE = _forms(rf"^(?:{_WEEKDAY}\s+)?{{date}}{_TAIL}\s*(?:\s+[/—–|-]\s*.{{0,40}})?$")
# A label, possibly after an agency or a byline: "Updated: ...", "Beirut (AFP) - Published: ...".
_LABELLED = _forms(
    r"^(?:[^:|]{0,40}?[-—|]\s*)?(?:last\s+)?(?:published|updated|posted|date)(?:\s+on)?\s*:?\s*"
    rf"(?:{_WEEKDAY}\s+)?(?:{_TIME}\s*,?\s*)?{{date}}"
)
# A byline, then the date: "By Hala Nasser | 21 August 2018", "By AFP - Jun 5,2019 - 14:21".
_BYLINE = _forms(rf"^by\s+[^|—–\d]{{1,60}}?\s*[|—–-]\s*(?:{_WEEKDAY}\s+)?{{date}}{_TAIL}")
# A wire dateline: "Daraa, 3 March 2017 -", "BEIRUT, June 5, 2019 (Reuters) -", "Geneva, 14 March
# 2018" alone on its line.
_WIRE = _forms(
    r"^[A-Z][\w'’.-]*(?:[ -][A-Z][\w'’.-]*){0,3}(?:,\s+[A-Z][\w'’.]*(?:\s+[A-Z][\w'’.]*)?)?,\s+"
    r"{date}\s*(?:\([^)]{1,30}\)\s*)?(?:[-—–]|$)"
)
# "This article was originally published on 3 January 2018 and updated on ..."
_PUBLISHED_ON = _forms(r"\b(?:originally\s+)?published\s+on\s+{date}")


def _date(m: re.Match[str]) -> dt.date | None:
    g = m.groupdict()
    try:
        if g.get("month"):
            return dt.date(int(g["year"]), _MONTHS[g["month"].lower().rstrip(".")], int(g["day"]))
        if g.get("iy"):
            return dt.date(int(g["iy"]), int(g["im"]), int(g["id"]))
        if g.get("dy"):
            return dt.date(int(g["dy"]), int(g["dm"]), int(g["dd"]))
        first, second, year = int(g["n1"]), int(g["n2"]), int(g["ny"])
    except ValueError:  # 31 June
        return None
    if first <= 12 and second <= 12 and first != second:
        return None  # 04/03/2018: 4 March or 3 April? Not guessed.
    day, month = (first, second) if first > 12 or first == second else (second, first)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _first(patterns: list[re.Pattern[str]], line: str, search: bool = False) -> dt.date | None:
    for pattern in patterns:
        m = pattern.search(line) if search else pattern.match(line)
        if m:
            return _date(m)
    return None


def parse_dateline(line: str) -> dt.date | None:
    """The publication date a line states, if the line is a dateline (see the module doc)."""
    line = line.strip()
    if not line or len(line) > 400:
        return None
    for patterns in (_BARE, _LABELLED, _BYLINE, _WIRE):
        found = _first(patterns, line)
        if found is not None:
            return found
    return _first(_PUBLISHED_ON, line, search=True) if len(line) < 200 else None


def published_date(lines: list[str]) -> dt.date | None:
    """The first dateline among the first ``WINDOW`` non-empty (stripped) lines."""
    return next((d for s in lines[:WINDOW] if (d := parse_dateline(s))), None)
