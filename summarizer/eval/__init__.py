"""Score predicted event records against gold annotations (``summarizer eval``).

* ``gold``     - the gold event model and the JSON Lines loader (the format is documented there);
* ``matching`` - comparing one prediction with one gold event (type, place, date, actors, toll,
                 evidence) and pairing them one-to-one per article: *strict*, *type+place+date*
                 and *lenient* pairs (the rules are documented there);
* ``scores``   - precision, recall and F1 for each kind of pair, per-field accuracy, fatality
                 error, evidence; the report as JSON and as Rich tables.

This package's face re-exports what callers import, so ``from summarizer.eval import evaluate``
keeps working whichever module a name lives in.
"""

from summarizer.eval.gold import GoldError, GoldEvent, GoldSet, load_gold
from summarizer.eval.matching import (
    DATE_SLACK,
    actor_key,
    actor_matches,
    admin1_matches,
    assign,
    date_matches,
    eligible,
    event_type_matches,
    field_checks,
    gold_deaths,
    is_lenient,
    is_strict,
    is_type_place_date,
    match_pairs,
    place_key,
    place_matches,
    predicted_deaths,
    similarity,
    toll_matches,
    type_matches,
)
from summarizer.eval.scores import (
    CHECKED_BY,
    FIELDS,
    MATCH_FIELDS,
    ArticleReport,
    EvalReport,
    EvidenceScore,
    FatalityScore,
    FieldScore,
    PairReport,
    Scores,
    evaluate,
    report_tables,
)

__all__ = [
    "CHECKED_BY",
    "DATE_SLACK",
    "FIELDS",
    "MATCH_FIELDS",
    "ArticleReport",
    "EvalReport",
    "EvidenceScore",
    "FatalityScore",
    "FieldScore",
    "GoldError",
    "GoldEvent",
    "GoldSet",
    "PairReport",
    "Scores",
    "actor_key",
    "actor_matches",
    "admin1_matches",
    "assign",
    "date_matches",
    "eligible",
    "evaluate",
    "event_type_matches",
    "field_checks",
    "gold_deaths",
    "is_lenient",
    "is_strict",
    "is_type_place_date",
    "load_gold",
    "match_pairs",
    "place_key",
    "place_matches",
    "predicted_deaths",
    "report_tables",
    "similarity",
    "toll_matches",
    "type_matches",
]
