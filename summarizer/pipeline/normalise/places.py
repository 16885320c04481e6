"""Resolve a place as written ("the village of al-Zara", "Hama province", "northern Homs") to a
``Place``: normalised name, governorate (admin1), coordinates when the gazetteer knows them, and
ACLED geo precision.

Geo precision, following ACLED:

* 1 - the town or village itself was found in the gazetteer: its coordinates are reported;
* 2 - near a town ("outskirts of Douma": the town's coordinates), part of a governorate
  ("northern Homs", "Homs countryside", "Eastern Ghouta": admin1 only, no coordinates), or a
  village the gazetteer does not know whose governorate the context gives ("in Hama province");
* 3 - a governorate only ("Hama province", "the province of Idlib") or a country: no coordinates.

ACLED puts the provincial capital's coordinates on precision-3 rows. We leave them empty: a
downstream map would otherwise show an event in a city the article never named. Coordinates are
only ever the gazetteer's; a place it does not know keeps its name and gets none.

A bare name that is both a governorate and its capital ("Idlib", "Hama") is the town unless the
context speaks of the governorate ("... in the province of Idlib", "Idlib province").

Each result says which rule produced it (``PlaceMatch.rule``):

``town`` · ``town-alias`` · ``town-fuzzy`` · ``town-ambiguous`` (same name in several governorates,
context did not decide: the most populous is taken) · ``near-town`` · ``admin1`` ·
``admin1-part`` · ``area-alias`` · ``alias-unlocated`` (an alias whose town is not in the
gazetteer) · ``country`` · ``country-part`` ("north-west Syria") · ``unknown-context-admin1`` ·
``unknown``; a list ("Hama province and Idlib") takes its first place's rule plus
"(first of a list)"; and, set when a whole
article is assembled, ``unknown-article-admin1``: a place the gazetteer does not know whose
governorate another event of the same article at the same place gives.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from summarizer.pipeline.normalise.gazetteer import Gazetteer, GazetteerEntry
from summarizer.pipeline.normalise.text import fold, skeleton
from summarizer.types.records import Place

__all__ = ["PlaceMatch", "resolve_place", "share_admin1"]


@dataclass(frozen=True)
class PlaceMatch:
    """A resolved place plus what ``Place`` cannot hold yet: the GeoNames id and the rule."""

    place: Place
    geonames_id: int | None
    rule: str


# ----------------------------------------------------------------------------------------------
# reading the phrase
# ----------------------------------------------------------------------------------------------

_DIR = r"(?:north|south)[\s-]?(?:east|west)(?:ern)?|(?:north|south|east|west)(?:ern)?|central|rural"
_THE = r"(?:the\s+)?"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (mode, re.compile(p, re.IGNORECASE))
    for mode, p in [
        # one adjective may stand before the noun: "the coastal governorate of Latakia",
        # "the northern province of Aleppo" (a province in the north, not part of one)
        (
            "province",
            (
                rf"^{_THE}(?:[a-z-]+\s+)?(?:province|governorate|region)\s+of\s+{_THE}"
                r"(?P<x>.+)$"
            ),
        ),
        ("province", r"^(?P<x>.+?)(?:['\u2019]s)?\s+(?:province|governorate|region)$"),
        ("part", rf"^{_THE}(?:(?P<dir>{_DIR})\s+)?countryside\s+of\s+{_THE}(?P<x>.+)$"),
        ("part", rf"^(?P<x>.+?)(?:['\u2019]s)?\s+(?:(?P<dir>{_DIR})\s+)?countryside$"),
        ("dir-of", rf"^{_THE}(?P<dir>{_DIR})\s+of\s+{_THE}(?P<x>.+)$"),
        (
            "part",
            (
                rf"^{_THE}(?P<dir>{_DIR})\s+(?:parts?\s+of\s+{_THE})?(?P<x>.+?)"
                r"(?:\s+(?:province|governorate|region))?$"
            ),
        ),
        (
            "near",
            (
                rf"^(?:near|outside|around|close\s+to|(?:on\s+)?{_THE}outskirts\s+of"
                rf"|{_THE}vicinity\s+of)\s+{_THE}(?P<x>.+)$"
            ),
        ),
        ("near", r"^(?P<x>.+?)(?:['\u2019]s)?\s+(?:outskirts|surroundings|environs)$"),
    ]
]
# "Hama's Sahl al-Ghab plain": a governorate owning a place names the place's governorate.
_OWNED = re.compile(r"^(?P<owner>.+?)['\u2019]s\s+(?P<x>.+)$")
_QUALIFIER_ONLY = re.compile(
    rf"^(?:(?:{_DIR})\s+)?(?:province|governorate|region|countryside|outskirts|surroundings"
    r"|environs)$",
    re.IGNORECASE,
)
_SETTLEMENT_OF = re.compile(
    r"^(?:the\s+)?(?:[a-z-]+\s+)?(?:village|town|city|neighbou?rhood|suburb|hamlet)s?\s+of\s+",
    re.IGNORECASE,
)
# An airbase or airport is coded at its town ("Hmeymim airbase", "Hama military airport").
_SETTLEMENT_AFTER = re.compile(
    r"\s+(?:village|town|city|neighbou?rhood|suburb|(?:military\s+)?(?:air\s*base|airport))$",
    re.IGNORECASE,
)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_IN_COUNTRY = re.compile(r"^(?P<x>.+?)(?:\s*,\s*|\s+in\s+)(?P<country>[^,]+)$", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"\s*,\s*|\s+(?:and|&)\s+", re.IGNORECASE)


def _strip_settlement(text: str) -> tuple[str, bool]:
    """Remove "the village of" / "... town"; say whether a settlement word was there (then a
    governorate-named place is the town, not the province)."""
    stripped = _SETTLEMENT_AFTER.sub("", _SETTLEMENT_OF.sub("", text))
    stripped = _LEADING_THE.sub("", stripped)
    return stripped, stripped != _LEADING_THE.sub("", text)


# ----------------------------------------------------------------------------------------------
# context
# ----------------------------------------------------------------------------------------------


def _admin1_from_context(names: list[str], context: str, gaz: Gazetteer) -> str | None:
    """The governorate the context puts the place in, or None when it does not say clearly.

    English lists places then their province ("Kafr Zita, al-Sayyad and al-Lataminah in Hama
    province"), so the first qualified mention after the place wins, then the nearest before it.
    A mention is qualified when marked as a governorate ("Hama province", "northern Homs") or
    introduced by "in". Failing that, a context that names exactly one governorate decides.
    """
    if not context:
        return None
    mentions = gaz.admin1_mentions(context)
    if not mentions:
        return None
    lowered = context.lower()
    named_here = False
    for name in names:
        pos = lowered.find(name.lower()) if name else -1
        if pos < 0:
            continue
        named_here = True
        end = pos + len(name)
        for m in mentions:
            if m.start >= end and (m.strong or m.after_in):
                return m.admin1
        for m in reversed(mentions):
            if m.end <= pos and (m.strong or m.after_in):
                return m.admin1
        break
    strong = {m.admin1 for m in mentions if m.strong}
    if len(strong) == 1:
        return strong.pop()
    # A lone bare mention only decides when the place is named in the same context: "the
    # village ... to avenge the violence in Aleppo" says nothing about where the village is.
    named = {m.admin1 for m in mentions}
    return named.pop() if len(named) == 1 and named_here else None


def _context_says_governorate(admin1: str, context: str, gaz: Gazetteer) -> bool:
    return any(m.admin1 == admin1 and m.strong for m in gaz.admin1_mentions(context))


# ----------------------------------------------------------------------------------------------
# countries
# ----------------------------------------------------------------------------------------------

# Short forms news copy uses that pycountry's ISO names lack ("Türkiye", "Russian Federation").
_COUNTRY_EXTRAS = {
    "turkey": "TUR",
    "russia": "RUS",
    "us": "USA",
    "usa": "USA",
    "america": "USA",
    "united states of america": "USA",
    "uk": "GBR",
    "britain": "GBR",
    "great britain": "GBR",
    "iran": "IRN",
    "syria": "SYR",
}
# ACLED's country names where ISO's differ ("Türkiye", "Russian Federation", "Iran, Islamic ...").
_COUNTRY_DISPLAY = {
    "TUR": "Turkey",
    "RUS": "Russia",
    "USA": "United States",
    "GBR": "United Kingdom",
    "IRN": "Iran",
    "SYR": "Syria",
}


@functools.cache
def _countries() -> dict[str, tuple[str, str]]:
    import pycountry

    out: dict[str, tuple[str, str]] = {}
    for c in pycountry.countries:
        display = getattr(c, "common_name", None) or c.name
        for attr in ("name", "common_name", "official_name"):
            if value := getattr(c, attr, None):
                out[fold(value)] = (c.alpha_3, display)
    for key, iso3 in _COUNTRY_EXTRAS.items():
        out[key] = (iso3, _COUNTRY_DISPLAY[iso3])
    # the short English name everywhere, whichever spelling was written
    return {k: (iso3, _COUNTRY_DISPLAY.get(iso3, d)) for k, (iso3, d) in out.items()}


# ----------------------------------------------------------------------------------------------
# building the answer
# ----------------------------------------------------------------------------------------------


def _pick(entries: list[GazetteerEntry], admin1: str | None) -> tuple[GazetteerEntry, bool]:
    """The entry in the context's governorate if any, else the first (most populous); and
    whether the choice was ambiguous (several governorates, context did not narrow it)."""
    if admin1:
        in_admin1 = [e for e in entries if e.admin1 == admin1]
        if in_admin1:
            return in_admin1[0], False
    return entries[0], len({e.admin1 for e in entries}) > 1


def _town_place(written: str, entry: GazetteerEntry, gaz: Gazetteer, precision: int) -> Place:
    name = entry.name
    # A governorate capital takes the ACLED spelling of its governorate ("Idleb", "Lattakia").
    if entry.admin1 and gaz.admin1(name) == entry.admin1:
        name = entry.admin1
    return Place(
        name=written,
        normalised_name=name,
        admin1=entry.admin1,
        admin2=entry.admin2,
        country_iso3=entry.country_iso3,
        latitude=entry.latitude,
        longitude=entry.longitude,
        geo_precision=precision,  # type: ignore[arg-type]
    )


def _region_place(
    written: str,
    normalised: str,
    admin1: str | None,
    precision: int | None,
    admin2: str | None = None,
) -> Place:
    return Place(
        name=written,
        normalised_name=normalised,
        admin1=admin1,
        admin2=admin2,
        country_iso3="SYR" if admin1 else None,
        geo_precision=precision,  # type: ignore[arg-type]
    )


def _find_town(core: str, ctx_admin1: str | None, gaz: Gazetteer):
    """(entry, rule) for a populated place named ``core``, or (None, None).

    The gazetteer's own names first, then the alias table, then fuzzy matching: each step is
    looser than the one before."""
    if entries := gaz.lookup(core):
        entry, ambiguous = _pick(entries, ctx_admin1)
        return entry, "town-ambiguous" if ambiguous else "town"
    alias = gaz.alias(core)
    if alias and alias.kind == "town" and (entries := gaz.lookup(alias.canonical)):
        entry, _ = _pick(entries, ctx_admin1 or alias.admin1)
        return entry, "town-alias"
    entries, _score = gaz.fuzzy(core)
    if entries:
        entry, _ = _pick(entries, ctx_admin1)
        return entry, "town-fuzzy"
    return None, None


def _match(place: Place, rule: str, entry: GazetteerEntry | None = None) -> PlaceMatch:
    return PlaceMatch(place=place, geonames_id=entry.geonames_id if entry else None, rule=rule)


def _part_as_written(
    part: str,
    context: str,
    gaz: Gazetteer,
    written: str,
    *,
    country: str | None = None,
    rule_note: str = "",
) -> PlaceMatch:
    """Resolve the part of a phrase that names the place; report it under the phrase as
    written, with ``country`` (ISO3) when the part gives none and ``rule_note`` after its rule."""
    inner = resolve_place(part, context, gaz)
    assert inner is not None
    update: dict[str, str] = {"name": written}
    if country and inner.place.country_iso3 is None:
        update["country_iso3"] = country
    place = inner.place.model_copy(update=update)
    return PlaceMatch(place, inner.geonames_id, inner.rule + rule_note)


def resolve_place(
    name: str | None, context: str = "", gazetteer: Gazetteer | None = None
) -> PlaceMatch | None:
    """Resolve a place name as written; ``context`` is the sentence(s) around it, used to find
    the governorate ("... in Hama province") and to tell "Idlib" the town from the province.

    Returns None for an empty name. See the module docstring for the rules.
    """
    if not name or not name.strip():
        return None
    gaz = gazetteer or Gazetteer.default()
    written = " ".join(name.split()).strip(" .,;:")
    whole, settlement_word = _strip_settlement(written)

    # 1. The whole phrase as an alias, a governorate spelling or a country, before any pattern
    #    reads "Eastern Ghouta" as "the east of Ghouta" or "Rural Damascus" as part of Damascus.
    alias = gaz.alias(whole)
    if alias and alias.kind == "area":
        return _match(
            _region_place(written, alias.canonical, alias.admin1, 2, alias.admin2), "area-alias"
        )
    admin1 = gaz.admin1(whole)
    if admin1 is not None:
        towns = gaz.lookup(whole)
        town = next((e for e in towns if e.admin1 == admin1), None)
        if town and (settlement_word or not _context_says_governorate(admin1, context, gaz)):
            return _match(_town_place(written, town, gaz, 1), "town", town)
        return _match(_region_place(written, admin1, admin1, 3), "admin1")
    if country := _countries().get(fold(whole)):
        iso3, display = country
        return _match(
            Place(name=written, normalised_name=display, country_iso3=iso3, geo_precision=3),
            "country",
        )

    # A country after the place ("eastern Ghouta, Syria", "Hmeymim airbase in Syria"): the
    # place is the head; the country is kept when the head does not give one.
    suffixed = _IN_COUNTRY.match(whole)
    if suffixed and (country := _countries().get(fold(suffixed["country"]))):
        return _part_as_written(suffixed["x"], context, gaz, written, country=country[0])
    # "Kafr Zita, Hama": a place and its governorate, not a list.
    town, comma, region = whole.rpartition(",")
    if comma and "," not in town and (owner := gaz.admin1(region.strip())):
        return _part_as_written(town, f"{owner} province. {context}", gaz, written)
    # A list ("Hama province and Idlib", "Deir Foul, Izza al-Din and al-Kul"): one event has
    # one location in ACLED; the first listed is taken, and the rule says so.
    items = [item for item in _LIST_SEPARATOR.split(whole) if item.strip()]
    if len(items) > 1:
        return _part_as_written(items[0], context, gaz, written, rule_note=" (first of a list)")

    # 2. Qualified phrases: "Hama's Sahl al-Ghab plain", "Hama province", "northern Homs",
    #    "outskirts of Douma".
    owned = _OWNED.match(whole)
    if (
        owned
        and (owner := gaz.admin1(owned["owner"]))
        and not _QUALIFIER_ONLY.match(owned["x"])  # "Hama's countryside" is a pattern below
    ):
        # resolve the owned part with the owner as the context's governorate, keep our words
        return _part_as_written(owned["x"], f"{owner} province. {context}", gaz, written)

    for mode, pattern in _PATTERNS:
        m = pattern.match(whole)
        if not m:
            continue
        core, _ = _strip_settlement(m["x"])
        direction = (m.groupdict().get("dir") or "").lower()
        core_admin1 = gaz.admin1(core)
        if mode in ("part", "dir-of") and (country := _countries().get(fold(core))):
            iso3, display = country  # "north-west Syria": a region of a country, no governorate
            label = f"{direction} {display}" if direction else display
            return _match(
                Place(name=written, normalised_name=label, country_iso3=iso3, geo_precision=3),
                "country-part",
            )
        if mode == "province" and core_admin1:
            return _match(_region_place(written, core_admin1, core_admin1, 3), "admin1")
        if mode == "part" and core_admin1:
            label = f"{direction} {core_admin1}" if direction else f"{core_admin1} countryside"
            return _match(_region_place(written, label, core_admin1, 2), "admin1-part")
        ctx_admin1 = _admin1_from_context([core], context, gaz)
        entry, _rule = _find_town(core, ctx_admin1, gaz)
        if entry is not None:
            return _match(_town_place(written, entry, gaz, 2), "near-town", entry)
        if core_admin1:  # "north of Hama" with Hama unknown as a town: part of the governorate
            return _match(
                _region_place(written, f"{direction} {core_admin1}".strip(), core_admin1, 2),
                "admin1-part",
            )
        area = gaz.alias(core)
        if area and area.kind == "area":
            return _match(
                _region_place(written, area.canonical, area.admin1, 2, area.admin2), "area-alias"
            )
        break  # a qualified phrase around an unknown name: treat the name as unknown below

    # 3. A town or village by name.
    ctx_admin1 = _admin1_from_context([written, whole], context, gaz)
    entry, rule = _find_town(whole, ctx_admin1, gaz)
    if entry is not None:
        return _match(_town_place(written, entry, gaz, 1), rule, entry)  # type: ignore[arg-type]
    if alias is not None:  # a known spelling whose town the gazetteer lacks
        admin1 = ctx_admin1 or alias.admin1
        return _match(
            _region_place(written, alias.canonical, admin1, 2 if admin1 else None, alias.admin2),
            "alias-unlocated",
        )

    # 4. Unknown: keep the name; the governorate only if the context gives it.
    if ctx_admin1:
        return _match(_region_place(written, whole, ctx_admin1, 2), "unknown-context-admin1")
    return _match(Place(name=written, normalised_name=whole), "unknown")


def share_admin1(places: list[Place | None]) -> list[Place | None]:
    """One article's places, with the governorate of a place no context located (rule
    ``unknown``) taken from another of its events at the same place, when those agree.

    An article names a village's province once ("clashed ... in northern Homs ... the village
    of al-Zara"), and its other events about that village only say "the village".
    """
    located: dict[str, set[str]] = {}
    for place in places:
        if place is not None and place.admin1 and place.geo_precision in (1, 2):
            located.setdefault(_same_place_key(place), set()).add(place.admin1)
    shared: list[Place | None] = []
    for place in places:
        admin1s = located.get(_same_place_key(place), set()) if place is not None else set()
        if place is not None and place.rule == "unknown" and len(admin1s) == 1:
            admin1 = next(iter(admin1s))
            update = {"admin1": admin1, "country_iso3": "SYR", "geo_precision": 2}
            place = place.model_copy(update={**update, "rule": "unknown-article-admin1"})
        shared.append(place)
    return shared


def _same_place_key(place: Place) -> str:
    return skeleton(place.normalised_name or place.name)
