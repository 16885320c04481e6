"""Publication dates stated near the top of an article. Never guessed: no dateline, no date."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A dateline is a line that is only a date (optionally with a time), near the top.
_DATELINE = re.compile(
    rf"""^(?:
        (?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTHS}),?\s+(?P<y1>\d{{4}})
      | (?P<m2>{_MONTHS})\s+(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}})
    )(?:\s*(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?(?:\s*(?:GMT|UTC))?$""",
    re.IGNORECASE | re.VERBOSE,
)
WINDOW = 12  # non-empty lines from the top in which a dateline counts


def parse_dateline(line: str) -> dt.date | None:
    m = _DATELINE.match(line.strip())
    if not m:
        return None
    day, month, year = (m["d1"], m["m1"], m["y1"]) if m["d1"] else (m["d2"], m["m2"], m["y2"])
    try:
        return dt.datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date()
    except ValueError:
        return None


def published_date(lines: list[str]) -> dt.date | None:
    """The first dateline among the first ``WINDOW`` non-empty (stripped) lines."""
    return next((d for s in lines[:WINDOW] if (d := parse_dateline(s))), None)
