"""The phrases of one sentence each "as written" field may be: the staged strategy's choices.

Offered every phrase of the sentence for every field, the 1.5B embedded model picks "campaign"
or "Al-Jin mountain" as an actor, "opposition forces" or "the war monitor" as a place, and pads
its list of places with one phrase six times; and the grammar of several hundred phrases per
field makes each answer slow (up to ~100 s for a long sentence). So each field is offered only
the phrases that can be one: actors the alias table knows (or that end in a word for armed men,
officials or victims), places (names the gazetteer knows, capitalised names that are not
actors, with their "province"/"village" word), date words, and death tolls. The model still
chooses, now among a handful.
"""

from __future__ import annotations

import re
from functools import lru_cache

from summarizer.pipeline.normalise.actors import normalise_actor
from summarizer.pipeline.normalise.gazetteer import Gazetteer
from summarizer.strategies.sentences import spans


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Longest actor or place phrase, in words ("al-Qaeda linked al-Nusra Front militants").
_MOST_WORDS = 6
# Words a phrase for an actor, a place or a toll never starts or ends with.
_EDGE_WORDS = _set(
    "a an and as at after against by for from in including into of on or over that to "
    "under was were which who with while whilst had has have is are been being its "
    "their his her also since during despite amid"
)
# Words inside a stretch of a sentence that is more than a name: clause words and verbs.
_BREAK = (_EDGE_WORDS - {"of", "and"}) | _set(
    "the clashed launched killed killing tried retake retook seized carried out hit "
    "targeted targeting gain stated said says began came ensued entered resisted "
    "wounding continued left dead started helping fighting upped proposed proposing "
    "launching accompanied took struck shelled attacked captured advanced battled "
    "failed expanded intensified briefly also least than more some over"
)
# The word for the men, states or people an event is done by or to, when the alias table does
# not know the name ("Fatah Army coalition fighters", "at least three civilians").
_ACTOR_HEAD = re.compile(
    r"(?:forces|troops|army|military|regime|government|rebels?|fighters|militants|militias?"
    r"|jihadists|insurgents|opposition|coalition|jets|warplanes|aircraft|police|soldiers"
    r"|gunmen|civilians|people|children|women|protesters|demonstrators|residents|officials"
    r"|ministry|minister|president|group|groups|monitor|members|family|families|worshippers"
    r"|chief|men|hunters|bombers|policemen|separatists|bloc|council|targets|workers|students"
    r"|journalists|doctors|guards|officers|commanders|leader|pilgrims|villagers|farmers"
    r"|refugees|migrants|detainees|prisoners|activists|personnel|sons|child|boys|girls"
    r"|squad|unit|units|brigade|battalion|division|agency|authorities|side|allies)$",
    re.IGNORECASE,
)
# A capitalised word of a name ("Kafr", "al-Sayyad", "Al-Jin"), and the words that may follow
# a place's name ("Hama province", "Sukayk hills").
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’-]*|(?:al|el|ad|as|ar|an|at|ash|az)-[A-Z][\w'’-]*)$")
_PLACE_WORDS = _set(
    "province governorate countryside village villages town towns city district "
    "region area areas hills hill mountain mountains plain camp airport base border "
    "highway"
)
_PARTICLES = _set("al el ad as ar an at ash az")
# Words before a person's name, which is not a place.
_TITLES = _set("president minister mr ms mrs spokesman spokeswoman leader general")
_STRIP = "\"'“”‘’(),.;:!?"
_POSSESSIVE = re.compile(r"['’]s$")
_SPEECH = _set("said added told says stated announced reported claimed wrote explained")
# Capitalised words that are not places: sentence starts, titles, days, months, peoples.
_NOT_PLACE = _set(
    "the a an in on at last this that these those it its they he she we his her their "
    "but and however meanwhile earlier later since after before while whilst despite "
    "video photo monday tuesday wednesday thursday friday saturday sunday january "
    "february march april may june july august september october november december "
    "president minister mr ms syrian russian turkish iranian american lebanese iraqi "
    "israeli kurdish arab alawite sunni shia shiite us-russian according reuters afp "
    "clashes ensuing overnight airstrikes agence france presse observatory sohr assad "
    "al-assad"
)
_DATE = re.compile(
    r"\b(?:(?:late|early|throughout|in early|in late|in mid)\s+)?"
    r"(?:(?:on|last|this|early|earlier|late|later|next)\s+)?"
    r"(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"(?:\s+(?:morning|afternoon|evening|night))?"
    r"|(?:week|month|year|weekend|night|morning|evening)"
    r"|(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?(?:\s+\d{1,2})?"
    r"(?:,?\s+\d{4})?)\b(?![-\w])"
    r"|\b\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December)(?:\s+\d{4})?\b"
    r"|\b(?:yesterday|today|tonight|overnight|this morning|last night|over the weekend"
    r"|earlier this (?:week|month|year)|earlier today|(?:in|since) \d{4})\b",
    re.IGNORECASE,
)
_DEATH = re.compile(
    r"\b(?:killed|killing|kills|dead|died|dying|deaths?|lost their lives|slain|executed"
    r"|shot dead"
    r"|massacred|death toll|bodies)\b",
    re.IGNORECASE,
)
_COUNT = re.compile(
    r"\b(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen"
    r"|twenty|thirty|forty|fifty|hundred|dozens?|scores|hundreds|thousands|tens|several"
    r"|a number)\b",
    re.IGNORECASE,
)


_INJURY = re.compile(r"\b(?:injur|wound|hurt|casualt)", re.IGNORECASE)
_AND_COUNT = re.compile(
    r"\band\s+(?:over\s+|more than\s+|at least\s+|some\s+)?(?:\d|dozens|hundreds|scores)",
    re.IGNORECASE,
)
_OR_INJURED = re.compile(r"\s+or\s+(?:injur|wound|hurt)", re.IGNORECASE)
# Punctuation inside a name or a toll ("1,600" has a comma, but no comma and space).
_PUNCTUATION = (", ", ";", ":", '"', "“", "”", "(", ")", "–", "—")
# Longest toll phrase: "Eleven members of one family were killed", "killing five members of
# the Asayish security forces".
_TOLL_WORDS = 8
_AT_LEAST = re.compile(r"at least\b.*\w$", re.IGNORECASE)
_TOLL_START = re.compile(
    rf"(?:{_DEATH.pattern}|{_COUNT.pattern}|(?:at least|more than|over|up to|nearly|some|about)\b)",
    re.IGNORECASE,
)


def _clean_edges(phrase: str) -> bool:
    words = phrase.split()
    return (
        bool(words)
        and words[0].lower() not in _EDGE_WORDS
        and (words[-1].lower() not in _EDGE_WORDS)
    )


@lru_cache(maxsize=64)
def actor_phrases(sentence: str) -> tuple[str, ...]:
    """Phrases of ``sentence`` that name who did something or to whom: names the alias table
    resolves, then phrases ending in a word for armed men, officials or victims; never a
    phrase that runs on into a clause ("forces clashed with rebels") or a count."""
    known, headed = [], []
    for phrase in spans(sentence, _MOST_WORDS):
        if not _clean_edges(phrase) or not _one_name(phrase):
            continue
        actor = normalise_actor(phrase)
        if actor.normalised_name or actor.candidates:
            known.append(phrase)
        elif _ACTOR_HEAD.search(phrase):
            headed.append(phrase)
    # Not every capitalised name the table does not know: offered those, the model took the
    # villages of a list of strikes for the actors ("Alhbit"), and lost the places.
    return tuple(dict.fromkeys(known + headed))


def _one_name(phrase: str) -> bool:
    """No punctuation, clause word or count inside: a name, not a stretch of the sentence."""
    if any(c in phrase for c in _PUNCTUATION):
        return False
    words = phrase.split()
    return not _COUNT.fullmatch(words[0]) and not any(w.lower() in _BREAK for w in words)


@lru_cache(maxsize=64)
def place_phrases(sentence: str) -> tuple[str, ...]:
    """Phrases of ``sentence`` that may name where an event happened: runs of capitalised
    words (with a following "province", "village" ...) that are not actors, persons, days or
    peoples, or names the gazetteer knows."""
    gazetteer = Gazetteer.default()
    words, breaks, runs = _runs(sentence)
    found: dict[str, None] = {}
    for name, n, end in runs:
        if _a_person(words, n, end):
            continue
        if end not in breaks and end + 1 < len(words) and words[end + 1].lower() in _PLACE_WORDS:
            found.setdefault(f"{name} {words[end + 1]}", None)
        # The sentence's first word is capitalised whatever it is: a place only if known.
        if n or gazetteer.lookup(name) or gazetteer.admin1(name):
            found.setdefault(name, None)
    return tuple(
        p for p in found if len(p.split()) <= _MOST_WORDS and not normalise_actor(p).normalised_name
    )


def _runs(sentence: str) -> tuple[list[str], set[int], list[tuple[str, int, int]]]:
    """The sentence's words (bare of punctuation and possessives), the positions after which a
    name cannot go on (punctuation, a possessive: "Baghdad's Tahrir Square" is two names), and
    its runs of capitalised words ("Kafr Zita", "Government of National Accord")."""
    raw = sentence.split()
    words = [_POSSESSIVE.sub("", w.strip(_STRIP)) for w in raw]
    breaks = {
        n
        for n, w in enumerate(raw)
        if w[-1:] in ',.;:!?)"”’' or _POSSESSIVE.search(w.strip(_STRIP))
    }
    runs = []
    n = 0
    while n < len(words):
        if not _is_name(words[n]):
            n += 1
            continue
        end = n
        while end not in breaks and end + 1 < len(words):
            if _is_name(words[end + 1]):
                end += 1
            elif words[end + 1] == "of" and end + 2 < len(words) and _is_name(words[end + 2]):
                end += 2
            else:
                break
        runs.append((" ".join(words[n : end + 1]), n, end))
        n = end + 1
    return words, breaks, runs


def _a_person(words: list[str], start: int, end: int) -> bool:
    """The name at ``words[start:end+1]`` is a person's: after a title ("minister Sergei
    Shoigu"), or the speaker of "..., Shahdawi added"."""
    before = words[start - 1].lower() if start else ""
    after = words[end + 1].lower() if end + 1 < len(words) else ""
    return before in _TITLES or after in _SPEECH


def _is_name(word: str) -> bool:
    if not _NAME_WORD.match(word) or word.lower() in _NOT_PLACE:  # (bare of possessives)
        return False
    # "Russian-backed", "UK-based": an adjective, not a name.
    return all(part[:1].isupper() or part in _PARTICLES for part in word.split("-"))


@lru_cache(maxsize=64)
def date_phrases(sentence: str) -> tuple[str, ...]:
    """The date words of ``sentence`` ("on Saturday", "last week", "May 21")."""
    return tuple(dict.fromkeys(m.group(0).strip() for m in _DATE.finditer(sentence)))


@lru_cache(maxsize=64)
def toll_phrases(sentence: str) -> tuple[str, ...]:
    """Phrases of ``sentence`` that state deaths with a number ("killing at least 19
    civilians", "27 people dead"): a count and a word of death, within a few words."""
    if not _DEATH.search(sentence):
        return ()
    return tuple(
        phrase
        for phrase in spans(sentence, _TOLL_WORDS)
        if _DEATH.search(phrase)
        and _COUNT.search(phrase)
        and (_clean_edges(phrase) or _AT_LEAST.match(phrase))
        and not any(c in phrase for c in _PUNCTUATION)
        # It starts at its count or its verb ("killing at least 19 civilians", "27 people
        # dead"), not in the middle of the clause before.
        and _TOLL_START.match(phrase)
        # Deaths only: "killed or injured", "27 dead and 150 injured" are not a death toll.
        and not _INJURY.search(phrase)
        and not _AND_COUNT.search(phrase)  # "27 people dead and over 150": two figures
        and not _OR_INJURED.match(sentence, sentence.find(phrase) + len(phrase))
    )
