"""String folding shared by the normalisers: one place decides when two spellings are "the same".

Arabic names reach English news in many transliterations ("Jisr al-Shughur", "Jisr ash Shughur",
"Jisr al Shughour"). Instead of listing every variant we reduce each spelling to a key:

* ``fold``      - accents, ayn/hamza marks and apostrophes dropped, lower case, punctuation to
                  spaces. Safe: it never merges two names a reader would call different.
* ``name_key``  - ``fold`` plus the Arabic article removed ("al-", "ash ", "el-" ...), so
                  "al-Lataminah" and "Lataminah" meet.
* ``skeleton``  - ``name_key`` plus transliteration noise removed (doubled letters, ou/u, ei/ay,
                  Tel/Tal/Tall ...). Looser; used for gazetteer look-up, where a miss costs more
                  than the rare collision, which the caller breaks with context.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Apostrophe-like marks: ASCII quote, backtick, acute, typographic quotes, and the modifier letters
# used for ayn (ʿ, ʻ) and hamza (ʾ, ʼ). They carry no meaning for matching and appear at random.
_MARKS = re.compile("['`\u00b4\u2018\u2019\u02bb\u02bc\u02be\u02bf]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# The Arabic definite article as transliterated, including the sun-letter assimilations
# (ash-, ad-, ar-, as-, at-, az-, an-, adh-, ath-) and the Levantine/French "el", "es", "ech" ...
ARTICLES = frozenset(
    [
        "al",
        "el",
        "il",
        "ul",
        "as",
        "ash",
        "ad",
        "adh",
        "an",
        "ar",
        "at",
        "ath",
        "az",
        "es",
        "esh",
        "ech",
        "ed",
        "en",
        "er",
        "et",
        "ez",
    ]
)

# Whole-token spelling variants of common toponym heads: hill, monastery, village, mountain,
# spring, sheikh. Mapped to one spelling so "Tel Skak" finds GeoNames' "Tall Skak".
_TOKEN_VARIANTS = {
    **dict.fromkeys(["tel", "tell", "tal", "tall"], "tall"),
    **dict.fromkeys(["deir", "dair", "dayr", "der"], "dayr"),
    **dict.fromkeys(["kafr", "kafar", "kfar", "kafer", "kefr", "kfr"], "kafr"),
    **dict.fromkeys(["jabal", "jebel", "jabel", "jebal", "jbel"], "jabal"),
    **dict.fromkeys(["ain", "ayn", "ein", "aine"], "ayn"),
    **dict.fromkeys(["sheikh", "shaikh", "shaykh", "sheik"], "shaykh"),
}

# Ordered vowel/consonant rewrites inside a token. Order matters: digraphs before single letters.
_TOKEN_REWRITES = [
    (re.compile(r"ou|oo"), "u"),
    (re.compile(r"ee|ie"), "i"),
    (re.compile(r"ei|ai|ey"), "ay"),
    (re.compile(r"dj"), "j"),
    (re.compile(r"q"), "k"),
    (re.compile(r"e"), "a"),
    (re.compile(r"o"), "u"),
    (re.compile(r"(.)\1+"), r"\1"),  # doubled letters: Maarrat / Maarat, Hass / Has
    # final -ah/-eh (taa marbuta, written or not): Hamah / Hama, Zaytah / Zayta. Only after a
    # vowel ("e" is already "a" here), so the consonant "kh" of Batikh stays.
    (re.compile(r"(?<=.a)h$"), ""),
]


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces; non-Latin letters are dropped."""
    if not text.isascii():  # (ASCII has nothing to decompose)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _MARKS.sub("", text.casefold())
    return _NON_ALNUM.sub(" ", text).strip()


def strip_articles(folded: str) -> str:
    """Drop the Arabic article from every word of an already folded name.

    An article is only dropped when another word follows it, so a name that *is* such a token
    (unlikely, but "As" in a list of initials) survives.
    """
    tokens = folded.split()
    kept = [t for i, t in enumerate(tokens) if not (t in ARTICLES and i < len(tokens) - 1)]
    return " ".join(kept)


def name_key(text: str) -> str:
    """``fold`` + article stripping: the key for exact alias and actor matching."""
    return strip_articles(fold(text))


# Cached: the same words and place names recur across a corpus, and every event's context is
# scanned word by word for governorates (see Gazetteer.admin1_mentions).
@functools.lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """The loose key used to index the gazetteer (see the module docstring)."""
    return " ".join(map(_token_skeleton, name_key(text).split()))


# Names share most of their tokens ("al", "tall", "kafr", "jisr" ...): each is rewritten once.
_HEADS = frozenset(_TOKEN_VARIANTS.values())


@functools.lru_cache(maxsize=65536)
def _token_skeleton(token: str) -> str:
    token = _TOKEN_VARIANTS.get(token, token)
    if token not in _HEADS:
        for pattern, repl in _TOKEN_REWRITES:
            token = pattern.sub(repl, token)
    return token
