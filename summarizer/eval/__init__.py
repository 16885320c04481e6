"""Score predicted event records against gold annotations.

Gold format (JSON Lines, one *event* per line; field names are the CSV export's, see
``summarizer.export.csv``)::

    {"article_id": "000_7f59d95cd243b889", "gold_id": "000-1",
     "sub_event_type": "Armed clash", "plover_type": "ASSAULT",
     "actor1": "Military Forces of Syria", "actor2": "Opposition Rebels (Syria)",
     "location": "al-Zara", "admin1": "Homs", "geo_precision": 1,
     "event_date": "2016-05-21", "event_date_end": "2016-05-21", "time_precision": 1,
     "fatalities": null, "evidence": "Syrian forces clashed with ...", "notes": "..."}

* ``event_type`` and ``disorder_type`` may be left out: they follow from ``sub_event_type``
  (a given value must agree). A diplomatic or verbal event has no ACLED type: leave
  ``sub_event_type`` null and give ``plover_type``.
* ``actor1_alt`` / ``actor2_alt`` / ``location_alt``: other names that count as the same
  actor or place (spellings, or a defensible second coding).
* ``event_date`` .. ``event_date_end``: the window the event happened in (end defaults to
  start); null when the article gives no usable date (e.g. "on Saturday" in an undated article).
* ``fatalities``: the ACLED conservative death count; null when the article states none
  (scored as 0, ACLED's convention).
* ``optional: true``: a borderline event. Matching it counts; missing it does not.
* ``{"article_id": "...", "no_events": true}``: an article annotated as reporting no event.

Only articles that appear in the gold file are scored; their predictions are all scored.

Matching, per article, one-to-one (Hungarian assignment, ``assign``):

* **strict** pair: same event type (the PLOVER type for events without an ACLED type), the
  predicted date window inside the gold window widened by one day each side (both undated
  also counts), and the same place: the same name (any spelling listed, folded like the
  gazetteer folds names), or, when the gold place is a region only (``geo_precision`` 3),
  the same admin1. A gold event without a place matches only a prediction without one.
* **lenient** pair: same article and same disorder type (two diplomatic events are alike).

Each kind is its own assignment that first maximises the number of pairs, then the similarity of
type, place, date and actors (a required gold event before an optional one only on a tie).
Precision is pairs / predicted events; recall is pairs / (required gold events + optional ones
matched).
Per-field accuracy, fatality error and bias are measured on the lenient pairs; the share of
grounded evidence quotes on every predicted event in a scored article.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from summarizer.pipeline.normalise.text import fold, name_key, skeleton
from summarizer.types.records import (
    SUB_EVENT_PARENT,
    Actor,
    ActorType,
    ArticleSummary,
    DisorderType,
    EventRecord,
    EventType,
    MatchStatus,
    PloverType,
    SubEventType,
    disorder_type_of,
)

__all__ = [
    "EvalReport",
    "GoldError",
    "GoldEvent",
    "GoldSet",
    "assign",
    "evaluate",
    "load_gold",
    "report_tables",
]

DATE_SLACK = dt.timedelta(days=1)
FIELDS = ("sub_event_type", "actor1", "actor2", "admin1", "date", "fatalities")


# ----------------------------------------------------------------------------------------------
# gold
# ----------------------------------------------------------------------------------------------


class GoldError(ValueError):
    pass


class GoldEvent(BaseModel):
    """One gold event (see the module docstring for the format)."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    gold_id: str = ""
    optional: bool = False
    event_type: EventType | None = None
    sub_event_type: SubEventType | None = None
    disorder_type: DisorderType | None = None
    plover_type: PloverType | None = None
    actor1: str
    actor1_alt: list[str] = Field(default_factory=list)
    inter1: ActorType | None = None
    actor2: str | None = None
    actor2_alt: list[str] = Field(default_factory=list)
    inter2: ActorType | None = None
    location: str | None = None
    location_alt: list[str] = Field(default_factory=list)
    admin1: str | None = None
    geo_precision: Literal[1, 2, 3] | None = None
    event_date: dt.date | None = None
    event_date_end: dt.date | None = None
    time_precision: Literal[1, 2, 3] | None = None
    fatalities: int | None = Field(default=None, ge=0)
    evidence: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _derive(self) -> GoldEvent:
        if self.sub_event_type is not None:
            parent = SUB_EVENT_PARENT[self.sub_event_type]
            if self.event_type not in (None, parent):
                raise ValueError(
                    f"sub_event_type {self.sub_event_type.value!r} belongs to {parent.value!r}"
                )
            self.event_type = parent
        elif self.event_type is not None:
            raise ValueError("event_type without sub_event_type: give the sub-event type")
        derived = disorder_type_of(self.event_type)
        if self.disorder_type not in (None, derived):
            raise ValueError(f"disorder_type does not follow from event_type ({derived})")
        self.disorder_type = derived
        if self.event_type is None and self.plover_type is None:
            raise ValueError("an event without an ACLED type needs a plover_type")
        if self.event_date_end is None:
            self.event_date_end = self.event_date
        elif self.event_date is None:
            raise ValueError("event_date_end without event_date")
        elif self.event_date_end < self.event_date:
            raise ValueError("event_date_end is before event_date")
        return self


class GoldSet(BaseModel):
    """Gold events by article, plus the articles annotated as having none."""

    events: list[GoldEvent]
    empty_articles: list[str] = Field(default_factory=list)

    @property
    def article_ids(self) -> list[str]:
        return list(dict.fromkeys([*(e.article_id for e in self.events), *self.empty_articles]))

    def for_article(self, article_id: str) -> list[GoldEvent]:
        return [e for e in self.events if e.article_id == article_id]


def load_gold(path: Path) -> GoldSet:
    """Read a gold JSONL file; the first bad line is named with its number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GoldError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise GoldError(f"{path}: not UTF-8 text") from None
    events: list[GoldEvent] = []
    empty: list[str] = []
    seen: set[str] = set()
    for lineno, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise GoldError(f"{path}:{lineno}: expected a JSON object")
            if obj.get("no_events"):
                if set(obj) - {"article_id", "no_events", "notes"}:
                    raise GoldError(f"{path}:{lineno}: a no_events line holds only article_id")
                empty.append(str(obj["article_id"]))
                continue
            event = GoldEvent.model_validate(obj)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "event"
            raise GoldError(
                f"{path}:{lineno}: not a gold event ({where}: {first['msg']})"
            ) from None
        if not event.gold_id:
            event.gold_id = f"{event.article_id}:{lineno}"
        if event.gold_id in seen:
            raise GoldError(f"{path}:{lineno}: duplicate gold_id {event.gold_id!r}")
        seen.add(event.gold_id)
        events.append(event)
    if not events and not empty:
        raise GoldError(f"{path}: no gold events")
    overlap = set(empty) & {e.article_id for e in events}
    if overlap:
        raise GoldError(f"{path}: marked no_events but has events: {', '.join(sorted(overlap))}")
    return GoldSet(events=events, empty_articles=empty)


# ----------------------------------------------------------------------------------------------
# comparing one prediction with one gold event
# ----------------------------------------------------------------------------------------------

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


def _place_key(name: str) -> str:
    return " ".join(t for t in skeleton(name).split() if t not in _PLACE_FILLER)


def _admin1_key(name: str | None) -> str | None:
    if not name:
        return None
    from summarizer.pipeline.normalise import Gazetteer

    return fold(Gazetteer.default().admin1(name) or name)


def _type_key(event_type: EventType | None, plover: PloverType | None) -> str:
    return event_type.value if event_type else f"PLOVER:{plover.value if plover else '?'}"


def actor_matches(pred: Actor | None, gold: str | None, alternatives: Sequence[str] = ()) -> bool:
    """Same actor: the predicted name as written or normalised equals the gold name or one of
    its alternatives, folded (case, accents, punctuation, the Arabic article)."""
    if gold is None:
        return pred is None
    if pred is None:
        return False
    wanted = {name_key(n) for n in (gold, *alternatives)}
    return any(name_key(n) in wanted for n in (pred.normalised_name, pred.name) if n)


def admin1_matches(pred: EventRecord, gold: GoldEvent) -> bool:
    return _admin1_key(pred.place.admin1 if pred.place else None) == _admin1_key(gold.admin1)


def place_matches(pred: EventRecord, gold: GoldEvent) -> bool:
    if gold.location is None:
        return pred.place is None
    if pred.place is None:
        return False
    if gold.geo_precision == 3 and gold.admin1:
        return admin1_matches(pred, gold)
    wanted = {_place_key(n) for n in (gold.location, *gold.location_alt)}
    return any(_place_key(n) in wanted for n in (pred.place.normalised_name, pred.place.name) if n)


def date_matches(pred: EventRecord, gold: GoldEvent) -> bool:
    """The predicted window lies inside the gold window widened by a day; undated = undated."""
    start, end = pred.date.start, pred.date.end or pred.date.start
    if gold.event_date is None:
        return start is None
    if start is None or end is None:
        return False
    assert gold.event_date_end is not None
    return gold.event_date - DATE_SLACK <= start and end <= gold.event_date_end + DATE_SLACK


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


def is_strict(pred: EventRecord, gold: GoldEvent) -> bool:
    return (
        _type_key(pred.event_type, pred.plover_type) == _type_key(gold.event_type, gold.plover_type)
        and date_matches(pred, gold)
        and place_matches(pred, gold)
    )


def is_lenient(pred: EventRecord, gold: GoldEvent) -> bool:
    return pred.disorder_type == gold.disorder_type


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
    return {
        "sub_event_type": pred.sub_event_type == gold.sub_event_type,
        "actor1": actor_matches(pred.actor1, gold.actor1, gold.actor1_alt),
        "actor2": actor_matches(pred.actor2, gold.actor2, gold.actor2_alt),
        "admin1": admin1_matches(pred, gold),
        "date": date_matches(pred, gold),
        "fatalities": predicted_deaths(pred) == gold_deaths(gold),
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


def _match(
    preds: list[EventRecord], golds: list[GoldEvent], compatible
) -> list[tuple[EventRecord, GoldEvent]]:
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


# ----------------------------------------------------------------------------------------------
# the report
# ----------------------------------------------------------------------------------------------


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


class PairReport(BaseModel):
    gold_id: str
    event_id: str
    strict: bool
    wrong_fields: list[str]
    fatalities_gold: int
    fatalities_predicted: int


class ArticleReport(BaseModel):
    article_id: str
    gold_required: int
    gold_optional: int
    predicted: int
    strict_matched: int
    lenient_matched: int
    missed_strict: list[str] = Field(description="Required gold events with no strict pair.")
    missed_lenient: list[str]
    extra_strict: list[str] = Field(description="Predicted events with no strict pair.")
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
    lenient: Scores
    fields: dict[str, FieldScore]
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


def evaluate(
    predictions: Iterable[ArticleSummary],
    gold: GoldSet,
    *,
    results_label: str | None = None,
    gold_label: str | None = None,
) -> EvalReport:
    """Score ``predictions`` against ``gold`` (see the module docstring for the rules)."""
    by_article: dict[str, ArticleSummary] = {}
    for summary in predictions:
        by_article[summary.article_id] = summary  # a re-run's later line wins
    gold_ids = gold.article_ids
    strict_tp = lenient_tp = strict_gold = lenient_gold = n_pred = 0
    field_counts: dict[str, list[int]] = {f: [0, 0] for f in FIELDS}
    errors: list[int] = []
    evidence = defaultdict(int)
    articles: list[ArticleReport] = []
    for article_id in gold_ids:
        golds = gold.for_article(article_id)
        summary = by_article.get(article_id)
        preds = list(summary.events) if summary else []
        n_pred += len(preds)
        for event in preds:
            for quote in event.evidence:
                evidence[quote.status] += 1
        strict = _match(preds, golds, is_strict)
        lenient = _match(preds, golds, is_lenient)
        required = sum(not g.optional for g in golds)
        strict_tp += len(strict)
        lenient_tp += len(lenient)
        strict_gold += required + sum(g.optional for _, g in strict)
        lenient_gold += required + sum(g.optional for _, g in lenient)
        strict_pairs = {(p.id, g.gold_id) for p, g in strict}
        pair_reports = []
        for p, g in lenient:
            checks = field_checks(p, g)
            for name, ok in checks.items():
                field_counts[name][0] += ok
                field_counts[name][1] += 1
            errors.append(predicted_deaths(p) - gold_deaths(g))
            pair_reports.append(
                PairReport(
                    gold_id=g.gold_id,
                    event_id=p.id,
                    strict=(p.id, g.gold_id) in strict_pairs,
                    wrong_fields=[n for n, ok in checks.items() if not ok],
                    fatalities_gold=gold_deaths(g),
                    fatalities_predicted=predicted_deaths(p),
                )
            )
        articles.append(
            ArticleReport(
                article_id=article_id,
                gold_required=required,
                gold_optional=len(golds) - required,
                predicted=len(preds),
                strict_matched=len(strict),
                lenient_matched=len(lenient),
                missed_strict=_missed(golds, strict),
                missed_lenient=_missed(golds, lenient),
                extra_strict=_extra(preds, strict),
                extra_lenient=_extra(preds, lenient),
                pairs=pair_reports,
            )
        )
    quotes = sum(evidence.values())
    exact, fuzzy = evidence[MatchStatus.EXACT], evidence[MatchStatus.FUZZY]
    return EvalReport(
        results=results_label,
        gold=gold_label,
        articles=len(gold_ids),
        predicted_events=n_pred,
        gold_required=sum(not g.optional for g in gold.events),
        gold_optional=sum(g.optional for g in gold.events),
        strict=Scores.of(strict_tp, n_pred, strict_gold),
        lenient=Scores.of(lenient_tp, n_pred, lenient_gold),
        fields={
            name: FieldScore(correct=c, total=t, accuracy=_ratio(c, t))
            for name, (c, t) in field_counts.items()
        },
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
    """Rich renderables: scores, per-field accuracy, fatalities and evidence, per article."""
    from rich.table import Table
    from rich.text import Text

    title = (
        f"Evaluation: {report.articles} articles, {report.predicted_events} predicted events, "
        f"{report.gold_required + report.gold_optional} gold ({report.gold_required} required + "
        f"{report.gold_optional} optional)"
    )
    scores = Table()
    scores.add_column("match")
    for name in ("pairs", "precision", "recall", "F1"):
        scores.add_column(name, justify="right")
    for label, s in (("strict", report.strict), ("lenient", report.lenient)):
        scores.add_row(
            label,
            f"{s.matched} / {s.predicted} pred, {s.gold} gold",
            _pct(s.precision),
            _pct(s.recall),
            _pct(s.f1),
        )

    fields = Table(title="On the lenient pairs", title_justify="left")
    fields.add_column("field")
    fields.add_column("accuracy", justify="right")
    fields.add_column("correct", justify="right")
    for name, f in report.fields.items():
        label = "fatalities (exact)" if name == "fatalities" else name
        fields.add_row(label, _pct(f.accuracy), f"{f.correct} / {f.total}")
    fat = report.fatalities
    fields.add_row(
        "fatalities MAE / bias",
        "-" if fat.mae is None else f"{fat.mae:.2f} / {fat.bias:+.2f}",
        f"{fat.pairs} pairs",
    )
    ev = report.evidence
    fields.add_row(
        "evidence quotes grounded",
        _pct(ev.grounded_share),
        f"{ev.exact + ev.fuzzy} / {ev.quotes} ({ev.exact} exact, {ev.fuzzy} fuzzy)",
    )

    per = Table(title="Per article", title_justify="left")
    for name, justify in (
        ("article", "left"),
        ("gold", "right"),
        ("pred", "right"),
        ("strict", "right"),
        ("lenient", "right"),
        ("missed (strict)", "left"),
        ("extra (strict)", "left"),
    ):
        # The article id is what a reader looks up: never cropped; the id lists wrap instead.
        per.add_column(
            name,
            justify=justify,
            no_wrap=name == "article",  # type: ignore[arg-type]
            overflow="fold",
        )
    for a in report.per_article:
        per.add_row(
            a.article_id,
            f"{a.gold_required}+{a.gold_optional}",
            str(a.predicted),
            str(a.strict_matched),
            str(a.lenient_matched),
            ", ".join(a.missed_strict) or "-",
            ", ".join(e.rsplit("#", 1)[-1] for e in a.extra_strict) or "-",
        )
    out: list = [Text(title, style="bold"), scores, fields, per]
    if report.articles_without_prediction:
        out.append(
            "No prediction for: "
            + ", ".join(report.articles_without_prediction)
            + " (their gold events count as missed)"
        )
    if report.articles_without_gold:
        out.append("Not in the gold file, not scored: " + ", ".join(report.articles_without_gold))
    return out
