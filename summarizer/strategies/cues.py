"""What kinds of event a sentence's own words allow: the staged strategy's typing rules.

Asked to pick a sub-event type from ACLED's whole list, the 1.5B embedded model answers
"Attack" for almost everything (20 of 38 events on the sample articles, 7 of them right); asked
for a kind of event per sentence it answers "attack on civilians" for almost everything. News
wording is more reliable than that: an air strike is written "air strike", "warplanes",
"bombed"; a capture "seized", "retook", "took control of". So the words of the sentence decide
which types are possible, and the model only chooses among those (often one). A sentence with
no such word reports no event the strategy can code, and is not asked about at all.

ACLED's territory types are told apart by who took the place, which is the actor the model
picks, so ``territory_type`` decides that in code from the actor's type.
"""

from __future__ import annotations

import re

from summarizer.types.records import ActorType, PloverType, SubEventType

_S = SubEventType
_P = PloverType


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


# Violent events: the words that allow each sub-event type.
VIOLENT_CUES: tuple[tuple[re.Pattern[str], tuple[SubEventType, ...]], ...] = (
    (
        _words(
            r"air ?strikes?|airstrikes?|air raids?|air attacks?|warplanes?|war planes?|jets?"
            r"|aircraft|helicopters?|drones?|barrel bombs?|bombing|bombed|bombs?|air campaign"
            r"|air forces?|strikes?|struck|raids?|pounded"
        ),
        (_S.AIR_DRONE_STRIKE,),
    ),
    (_words(r"target(?:ed|ing|s)?"), (_S.AIR_DRONE_STRIKE, _S.SHELLING_ARTILLERY_MISSILE)),
    (
        _words(
            r"shell(?:ed|ing|s)?|artillery|mortars?|rockets?|missiles?|bombardments?"
            r"|surface-to-surface"
        ),
        (_S.SHELLING_ARTILLERY_MISSILE,),
    ),
    (
        _words(
            r"clash(?:ed|es)?|fighting|fought|fight|battl(?:e|ed|es|ing)|offensive|assaults?"
            r"|ground attack|resisted|ambush(?:ed)?|firefights?|skirmish(?:es)?"
        ),
        (_S.ARMED_CLASH,),
    ),
    (
        _words(
            r"seiz(?:e|ed|es|ing)|seizure|captur(?:e|ed|es|ing)|retook|retak(?:e|en|ing)"
            r"|recaptur(?:e|ed|ing)|took (?:the |full )?control|taken (?:full )?control|took over"
            r"|overr(?:an|un)"
            r"|advanc(?:e|ed|es|ing)|gain(?:ed|s)? ground|entered|regain(?:ed)?|liberat(?:e|ed)"
        ),
        (_S.GOVERNMENT_REGAINS_TERRITORY, _S.NON_STATE_ACTOR_OVERTAKES_TERRITORY),
    ),
    (
        _words(
            r"IEDs?|landmines?|mines?|explosives?|car bombs?|roadside bombs?|blasts?"
            r"|explosions?|detonat(?:ed|ion)|booby-trapped"
        ),
        (_S.REMOTE_EXPLOSIVE,),
    ),
    (_words(r"suicide"), (_S.SUICIDE_BOMB,)),
    (_words(r"chemical|sarin|chlorine|toxic gas|gas attack"), (_S.CHEMICAL_WEAPON,)),
    (_words(r"abduct(?:ed|ion|s)?|kidnap(?:ped|ping|s)?|disappeared"), (_S.ABDUCTION,)),
    (_words(r"arrest(?:ed|s)?|detain(?:ed|s)?|detention"), (_S.ARRESTS,)),
    (
        _words(r"protest(?:ed|s|ers)?|demonstrat(?:ed|ion|ions|ors)|rall(?:y|ies|ied)"),
        (_S.PEACEFUL_PROTEST,),
    ),
    (
        _words(r"massacres?|executed|executions?|gunmen|shot dead|killed|killing|kills"),
        (_S.ATTACK,),
    ),
    # An attack on civilians is ACLED's "Attack"; on soldiers or a base, an armed clash.
    (_words(r"attack(?:ed|s|ing)?|raid(?:ed|s)?|stormed"), (_S.ATTACK, _S.ARMED_CLASH)),
)

# Statements and diplomacy (PLOVER): the words that allow each type.
DIPLOMATIC_CUES: tuple[tuple[re.Pattern[str], PloverType], ...] = (
    (
        _words(
            r"propos(?:e|ed|es|al|als|ing)|call(?:ed|s)? (?:on"
            r"|for)|urg(?:e|ed|es)|request(?:ed|s)?|asked|appeal(?:ed)?"
        ),
        _P.REQUEST,
    ),
    (
        _words(
            r"reject(?:ed|s|ion)?|refus(?:e|ed"
            r"|es)|did not accept|dismiss(?:ed)?|disagree(?:d|s)?|denied"
        ),
        _P.REJECT,
    ),
    (
        _words(
            r"accus(?:e|ed|es|ing|ation|ations)|blam(?:e|ed"
            r"|es)|slamm?(?:ed)?|criticis(?:e|ed)|criticiz(?:e|ed)|condemn(?:ed|s)?|violations?"
        ),
        _P.ACCUSE,
    ),
    (_words(r"threat(?:s|en|ened|ens)?|warn(?:ed|s)?|reserve its right|ultimatum"), _P.THREATEN),
    (
        _words(
            r"talks|met|meet(?:s|ing|ings)?|discuss(?:ed|ion"
            r"|ions)?|consult(?:ed|ations)?|summit|negotiat(?:e|ed|ions?)|held discussions"
        ),
        _P.CONSULT,
    ),
    (_words(r"agree(?:d|s|ment|ments)?|deal|accord|ceasefire|truce|implement"), _P.AGREE),
    (_words(r"cooperat(?:e|ed|ion)|coordinat(?:e|ed|ion)|joint"), _P.COOPERATE),
    (
        _words(
            r"deploy(?:ed|s|ment)?|sent (?:troops|forces|tanks|\w+ of (?:troops|tanks|soldiers))"
            r"|mobili[sz](?:e|ed|ation)|reinforcements|build-?up|massed"
        ),
        _P.MOBILIZE,
    ),
    (
        _words(r"voiced (?:its |their )?support|pledged support|expressed support|endorsed"),
        _P.SUPPORT,
    ),
    (
        _words(
            r"withdr(?:ew|awn|aw|awal)|retreat(?:ed|ing)?|pull(?:ed)? out|departed"
            r"|evacuat(?:ed|ion)"
        ),
        _P.RETREAT,
    ),
)

# The types of an event the sentence's words allow: (sub-event types, PLOVER types).
Allowed = tuple[tuple[SubEventType, ...], tuple[PloverType, ...]]


def allowed_types(sentence: str) -> Allowed:
    """The sub-event and PLOVER types ``sentence``'s words allow, in the tables' order; two
    empty tuples when it has no word of an event."""
    sub: dict[SubEventType, None] = {}
    for pattern, types in VIOLENT_CUES:
        if pattern.search(sentence):
            sub.update(dict.fromkeys(types))
    plover: dict[PloverType, None] = {}
    if sub.keys() - {_S.PEACEFUL_PROTEST}:
        plover[_P.ASSAULT] = None
    if _S.PEACEFUL_PROTEST in sub:
        plover[_P.PROTEST] = None
    for pattern, ptype in DIPLOMATIC_CUES:
        if pattern.search(sentence):
            plover[ptype] = None
    if _P.AGREE in plover:
        sub[_S.AGREEMENT] = None  # ACLED codes some agreements (Strategic developments)
    return tuple(sub), tuple(plover)


def may_report_event(sentence: str) -> bool:
    """Whether ``sentence`` has any word of an event (else stage 1 does not ask about it)."""
    sub, plover = allowed_types(sentence)
    return bool(sub or plover)


_TERRITORY = {_S.GOVERNMENT_REGAINS_TERRITORY, _S.NON_STATE_ACTOR_OVERTAKES_TERRITORY}
_GOVERNMENT_SIDE = {ActorType.STATE_FORCES, ActorType.EXTERNAL_OTHER}


def territory_type(chosen: SubEventType | None, actor1: ActorType | None) -> SubEventType | None:
    """ACLED's territory type is the taker's: the government (and its foreign backers)
    *regains*, anyone else *overtakes*. Other types, or an unknown taker, stand as chosen."""
    if chosen not in _TERRITORY or actor1 is None:
        return chosen
    if actor1 in _GOVERNMENT_SIDE:
        return _S.GOVERNMENT_REGAINS_TERRITORY
    return _S.NON_STATE_ACTOR_OVERTAKES_TERRITORY
