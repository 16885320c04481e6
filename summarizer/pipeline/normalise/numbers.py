"""English number words -> int, for fatality counts ("twenty-six") and dates ("two days ago").

Only what news copy writes out in words: 0-99 and multiples with "hundred"/"thousand"
("three hundred", "two thousand five hundred"). Digits ("1,600") are handled here too so callers
have one function to call.
"""

from __future__ import annotations

import re

_UNIT_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS_WORDS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
UNITS = {w: i for i, w in enumerate(_UNIT_WORDS)}
TENS = {w: 10 * i for i, w in enumerate(_TENS_WORDS, start=2)}
SCALES = {"hundred": 100, "thousand": 1000}


def _trie(words: list[str]) -> str:
    """A regex for any of ``words`` that branches letter by letter, a longer word before its
    prefix ("seventeen" before "seven"). A plain alternation makes the engine try every word at
    every position of a text; this one fails at the first letter that fits no word."""
    tree: dict = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict) -> str:
        branches = [re.escape(c) + render(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return f"(?:{render(tree)})"


_SMALL = _trie([*UNITS, *TENS])
# A number phrase: words joined by spaces/hyphens, e.g. "twenty-six", "three hundred and ten".
# "and" joins only after "hundred"/"thousand": "killing five and three others" is two counts.
WORD_NUMBER = (
    rf"(?:{_SMALL})(?:[\s-]+(?:{_SMALL}|hundred|thousand)"
    rf"|(?:(?<=hundred)|(?<=thousand))\s+and\s+(?:{_SMALL}))*"
)
DIGIT_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
NUMBER = rf"(?:{DIGIT_NUMBER}|{WORD_NUMBER})"

_NUMBER_RE = re.compile(rf"^(?:{NUMBER})$", re.IGNORECASE)


def parse_number(text: str) -> int | None:
    """The integer a number phrase states, or None if it is not one.

    >>> parse_number("twenty-six"), parse_number("1,600"), parse_number("three hundred")
    (26, 1600, 300)
    """
    text = text.strip().lower()
    if not _NUMBER_RE.match(text):
        return None
    if text[0].isdigit():
        return int(text.replace(",", ""))
    total, current = 0, 0
    for word in re.split(r"[\s-]+", text):
        if word == "and":
            continue
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
    return total + current
