"""Map an actor as written ("Assad's forces", "Russian jets", "al-Nusra Front militants") to an
ACLED-style actor name and inter type, from the editable table ``data/actor_aliases.csv``.

Matching, in order:

1. the name is cleaned: lower case, accents and punctuation dropped, possessives removed
   ("Assad's forces" -> "assad forces"), a leading "the" removed, "X-backed" qualifiers removed
   ("Russian-backed regime forces" -> "regime forces": the backer is not the actor), and the
   Arabic article dropped ("al-Nusra" -> "nusra");
2. a row whose pattern equals the cleaned name (``exact`` and ``contains`` rows);
3. the longest ``contains`` pattern found inside the name on word boundaries, so
   "Syrian regime forces" finds "regime forces" and "Alawite civilians" finds "civilians".

The table's type wins over ``type_hint`` (the LLM's guess): the table is the coding decision.
An actor the table does not know keeps ``normalised_name=None`` and the hint as its type.
The interaction label is ``summarizer.types.records.interaction_of``; it is not repeated here.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from summarizer.pipeline.normalise.text import name_key
from summarizer.types.records import Actor, ActorType

__all__ = ["ActorAlias", "load_actor_aliases", "normalise_actor"]


@dataclass(frozen=True)
class ActorAlias:
    """A row of ``actor_aliases.csv``; ``key`` is the pattern cleaned like a name."""

    pattern: str
    normalised_name: str
    type: ActorType
    exact_only: bool
    key: str


_POSSESSIVE = re.compile(r"['\u2019]s\b|(?<=s)['\u2019](?=\s|$)", re.IGNORECASE)
_BACKED = re.compile(r"\b[\w.]+-(?:backed|led|allied|aligned|sponsored)\b", re.IGNORECASE)
_US = re.compile(r"\bu\.\s?s\.(?=\s|$|-)", re.IGNORECASE)  # "U.S." -> "US" before folding
_LEADING_THE = re.compile(r"^the\s+")


def _clean(name: str) -> str:
    name = _US.sub("US", name)
    name = _POSSESSIVE.sub("", name)
    # "US-led coalition" is an actor in its own right; only strip the qualifier when something
    # other than "coalition" follows it.
    if not re.search(r"-led\s+coalition", name, re.IGNORECASE):
        name = _BACKED.sub("", name)
    return _LEADING_THE.sub("", name_key(name))


def load_actor_aliases(path: str | Path | None = None) -> tuple[ActorAlias, ...]:
    """Read an alias table (the packaged one by default); rows must name a valid ACLED type."""
    if path is None:
        text = (
            resources.files("summarizer.pipeline.normalise")
            .joinpath("data")
            .joinpath("actor_aliases.csv")
            .read_text("utf-8")
        )
    else:
        text = Path(path).read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = []
    for row in csv.DictReader(lines):
        pattern = row["pattern"].strip()
        rows.append(
            ActorAlias(
                pattern=pattern,
                normalised_name=row["normalised_name"].strip(),
                type=ActorType(row["acled_type"].strip()),
                exact_only=row.get("match", "contains").strip() == "exact",
                key=_clean(pattern),
            )
        )
    return tuple(rows)


@functools.cache
def _default_aliases() -> tuple[ActorAlias, ...]:
    return load_actor_aliases()


def _match(key: str, aliases: tuple[ActorAlias, ...]) -> ActorAlias | None:
    for alias in aliases:
        if alias.key == key:
            return alias
    padded = f" {key} "
    contained = [a for a in aliases if not a.exact_only and f" {a.key} " in padded]
    return max(contained, key=lambda a: len(a.key), default=None)


def _match_name(name: str, aliases: tuple[ActorAlias, ...]) -> ActorAlias | None:
    key = _clean(name)
    return _match(key, aliases) if key else None


# The same few dozen actors recur across a corpus: each written name is matched once.
@functools.lru_cache(maxsize=16384)
def _match_packaged(name: str) -> ActorAlias | None:
    return _match_name(name, _default_aliases())


def normalise_actor(
    name: str,
    type_hint: ActorType | None = None,
    *,
    aliases: tuple[ActorAlias, ...] | None = None,
) -> Actor:
    """An ``Actor`` with the name as written and, when the alias table knows it, the ACLED name
    and type. ``aliases`` replaces the packaged table (see ``load_actor_aliases``)."""
    alias = _match_packaged(name) if aliases is None else _match_name(name, aliases)
    if alias is None:
        return Actor(name=name, normalised_name=None, type=type_hint)
    return Actor(name=name, normalised_name=alias.normalised_name, type=alias.type)
