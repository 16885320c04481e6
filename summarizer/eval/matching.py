"""Comparing one prediction with one gold event, and pairing them one-to-one per article.

Three kinds of pair, each asking all the one before asks and more:

* **lenient**: the same disorder type (two diplomatic events are alike), or that of a gold
  event's listed alternative type;
* **type+place+date**: the same ACLED event type (the PLOVER type for events without one), the
  predicted date window inside the gold window widened by ``DATE_SLACK`` each side (both undated
  also counts), and the same place (``place_matches``);
* **strict**: type+place+date with the *sub-event* type (the PLOVER type for diplomatic events),
  plus the same actor 1 (``actor_matches``) and a death toll inside the gold range
  (``GoldEvent.toll_range``; a gold event without a toll sets no constraint).

In every kind, a prediction whose evidence was not found in the article (``grounded`` false)
or rests only on an instruction planted for AI models (``suspect_source``) pairs with nothing:
it is a claim the article does not make, however well its fields agree.

Names are compared after the project's own normalisers, on both sides: actors through
``normalise_actor`` (the alias table), places through ``resolve_place`` (alias table and
gazetteer) and the filler words of a place phrase ("the village of", "province"), governorates
through the gazetteer's admin1 spellings.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Sequence

from summarizer.eval.gold import GoldEvent
from summarizer.pipeline.normalise import Gazetteer, normalise_actor, resolve_place
from summarizer.pipeline.normalise.actors import load_actor_aliases
from summarizer.pipeline.normalise.text import fold, name_key, skeleton
from summarizer.types.records import (
    SUB_EVENT_PARENT,
    Actor,
    EventRecord,
    EventType,
    PloverType,
    SubEventType,
    disorder_type_of,
)

__all__ = [
    "DATE_SLACK",
    "actor_key",
    "actor_matches",
    "admin1_matches",
    "assign",
    "date_matches",
    "eligible",
    "event_type_matches",
    "field_checks",
    "gold_deaths",
    "is_lenient",
    "is_strict",
    "is_type_place_date",
    "match_pairs",
    "place_key",
    "place_matches",
    "predicted_deaths",
    "similarity",
    "toll_matches",
    "type_matches",
]

DATE_SLACK = dt.timedelta(days=1)

# ----------------------------------------------------------------------------------------------
# names
# ----------------------------------------------------------------------------------------------

# Words that describe a place rather than name it. Dropped from the folded words *before* the
# skeleton rewrites them ("province" becomes "pruvinca" there and would never match again).
_PLACE_FILLER = frozenset(
    [
        "the",
        "of",
        "village",
        "town",
        "city",
        "province",
        "governorate",
        "countryside",
        "area",
        "region",
    ]
)


def place_key(name: str) -> str:
    """The loose key of one place name: folded, filler words dropped, then the gazetteer's
    skeleton ("the village of Tel Skak" and "Tall Skak" meet)."""
    words = [w for w in fold(name).split() if w not in _PLACE_FILLER]
    # A name that is all filler ("the city") keeps its words rather than becoming "".
    return skeleton(" ".join(words) if words else name)


# Every gold and predicted name is resolved once per process: a corpus repeats its places.
@functools.lru_cache(maxsize=16384)
def _place_keys(name: str) -> frozenset[str]:
    """The keys of a name as written and as the place resolver normalises it (alias table,
    gazetteer): the same treatment the pipeline gives a predicted place."""
    keys = {place_key(name)}
    match = resolve_place(name)
    if match is not None and match.place.normalised_name:
        keys.add(place_key(match.place.normalised_name))
    keys.discard("")
    return frozenset(keys)


def _names_keys(names: Iterable[str | None]) -> frozenset[str]:
    return frozenset().union(*(_place_keys(n) for n in names if n))


# ACLED's regime-period suffix ("Military Forces of Syria (2000-)") names the same actor for our
# purposes: the project's table drops it (see actor_aliases.csv), so an ACLED-coded key must too.
_PERIOD = re.compile(r"\s*\(\s*\d{4}\s*-\s*(?:\d{4})?\s*\)\s*$")


@functools.cache
def _canonical_actors() -> frozenset[str]:
    # The table's own output names are final: "Global Coalition Against Daesh" must not be
    # re-normalised through its "daesh" pattern into the Islamic State.
    return frozenset(name_key(a.normalised_name) for a in load_actor_aliases() if a.normalised_name)


@functools.lru_cache(maxsize=16384)
def actor_key(name: str) -> str:
    """The key of an actor name: the alias table's ACLED-style name when it knows the name
    (a name already in that style stays itself), folded; else the name folded."""
    base = _PERIOD.sub("", name)
    key = name_key(base)
    if key in _canonical_actors():
        return key
    normalised = normalise_actor(base).normalised_name
    return name_key(normalised) if normalised else key


def actor_matches(
    pred: Actor | None, gold: str | None, alternatives: Sequence[str | None] = ()
) -> bool:
    """Same actor: the predicted name, as written or normalised, and the gold name or one of its
    alternatives meet after the actor normaliser (``actor_key``). No gold actor: none predicted."""
    if gold is None or (pred is None and None in alternatives):
        return pred is None
    if pred is None:
        return False
    wanted = {actor_key(n) for n in (gold, *alternatives) if n}
    return any(actor_key(n) in wanted for n in (pred.normalised_name, pred.name) if n)


def _admin1_key(name: str | None) -> str | None:
    if not name:
        return None
    return fold(Gazetteer.default().admin1(name) or name)


def admin1_matches(pred: EventRecord, gold: GoldEvent) -> bool:
    """The same governorate, or one the gold lists as an alternative (None there: none)."""
    predicted = _admin1_key(pred.place.admin1 if pred.place else None)
    return predicted in {_admin1_key(a) for a in (gold.admin1, *gold.admin1_alt)}


def place_matches(pred: EventRecord, gold: GoldEvent) -> bool:
    """Same place: a name of the gold place (any spelling listed) and the predicted name meet
    after the place resolver; when the gold place is a region only (precision 3), or the gold
    gives a governorate and no place, the same admin1. A gold event with neither matches only
    a prediction without a place."""
    if gold.location is None and not gold.admin1:
        return pred.place is None
    if pred.place is None:
        return False
    if gold.location is None or (gold.geo_precision == 3 and gold.admin1):
        return admin1_matches(pred, gold)
    wanted = _names_keys([gold.location, *gold.location_alt])
    return bool(wanted & _names_keys([pred.place.normalised_name, pred.place.name]))


def date_matches(pred: EventRecord, gold: GoldEvent) -> bool:
    """The predicted window lies inside the gold window widened by a day; undated = undated."""
    start, end = pred.date.start, pred.date.end or pred.date.start
    if gold.event_date is None:
        return start is None
    if start is None or end is None:
        return False
    assert gold.event_date_end is not None
    if gold.event_date - DATE_SLACK <= start and end <= gold.event_date_end + DATE_SLACK:
        return True
    return any(day - DATE_SLACK <= start and end <= day + DATE_SLACK for day in gold.event_date_alt)


def _dates_near(pred: EventRecord, gold: GoldEvent, days: int = 7) -> bool:
    start, end = pred.date.start, pred.date.end or pred.date.start
    if start is None or end is None or gold.event_date is None or gold.event_date_end is None:
        return False
    slack = dt.timedelta(days=days)
    return start <= gold.event_date_end + slack and gold.event_date - slack <= end


def predicted_deaths(pred: EventRecord) -> int:
    return pred.fatalities.acled if pred.fatalities.acled is not None else 0


def gold_deaths(gold: GoldEvent) -> int:
    return gold.fatalities or 0


def toll_matches(pred: EventRecord, gold: GoldEvent) -> bool:
    """The predicted ACLED count (none = 0) inside the gold range; true when gold has no toll."""
    bounds = gold.toll_range
    if bounds is None or bounds[0] <= predicted_deaths(pred) <= bounds[1]:
        return True
    return predicted_deaths(pred) in {n or 0 for n in gold.fatalities_alt}


# ----------------------------------------------------------------------------------------------
# types
# ----------------------------------------------------------------------------------------------


def _event_type_key(event_type: EventType | None, plover: PloverType | None) -> str:
    return event_type.value if event_type else f"PLOVER:{plover.value if plover else '?'}"


def _sub_type_key(
    event_type: EventType | None, sub: SubEventType | None, plover: PloverType | None
) -> str:
    if sub is not None:
        return sub.value
    if event_type is not None:  # an ACLED type without its sub-event: never a diplomatic match
        return f"{event_type.value}/?"
    return f"PLOVER:{plover.value if plover else '?'}"


def event_type_matches(pred: EventRecord, gold: GoldEvent) -> bool:
    """Same ACLED event type (a gold alternative's counts), the PLOVER type for diplomacy."""
    wanted = {_event_type_key(gold.event_type, gold.plover_type)}
    wanted |= {SUB_EVENT_PARENT[s].value for s in gold.sub_event_type_alt}
    if gold.event_type is None:  # diplomacy: its listed PLOVER alternatives count too
        wanted |= {_event_type_key(None, p) for p in gold.plover_type_alt}
    return _event_type_key(pred.event_type, pred.plover_type) in wanted


def type_matches(pred: EventRecord, gold: GoldEvent) -> bool:
    """Same sub-event type (or a gold alternative), the PLOVER type for diplomacy."""
    wanted = {_sub_type_key(gold.event_type, gold.sub_event_type, gold.plover_type)}
    wanted |= {s.value for s in gold.sub_event_type_alt}
    if gold.event_type is None:
        wanted |= {_sub_type_key(None, None, p) for p in gold.plover_type_alt}
    return _sub_type_key(pred.event_type, pred.sub_event_type, pred.plover_type) in wanted


# ----------------------------------------------------------------------------------------------
# the kinds of pair
# ----------------------------------------------------------------------------------------------


def eligible(pred: EventRecord) -> bool:
    """A prediction that may pair at all: its evidence was found in the article and is not
    only an instruction planted there for AI models."""
    return pred.grounded and not pred.suspect_source


def is_lenient(pred: EventRecord, gold: GoldEvent) -> bool:
    # A listed alternative type brings its disorder type: a diplomatic gold event that may also
    # be coded as an ACLED Agreement pairs with one.
    wanted = {gold.disorder_type}
    wanted |= {disorder_type_of(SUB_EVENT_PARENT[s]) for s in gold.sub_event_type_alt}
    return eligible(pred) and pred.disorder_type in wanted


def is_type_place_date(pred: EventRecord, gold: GoldEvent) -> bool:
    return (
        eligible(pred)
        and event_type_matches(pred, gold)
        and date_matches(pred, gold)
        and place_matches(pred, gold)
    )


def is_strict(pred: EventRecord, gold: GoldEvent) -> bool:
    return (
        is_type_place_date(pred, gold)
        and type_matches(pred, gold)
        and actor_matches(pred.actor1, gold.actor1, gold.actor1_alt)
        and toll_matches(pred, gold)
    )


def similarity(pred: EventRecord, gold: GoldEvent) -> float:
    """0..1: type 0.4, place 0.25, date 0.15, actors 0.2. Used to choose among pairs."""
    if pred.sub_event_type is not None and pred.sub_event_type == gold.sub_event_type:
        kind = 1.0
    elif pred.event_type is None and gold.event_type is None:
        kind = 1.0 if pred.plover_type == gold.plover_type else 0.6
    elif pred.event_type is not None and pred.event_type == gold.event_type:
        kind = 0.6
    else:
        kind = 0.3 if pred.disorder_type == gold.disorder_type else 0.0
    if place_matches(pred, gold):
        place = 1.0
    elif pred.place and gold.admin1 and admin1_matches(pred, gold):
        place = 0.5
    else:
        place = 0.0
    date = 1.0 if date_matches(pred, gold) else 0.5 if _dates_near(pred, gold) else 0.0
    actors = 0.5 * actor_matches(pred.actor1, gold.actor1, gold.actor1_alt) + 0.5 * actor_matches(
        pred.actor2, gold.actor2, gold.actor2_alt
    )
    return 0.4 * kind + 0.25 * place + 0.15 * date + 0.2 * actors


def field_checks(pred: EventRecord, gold: GoldEvent) -> dict[str, bool]:
    """Every field a report scores, by name (see ``scores.FIELDS`` and ``scores.MATCH_FIELDS``)."""
    return {
        "sub_event_type": pred.sub_event_type == gold.sub_event_type,
        "actor1": actor_matches(pred.actor1, gold.actor1, gold.actor1_alt),
        "actor2": actor_matches(pred.actor2, gold.actor2, gold.actor2_alt),
        "admin1": admin1_matches(pred, gold),
        "date": date_matches(pred, gold),
        "fatalities": predicted_deaths(pred) == gold_deaths(gold),
        "type": type_matches(pred, gold),
        "event_type": event_type_matches(pred, gold),
        "place": place_matches(pred, gold),
        "fatalities_range": toll_matches(pred, gold),
    }


# ----------------------------------------------------------------------------------------------
# assignment
# ----------------------------------------------------------------------------------------------


def assign(weights: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """Maximum-weight one-to-one assignment (Hungarian method, O(n^2 m)); pairs of weight <= 0
    are left out. ``weights[i][j]`` is the value of pairing row i with column j.

    A 40-line pure function instead of scipy's ``linear_sum_assignment``: articles hold a
    handful of events, and the tool need not pull in numpy and scipy (~100 MB) for it."""
    rows = len(weights)
    cols = len(weights[0]) if rows else 0
    if rows == 0 or cols == 0:
        return []
    if rows > cols:
        flipped = assign([[weights[i][j] for i in range(rows)] for j in range(cols)])
        return sorted((i, j) for j, i in flipped)
    cost = [[-w for w in row] for row in weights]
    inf = float("inf")
    u = [0.0] * (rows + 1)
    v = [0.0] * (cols + 1)
    match = [0] * (cols + 1)  # match[j] = row (1-based) assigned to column j
    way = [0] * (cols + 1)
    for i in range(1, rows + 1):
        match[0] = i
        j0 = 0
        minv = [inf] * (cols + 1)
        used = [False] * (cols + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = match[j0], inf, 0
            for j in range(1, cols + 1):
                if not used[j]:
                    cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(cols + 1):
                if used[j]:
                    u[match[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    pairs = [(match[j] - 1, j - 1) for j in range(1, cols + 1) if match[j]]
    return sorted((i, j) for i, j in pairs if weights[i][j] > 0)


def match_pairs(
    preds: Sequence[EventRecord],
    golds: Sequence[GoldEvent],
    compatible: Callable[[EventRecord, GoldEvent], bool],
) -> list[tuple[EventRecord, GoldEvent]]:
    """The one-to-one pairing of one article's predictions and gold events where ``compatible``
    allows a pair: as many pairs as possible, then the most similar ones."""
    # Pairs first (1000 each): no amount of similarity outweighs one more pair. Then the
    # similarity (< 10), so a prediction pairs with the gold event it is about; a required gold
    # event before an optional one only breaks ties (0.01).
    weights = [
        [
            (1000.0 + 10.0 * similarity(p, g) + (0.0 if g.optional else 0.01))
            if compatible(p, g)
            else 0.0
            for g in golds
        ]
        for p in preds
    ]
    return [(preds[i], golds[j]) for i, j in assign(weights)]
