"""The report: precision, recall and F1 for each kind of pair, per-field accuracy, fatality error,
evidence, per article; as a pydantic model (the JSON report) and as Rich tables.

Precision is pairs / predicted events; recall is pairs / (required gold events + optional ones
matched). Per-field accuracy, fatality error and bias are measured on the lenient pairs; the
evidence figures on every predicted event of a scored article.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from pydantic import BaseModel, Field

from summarizer.eval.gold import GoldEvent, GoldSet
from summarizer.eval.matching import (
    field_checks,
    gold_deaths,
    is_lenient,
    is_strict,
    is_type_place_date,
    match_pairs,
    predicted_deaths,
)
from summarizer.types.records import ArticleSummary, EventRecord, MatchStatus

__all__ = [
    "CHECKED_BY",
    "FIELDS",
    "KINDS",
    "MATCH_FIELDS",
    "ArticleReport",
    "EvalReport",
    "EvidenceScore",
    "FatalityScore",
    "FieldScore",
    "PairReport",
    "Scores",
    "evaluate",
    "report_tables",
]

# The kinds of pair, strictest first: (report attribute, label, the pair test).
KINDS: tuple[tuple[str, str, Callable[[EventRecord, GoldEvent], bool]], ...] = (
    ("strict", "strict", is_strict),
    ("type_place_date", "type+place+date", is_type_place_date),
    ("lenient", "lenient", is_lenient),
)
# ``EvalReport.fields``: the per-field accuracy reports have always held (their keys are part
# of the JSON report); ``EvalReport.match_fields``: the other criteria a kind of pair checks.
FIELDS = ("sub_event_type", "actor1", "actor2", "admin1", "date", "fatalities")
MATCH_FIELDS = ("type", "event_type", "place", "fatalities_range")
# Which kinds of pair require each field (the rest are reported, not required).
CHECKED_BY: dict[str, tuple[str, ...]] = {
    "type": ("strict",),
    "event_type": ("type_place_date",),
    "place": ("strict", "type_place_date"),
    "date": ("strict", "type_place_date"),
    "actor1": ("strict",),
    "fatalities_range": ("strict",),
}
_LABELS = {
    "type": "type (sub-event / PLOVER)",
    "event_type": "event type (or PLOVER)",
    "fatalities_range": "fatalities in gold range",
    "fatalities": "fatalities (exact)",
}


class Scores(BaseModel):
    matched: int = Field(description="Pairs (true positives), optional gold events included.")
    predicted: int
    gold: int = Field(description="Required gold events + optional ones matched.")
    precision: float | None
    recall: float | None
    f1: float | None

    @classmethod
    def of(cls, matched: int, predicted: int, gold: int) -> Scores:
        precision = matched / predicted if predicted else None
        recall = matched / gold if gold else None
        if precision is None or recall is None:
            f1 = None
        else:
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(
            matched=matched,
            predicted=predicted,
            gold=gold,
            precision=precision,
            recall=recall,
            f1=f1,
        )


class FieldScore(BaseModel):
    correct: int
    total: int
    accuracy: float | None
    checked_by: list[str] = Field(
        default_factory=list, description="The kinds of pair that require this field."
    )


class FatalityScore(BaseModel):
    pairs: int
    mae: float | None = Field(description="Mean absolute error of the ACLED count (null = 0).")
    bias: float | None = Field(description="Mean signed error, predicted - gold.")


class EvidenceScore(BaseModel):
    quotes: int
    exact: int
    fuzzy: int
    unmatched: int
    grounded_share: float | None = Field(description="(exact + fuzzy) / quotes.")
    ungrounded_events: int = Field(
        default=0, description="Predicted events none of whose quotes was found: never paired."
    )
    suspect_events: int = Field(
        default=0,
        description="Predicted events resting only on an instruction planted for AI models: "
        "never paired.",
    )


class PairReport(BaseModel):
    gold_id: str
    event_id: str
    strict: bool
    type_place_date: bool = False
    wrong_fields: list[str]
    fatalities_gold: int
    fatalities_gold_range: tuple[int, int] | None = None
    fatalities_predicted: int


class ArticleReport(BaseModel):
    article_id: str
    gold_required: int
    gold_optional: int
    predicted: int
    strict_matched: int
    type_place_date_matched: int = 0
    lenient_matched: int
    missed_strict: list[str] = Field(description="Required gold events with no strict pair.")
    missed_type_place_date: list[str] = Field(default_factory=list)
    missed_lenient: list[str]
    extra_strict: list[str] = Field(description="Predicted events with no strict pair.")
    extra_type_place_date: list[str] = Field(default_factory=list)
    extra_lenient: list[str]
    pairs: list[PairReport] = Field(description="The lenient pairs, field by field.")


class EvalReport(BaseModel):
    results: str | None = None
    gold: str | None = None
    articles: int
    predicted_events: int
    gold_required: int
    gold_optional: int
    strict: Scores
    type_place_date: Scores
    lenient: Scores
    fields: dict[str, FieldScore]
    match_fields: dict[str, FieldScore] = Field(
        default_factory=dict,
        description="Per-field accuracy of the other pair criteria (type, event type, place, "
        "toll in range), on the lenient pairs like ``fields``.",
    )
    fatalities: FatalityScore
    evidence: EvidenceScore
    per_article: list[ArticleReport]
    articles_without_prediction: list[str]
    articles_without_gold: list[str]


def _missed(golds: list[GoldEvent], pairs) -> list[str]:
    hit = {g.gold_id for _, g in pairs}
    return [g.gold_id for g in golds if not g.optional and g.gold_id not in hit]


def _extra(preds: list[EventRecord], pairs) -> list[str]:
    hit = {p.id for p, _ in pairs}
    return [p.id for p in preds if p.id not in hit]


def _ratio(a: float, b: int) -> float | None:
    return a / b if b else None


def own_tolls(events: list[EventRecord]) -> list[EventRecord]:
    """Each event with the deaths it adds to its article: a day's total that includes the
    deaths of other events (``Fatalities.includes``) is scored on the rest, as the gold splits
    totals the ACLED way (26 killed, 8 of them by a mine told apart: 18 and 8)."""
    if not any(e.fatalities.includes for e in events):
        return events
    counts = {e.id: e.fatalities.acled for e in events}
    return [
        e
        if not e.fatalities.includes
        else e.model_copy(
            update={
                "fatalities": e.fatalities.model_copy(
                    update={"acled": e.fatalities.own_deaths(counts)}
                )
            }
        )
        for e in events
    ]


def evaluate(
    predictions: Iterable[ArticleSummary],
    gold: GoldSet,
    *,
    results_label: str | None = None,
    gold_label: str | None = None,
) -> EvalReport:
    """Score ``predictions`` against ``gold`` (see ``summarizer.eval.matching`` for the pairs).

    Only articles that appear in the gold file are scored; their predictions are all scored."""
    by_article: dict[str, ArticleSummary] = {}
    for summary in predictions:
        by_article[summary.article_id] = summary  # a re-run's later line wins
    gold_ids = gold.article_ids
    tp: dict[str, int] = defaultdict(int)
    gold_counts: dict[str, int] = defaultdict(int)
    n_pred = ungrounded = suspect = 0
    field_counts: dict[str, list[int]] = {f: [0, 0] for f in (*FIELDS, *MATCH_FIELDS)}
    errors: list[int] = []
    evidence: dict[MatchStatus, int] = defaultdict(int)
    articles: list[ArticleReport] = []
    for article_id in gold_ids:
        golds = gold.for_article(article_id)
        summary = by_article.get(article_id)
        preds = own_tolls(list(summary.events)) if summary else []
        n_pred += len(preds)
        ungrounded += sum(not p.grounded for p in preds)
        suspect += sum(p.suspect_source for p in preds)
        for event in preds:
            for quote in event.evidence:
                evidence[quote.status] += 1
        required = sum(not g.optional for g in golds)
        pairs = {name: match_pairs(preds, golds, test) for name, _, test in KINDS}
        for name, found in pairs.items():
            tp[name] += len(found)
            gold_counts[name] += required + sum(g.optional for _, g in found)
        strict_ids = {(p.id, g.gold_id) for p, g in pairs["strict"]}
        tpd_ids = {(p.id, g.gold_id) for p, g in pairs["type_place_date"]}
        pair_reports = []
        for p, g in pairs["lenient"]:
            checks = field_checks(p, g)
            for name, ok in checks.items():
                field_counts[name][0] += ok
                field_counts[name][1] += 1
            errors.append(predicted_deaths(p) - gold_deaths(g))
            pair_reports.append(
                PairReport(
                    gold_id=g.gold_id,
                    event_id=p.id,
                    strict=(p.id, g.gold_id) in strict_ids,
                    type_place_date=(p.id, g.gold_id) in tpd_ids,
                    wrong_fields=[n for n, ok in checks.items() if not ok],
                    fatalities_gold=gold_deaths(g),
                    fatalities_gold_range=g.toll_range,
                    fatalities_predicted=predicted_deaths(p),
                )
            )
        articles.append(
            ArticleReport(
                article_id=article_id,
                gold_required=required,
                gold_optional=len(golds) - required,
                predicted=len(preds),
                strict_matched=len(pairs["strict"]),
                type_place_date_matched=len(pairs["type_place_date"]),
                lenient_matched=len(pairs["lenient"]),
                missed_strict=_missed(golds, pairs["strict"]),
                missed_type_place_date=_missed(golds, pairs["type_place_date"]),
                missed_lenient=_missed(golds, pairs["lenient"]),
                extra_strict=_extra(preds, pairs["strict"]),
                extra_type_place_date=_extra(preds, pairs["type_place_date"]),
                extra_lenient=_extra(preds, pairs["lenient"]),
                pairs=pair_reports,
            )
        )

    def field(name: str) -> FieldScore:
        correct, total = field_counts[name]
        return FieldScore(
            correct=correct,
            total=total,
            accuracy=_ratio(correct, total),
            checked_by=list(CHECKED_BY.get(name, ())),
        )

    quotes = sum(evidence.values())
    exact, fuzzy = evidence[MatchStatus.EXACT], evidence[MatchStatus.FUZZY]
    scores = {name: Scores.of(tp[name], n_pred, gold_counts[name]) for name, _, _ in KINDS}
    return EvalReport(
        results=results_label,
        gold=gold_label,
        articles=len(gold_ids),
        predicted_events=n_pred,
        gold_required=sum(not g.optional for g in gold.events),
        gold_optional=sum(g.optional for g in gold.events),
        strict=scores["strict"],
        type_place_date=scores["type_place_date"],
        lenient=scores["lenient"],
        fields={name: field(name) for name in FIELDS},
        match_fields={name: field(name) for name in MATCH_FIELDS},
        fatalities=FatalityScore(
            pairs=len(errors),
            mae=_ratio(sum(abs(e) for e in errors), len(errors)),
            bias=_ratio(sum(errors), len(errors)),
        ),
        evidence=EvidenceScore(
            quotes=quotes,
            exact=exact,
            fuzzy=fuzzy,
            unmatched=evidence[MatchStatus.UNMATCHED],
            grounded_share=_ratio(exact + fuzzy, quotes),
            ungrounded_events=ungrounded,
            suspect_events=suspect,
        ),
        per_article=articles,
        articles_without_prediction=[a for a in gold_ids if a not in by_article],
        articles_without_gold=[a for a in by_article if a not in set(gold_ids)],
    )


# ----------------------------------------------------------------------------------------------
# presentation
# ----------------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report_tables(report: EvalReport) -> list:
    """Rich renderables: the three scores side by side, per-field accuracy (and which score
    requires each field), fatalities and evidence, per article."""
    from rich.table import Table
    from rich.text import Text

    title = (
        f"Evaluation: {report.articles} articles, {report.predicted_events} predicted events, "
        f"{report.gold_required + report.gold_optional} gold ({report.gold_required} required + "
        f"{report.gold_optional} optional)"
    )
    kinds = [(label, getattr(report, name)) for name, label, _ in KINDS]
    scores = Table()
    # Below the table rather than as its caption: a caption wraps to the narrow table's width.
    legend = Text(
        "strict: sub-event type (PLOVER type if diplomatic), place, date, actor 1, toll in the "
        "gold range. type+place+date: event type, place, date. lenient: disorder type. No "
        "score pairs an event whose evidence is not in the text or rests on a planted "
        "instruction.",
        style="dim",
    )
    scores.add_column("")
    for label, _ in kinds:
        scores.add_column(label, justify="right")
    rows: list[tuple[str, Callable[[Scores], str]]] = [
        ("pairs", lambda s: str(s.matched)),
        ("predicted", lambda s: str(s.predicted)),
        ("gold", lambda s: str(s.gold)),
        ("precision", lambda s: _pct(s.precision)),
        ("recall", lambda s: _pct(s.recall)),
        ("F1", lambda s: _pct(s.f1)),
    ]
    for row_label, cell in rows:
        scores.add_row(row_label, *(cell(s) for _, s in kinds))

    short = {name: label for name, label, _ in KINDS}
    fields = Table(title="On the lenient pairs", title_justify="left")
    fields.add_column("field")
    fields.add_column("accuracy", justify="right")
    fields.add_column("correct", justify="right")
    fields.add_column("required by")
    ordered = {**report.match_fields, **report.fields}
    order = ("type", "event_type", "place", "date", "actor1", "fatalities_range")
    for name in (*order, *(n for n in ordered if n not in order)):
        if name not in ordered:
            continue
        f = ordered[name]
        fields.add_row(
            _LABELS.get(name, name),
            _pct(f.accuracy),
            f"{f.correct} / {f.total}",
            ", ".join(short[k] for k in f.checked_by) or "-",
        )
    fat = report.fatalities
    fields.add_row(
        "fatalities MAE / bias",
        "-" if fat.mae is None else f"{fat.mae:.2f} / {fat.bias:+.2f}",
        f"{fat.pairs} pairs",
        "",
    )
    ev = report.evidence
    fields.add_row(
        "evidence quotes grounded",
        _pct(ev.grounded_share),
        f"{ev.exact + ev.fuzzy} / {ev.quotes} ({ev.exact} exact, {ev.fuzzy} fuzzy)",
        "",
    )
    if ev.ungrounded_events or ev.suspect_events:
        fields.add_row(
            "events never paired",
            "",
            f"{ev.ungrounded_events} ungrounded, {ev.suspect_events} suspect source",
            "every score",
        )

    per = Table(title="Per article", title_justify="left")
    for name, justify in (
        ("article", "left"),
        ("gold", "right"),
        ("pred", "right"),
        ("strict", "right"),
        ("t+p+d", "right"),
        ("lenient", "right"),
        ("missed (strict)", "left"),
        ("extra (strict)", "left"),
    ):
        # The article id is what a reader looks up: never cropped; the id lists wrap instead.
        per.add_column(
            name,
            justify=justify,  # type: ignore[arg-type]
            no_wrap=name == "article",
            overflow="fold",
        )
    for a in report.per_article:
        per.add_row(
            a.article_id,
            f"{a.gold_required}+{a.gold_optional}",
            str(a.predicted),
            str(a.strict_matched),
            str(a.type_place_date_matched),
            str(a.lenient_matched),
            ", ".join(a.missed_strict) or "-",
            ", ".join(e.rsplit("#", 1)[-1] for e in a.extra_strict) or "-",
        )
    out: list = [Text(title, style="bold"), scores, legend, fields, per]
    if report.articles_without_prediction:
        out.append(
            "No prediction for: "
            + ", ".join(report.articles_without_prediction)
            + " (their gold events count as missed)"
        )
    if report.articles_without_gold:
        out.append("Not in the gold file, not scored: " + ", ".join(report.articles_without_gold))
    return out
