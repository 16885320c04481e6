"""Map an actor as written ("Assad's forces", "Russian jets", "al-Nusra Front militants") to an
ACLED-style actor name, inter type and associated actors, from the editable table
``data/actor_aliases.csv``. The name as written is kept untouched in ``Actor.name``.

Matching one name, in order:

1. the name is cleaned: lower case, accents and punctuation dropped, possessives removed
   ("Assad's forces" -> "assad forces"), a leading "the"/"a"/"an" removed, and the Arabic
   article dropped ("al-Nusra" -> "nusra"). "X-backed" / "X-led" qualifiers are set aside:
   the backer is not the actor ("Russian-backed regime forces" -> "regime forces");
2. a row written with such a qualifier ("Turkish-backed rebels", "US-led coalition") wins when
   the name carries the same qualifier and contains the row's head word(s), so
   "Turkish-backed Syrian rebels" is the Syrian National Army, not generic rebels;
3. a row whose pattern equals the cleaned name (``exact``, ``contains`` and ``ambiguous`` rows);
4. the longest ``contains`` pattern found inside the name on word boundaries, so
   "Syrian regime forces" finds "regime forces" and "Alawite civilians" finds "civilians";
5. a hedged attribution ("warplanes believed to be Russian") is read as the attributed actor.

Compound names are split, not matched as a whole (the longest pattern would keep one side and
drop the other): "Syrian regime and Russian airstrikes", "regime forces and their allies,
backed by Russian airstrikes", "Turkish troops backed by allied Syrian rebel factions". The
name is cut at commas, "and", "along with", "backed by", "including" ... and each part is
matched as above. The first part that the table knows is the actor; the others are its
associated actors (ACLED's ``assoc_actor``), in the order written, without repeats. A part
marked as an ally ("allied Syrian rebels", "its ally Russia") is first looked up among the
primary actor's allies (``ally_of`` rows: Turkey's allied rebels are the Syrian National
Army). A lone modifier borrows the last part's head noun ("Syrian and Russian jets"). Not
a second actor: a part nobody can name ("their allies"), a renaming ("HTS, formerly the
Nusra Front"), a description after a bare comma that a pattern covers less than half of
("Faylaq al-Rahman, the main rebel group in the south"), and the connector inside a pattern
("Islamic State of Iraq and the Levant").

With ``context`` (the event's evidence sentence), a name the sentence continues is completed:
"the government of ..., along with its ally Russia," gets Russia as associated actor, and
"the jihadists of Hayat Tahrir al-Sham" becomes HTS. Only the words right after the name are
read, and only an actor named at their start counts: a sentence's other actors (the target,
the reporter) are never taken for this one.

An ``ambiguous`` row ("jihadists": the Islamic State in Raqqa, HTS in Idlib) is not guessed:
unless the sentence names the group as above, ``normalised_name`` stays None, the type is the
one its candidates share, and ``Actor.candidates`` lists them.

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
    """A row of ``actor_aliases.csv``; ``key`` is the pattern cleaned like a name.

    ``qualifier``: the "X-backed"/"X-led" words of the pattern, cleaned ("turkish backed");
    ``associated``: actors every match carries (an identity: "Journalists (Syria)");
    ``ally_of``: the row only names an ally of that actor ("allied rebels" of Turkey);
    ``candidates``: an ambiguous row's possible actors (its ``normalised_name`` is empty).
    """

    pattern: str
    normalised_name: str
    type: ActorType
    exact_only: bool
    key: str
    qualifier: str = ""
    associated: tuple[str, ...] = ()
    ally_of: str = ""
    candidates: tuple[str, ...] = ()


_POSSESSIVE = re.compile(r"['\u2019]s\b|(?<=s)['\u2019](?=\s|$)", re.IGNORECASE)
_BACKED = re.compile(r"\b[\w.]+-(?:backed|led|allied|aligned|sponsored)\b", re.IGNORECASE)
_US = re.compile(r"\bu\.\s?s\.(?=\s|$|-)", re.IGNORECASE)  # "U.S." -> "US" before folding
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+")

# Where a compound name is cut. Only words that join two actors on one side: "with" alone is
# left out ("gunmen with ties to IS" is one actor).
_CONNECTOR = re.compile(
    r"\s*([,;&/]|\b(?:and|as well as|along with|together with|alongside|backed by|"
    r"supported by|aided by|assisted by|joined by|including|with the (?:help|support|backing) "
    r"of|with (?:support|backing|help) from)\b)\s*",
    re.IGNORECASE,
)
# A comma part that renames the actor ("HTS, formerly the Nusra Front") is not a second actor.
_RENAMING = re.compile(r"^(?:formerly|previously|(?:also |then )?known as|aka|once)\b", re.I)
# Words (after cleaning) that mark a part as an ally of the first actor, and the pronouns that
# come with them; dropped before the part is matched.
_ALLY_MARKERS = frozenset(["allied", "allies", "ally", "its", "their", "his", "the"])
_ALLY_WORDS = frozenset(["allied", "allies", "ally"])
# "warplanes believed to be Russian": the attribution is the actor (on the cleaned name).
_HEDGE = re.compile(
    r"^(?P<head>.+?) (?:believed|thought|suspected|presumed|said|reported|understood|likely) "
    r"to (?:be|have been|belong to|be from) (?P<attr>.+)$"
)
# What may follow the name in its sentence and complete it. ``ally``: a partner on the same
# side (associated actor); ``member``: the group the name belongs to ("jihadists of HTS").
_CONTINUATION = re.compile(
    r"\s*,?\s*(?:(?P<ally>along with|together with|alongside|backed by|supported by|aided by|"
    r"assisted by|joined by|with the (?:help|support|backing) of|"
    r"and (?:its |their )?all(?:y|ies|ied))"
    r"|(?P<member>of|from|belonging to|loyal to|affiliated (?:with|to)|linked to|led by))"
    r"\s+(?P<ref>[^,;.:()\[\]\"\u201c\u201d\u2013\u2014]+)",
    re.IGNORECASE,
)
# Words that cannot start a continuation's actor: dropped before the prefix look-up.
_REF_NOISE = frozenset(["the", "its", "their", "his", "ally", "allies", "allied", "a", "an"])


def _clean(name: str) -> tuple[str, frozenset[str]]:
    """The matching key of a name and the "X-backed" qualifiers set aside from it."""
    name = _POSSESSIVE.sub("", _US.sub("US", name))
    qualifiers = frozenset(name_key(m.group(0)) for m in _BACKED.finditer(name))
    if qualifiers:
        name = _BACKED.sub(" ", name)
    return _LEADING_ARTICLE.sub("", name_key(name)), qualifiers


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (cell or "").split("|") if v.strip())


def load_actor_aliases(path: str | Path | None = None) -> tuple[ActorAlias, ...]:
    """Read an alias table (the packaged one by default); rows must name a valid ACLED type.
    The ``associated`` and ``ally_of`` columns are optional (a four-column table still loads)."""
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
        match = (row.get("match") or "contains").strip()
        if match not in ("exact", "contains", "ambiguous"):
            raise ValueError(f"actor alias {pattern!r}: unknown match {match!r}")
        key, qualifiers = _clean(pattern)
        ambiguous = match == "ambiguous"
        rows.append(
            ActorAlias(
                pattern=pattern,
                normalised_name="" if ambiguous else row["normalised_name"].strip(),
                type=ActorType(row["acled_type"].strip()),
                # an ambiguous word is only ambiguous alone: "IS jihadists" is the IS
                exact_only=match != "contains",
                key=key,
                qualifier=next(iter(qualifiers), ""),
                associated=_split(row.get("associated")),
                ally_of=(row.get("ally_of") or "").strip(),
                candidates=_split(row["normalised_name"]) if ambiguous else (),
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class _Resolved:
    """What a name resolved to: the actor's row (None: unknown) and its associated actors."""

    alias: ActorAlias | None
    associated: tuple[str, ...] = ()

    def actor(self, name: str, type_hint: ActorType | None) -> Actor:
        alias = self.alias
        if alias is None:
            return Actor(name=name, normalised_name=None, type=type_hint)
        if alias.candidates:
            return Actor(
                name=name, normalised_name=None, type=alias.type, candidates=list(alias.candidates)
            )
        return Actor(
            name=name,
            normalised_name=alias.normalised_name,
            type=alias.type,
            associated=list(self.associated),
        )


class _Table:
    """An alias table indexed for matching; built once per table."""

    def __init__(self, aliases: tuple[ActorAlias, ...]) -> None:
        plain = [a for a in aliases if not a.qualifier and not a.ally_of]
        self.qualified = tuple(a for a in aliases if a.qualifier and not a.ally_of)
        self.contains = tuple(a for a in plain if not a.exact_only)
        # First row wins for a key written twice, as in a top-to-bottom scan of the file.
        self.by_key: dict[str, ActorAlias] = {}
        for alias in plain:
            self.by_key.setdefault(alias.key, alias)
        self.allies: dict[str, tuple[ActorAlias, ...]] = {}
        self.ally_keys: dict[str, dict[str, ActorAlias]] = {}
        for alias in aliases:
            if alias.ally_of:
                self.allies[alias.ally_of] = (*self.allies.get(alias.ally_of, ()), alias)
                self.ally_keys.setdefault(alias.ally_of, {}).setdefault(alias.key, alias)
        # Patterns that hold a connector word must see the name whole.
        self.spanning = tuple(
            a for a in plain if " and " in f" {a.key} " or " as well as " in f" {a.key} "
        )
        self.longest_key = max((len(a.key.split()) for a in aliases), default=1)

    # -- one part ---------------------------------------------------------------------------

    def _plain(self, key: str) -> ActorAlias | None:
        if not key:
            return None
        exact = self.by_key.get(key)
        if exact is not None:
            return exact
        padded = f" {key} "
        contained = [a for a in self.contains if f" {a.key} " in padded]
        return max(contained, key=lambda a: len(a.key), default=None)

    def match(self, key: str, qualifiers: frozenset[str] = frozenset()) -> ActorAlias | None:
        if qualifiers:
            padded = f" {key} "
            qualified = [
                a
                for a in self.qualified
                if a.qualifier in qualifiers and (a.key == key or f" {a.key} " in padded)
            ]
            if qualified:
                return max(qualified, key=lambda a: len(a.key))
        found = self._plain(key)
        if found is None and (hedge := _HEDGE.match(key)):
            head, attr = hedge.group("head"), hedge.group("attr")
            found = self._plain(f"{attr} {head}") or self._plain(attr)
        return found

    def ally(self, primary: ActorAlias, key: str) -> ActorAlias | None:
        """An ally part ("allied Syrian rebel factions") of ``primary``: its ``ally_of`` rows
        first, then the table, with the ally words dropped ("its ally Russia" -> "russia")."""
        bare = " ".join(w for w in key.split() if w not in _ALLY_MARKERS)
        padded = f" {bare} "
        own = [
            a
            for a in self.allies.get(primary.normalised_name, ())
            if a.key == bare or (not a.exact_only and f" {a.key} " in padded)
        ]
        if own:
            return max(own, key=lambda a: len(a.key))
        return self.match(bare)

    def prefix(self, text: str, ally_of: str = "") -> ActorAlias | None:
        """The actor named at the very start of ``text`` (a continuation of a name in its
        sentence), or None. One leading modifier may come first ("heavy Russian airstrikes",
        "Syrian rebels"); an ``exact`` row must run to the end of ``text``. With ``ally_of``,
        that actor's allies (``ally_of`` rows) are looked up too."""
        words = _clean(text)[0].split()
        while words and words[0] in _REF_NOISE:
            words = words[1:]
        tables = (self.ally_keys.get(ally_of, {}), self.by_key) if ally_of else (self.by_key,)
        for start in (0, 1):
            for n in range(min(len(words) - start, self.longest_key), 0, -1):
                key = " ".join(words[start : start + n])
                for table in tables:
                    alias = table.get(key)
                    if (
                        alias is not None
                        and not alias.candidates
                        and (not alias.exact_only or start + n == len(words))
                    ):
                        return alias
        return None

    # -- a whole name -----------------------------------------------------------------------

    def resolve(self, name: str) -> _Resolved:
        key, qualifiers = _clean(name)
        if not key:
            return _Resolved(None)
        padded = f" {key} "
        if any(a.key == key or f" {a.key} " in padded for a in self.spanning):
            return self._single(self.match(key, qualifiers))
        parts: list[tuple[str, bool]] = []  # (words, whether only a comma joins them)
        connector = ""
        for i, piece in enumerate(_CONNECTOR.split(name)):
            if i % 2:  # the split keeps each connector between two parts
                connector = piece.strip()
            elif piece.strip() and not _RENAMING.match(piece.strip()):
                parts.append((piece, connector in (",", ";")))
        if len(parts) == 1:  # the rest renamed it
            return self._single(self.match(*_clean(parts[0][0])))
        if not parts:
            return self._single(self.match(key, qualifiers))
        return self._compound(parts)

    @staticmethod
    def _single(alias: ActorAlias | None) -> _Resolved:
        return _Resolved(alias, alias.associated if alias else ())

    def _compound(self, parts: list[tuple[str, bool]]) -> _Resolved:
        # "Syrian and Russian jets": a lone modifier borrows the last part's head noun.
        last = _clean(parts[-1][0])[0].split()
        tail = " ".join(last[1:]) if len(last) > 1 else ""
        primary: ActorAlias | None = None
        found: list[ActorAlias] = []
        for part, after_comma in parts:
            key, qualifiers = _clean(part)
            words = [w for w in key.split() if w not in _ALLY_MARKERS]
            if primary is not None and _ALLY_WORDS.intersection(key.split()):
                alias = self.ally(primary, key)
            else:
                alias = None
                if tail and len(words) == 1:
                    alias = self.match(f"{key} {tail}", qualifiers)
                alias = alias or self.match(key, qualifiers)
            if alias is None or alias.candidates:  # unnamed ("their allies") or ambiguous
                continue
            # After a bare comma, a part the pattern hardly covers describes the actor before
            # it ("Faylaq al-Rahman, the main rebel group in the south") and is not another.
            if after_comma and 2 * len(alias.key.split()) < len(words):
                continue
            if primary is None:
                primary = alias
            found.append(alias)
        if primary is None:
            return _Resolved(None)
        associated = [a.normalised_name for a in found[1:]]
        associated += [n for a in found for n in a.associated]
        unique = [n for n in dict.fromkeys(associated) if n != primary.normalised_name]
        return _Resolved(primary, tuple(unique))

    # -- the sentence -----------------------------------------------------------------------

    def with_context(self, resolved: _Resolved, name: str, context: str) -> _Resolved:
        """Complete ``resolved`` with what the sentence says right after the name."""
        end = _find_words(context, name)
        if end < 0:
            return resolved
        link = _CONTINUATION.match(context, end)
        if link is None:
            return resolved
        ref = link.group("ref")
        alias = resolved.alias
        if link.group("member"):
            # "jihadists of HTS": only a name the table cannot settle alone is completed
            if alias is not None and not alias.candidates:
                return resolved
            member = self.prefix(ref)
            return self._single(member) if member else resolved
        if alias is None or alias.candidates:
            return resolved
        partner = self.prefix(ref, ally_of=alias.normalised_name)
        if partner is None or partner.normalised_name == alias.normalised_name:
            return resolved
        names = (*resolved.associated, partner.normalised_name, *partner.associated)
        return _Resolved(alias, tuple(dict.fromkeys(names)))


def _find_words(text: str, words: str) -> int:
    """Where ``words`` end in ``text`` (case-insensitive, whole words), or -1."""
    lowered, target = text.lower(), words.strip().lower()
    if not target or len(lowered) != len(text):  # case folding moved the offsets: give up
        return -1
    start = lowered.find(target)
    while start >= 0:
        end = start + len(target)
        before = lowered[start - 1] if start else " "
        after = lowered[end] if end < len(lowered) else " "
        if not before.isalnum() and not after.isalnum():
            return end
        start = lowered.find(target, start + 1)
    return -1


@functools.cache
def _packaged_table() -> _Table:
    return _Table(load_actor_aliases())


@functools.lru_cache(maxsize=8)
def _custom_table(aliases: tuple[ActorAlias, ...]) -> _Table:
    return _Table(aliases)


# The same few dozen actors recur across a corpus: each written name is resolved once; only the
# sentence look-up (a find and one anchored regex match) runs per call.
@functools.lru_cache(maxsize=16384)
def _resolve_packaged(name: str) -> _Resolved:
    return _packaged_table().resolve(name)


def normalise_actor(
    name: str,
    type_hint: ActorType | None = None,
    *,
    aliases: tuple[ActorAlias, ...] | None = None,
    context: str | None = None,
) -> Actor:
    """An ``Actor`` with the name as written and, when the alias table knows it, the ACLED name,
    type and associated actors. ``aliases`` replaces the packaged table (see
    ``load_actor_aliases``); ``context`` is the sentence the name was copied from."""
    if aliases is None:
        table, resolved = _packaged_table(), _resolve_packaged(name)
    else:
        table = _custom_table(aliases)
        resolved = table.resolve(name)
    if context:
        resolved = table.with_context(resolved, name, context)
    return resolved.actor(name, type_hint)
