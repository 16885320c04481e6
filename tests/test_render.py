import datetime as dt

from rich.console import Console

from summarizer.assemble import build_summary
from summarizer.ingest import article_from_text
from summarizer.render import article_view
from summarizer.schema import ExtractedEvent, ExtractedSummary, Usage

TEXT = "Clash in Hama\n\nRegime forces clashed with rebels in Kafr Zita on Wednesday, killing 12 fighters."


def _event(quote: str, **kw) -> ExtractedEvent:
    fields = dict(
        sub_event_type="Armed clash", plover_type="ASSAULT", actor1="Regime forces",
        actor1_type="State forces", actor2="rebels", actor2_type="Rebel group",
        location="Kafr Zita", date_phrase="on Wednesday", fatalities_phrase="killing 12 fighters",
        fatalities=12, evidence=[quote],
    )  # fmt: skip
    fields.update(kw)
    return ExtractedEvent(**fields)


def render(summary) -> str:
    console = Console(record=True, width=200)
    console.print(article_view(summary))
    return console.export_text()


def test_grounded_and_ungrounded_events_are_told_apart():
    article = article_from_text(TEXT, "a1")
    extracted = ExtractedSummary(
        summary="Regime forces and rebels clashed in Kafr Zita.",
        key_points=[], sources_cited=[],
        events=[
            _event("Regime forces clashed with rebels in Kafr Zita on Wednesday"),
            _event("Russian jets bombed a hospital in Idlib city on Tuesday night", location="Idlib",
                   sub_event_type="Air/drone strike", fatalities=None, fatalities_phrase=None),
        ],
    )  # fmt: skip
    summary = build_summary(article, extracted, model="m", endpoint="embedded",
                            prompt_version="v", usage=Usage())  # fmt: skip
    assert [e.grounded for e in summary.events] == [True, False]
    assert summary.events[0].event_type.value == "Battles"
    assert summary.events[0].interaction == "State forces-Rebel group"
    assert summary.events[1].event_type.value == "Explosions/Remote violence"
    text = render(summary)
    assert "exact" in text and "NOT IN TEXT" in text
    assert "1 event(s) struck through" in text
    assert "undated" in text


def test_model_death_count_is_kept_only_when_its_phrase_states_it():
    article = article_from_text(TEXT, "a1")
    quote = "Regime forces clashed with rebels in Kafr Zita on Wednesday"
    stated = _event(quote)
    invented = _event(quote, fatalities=40)
    summary = build_summary(
        article, ExtractedSummary(summary="s", key_points=[], sources_cited=[], events=[stated, invented]),
        model="m", endpoint="embedded", prompt_version="v", usage=Usage(),
        created_at=dt.datetime(2026, 1, 1),
    )  # fmt: skip
    assert summary.events[0].fatalities.acled == 12
    assert summary.events[1].fatalities.acled is None
    assert summary.events[1].fatalities.phrase == "killing 12 fighters"
