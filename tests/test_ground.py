import pytest

from summarizer.pipeline.ground import Grounder, NormalisedText
from summarizer.types.records import MatchStatus

TEXT = (
    "Regime forces on Saturday seized the village of Atshan.\n"
    "\u201cThe Syrian army failed,\u201d  he said.\u00a0Dozens were killed or injured."
)


def test_exact_match_gives_offsets_into_the_original():
    quote = "seized the village of Atshan"
    ev = Grounder(TEXT).locate(quote)
    assert ev.status is MatchStatus.EXACT and ev.score == 100
    assert TEXT[ev.start : ev.end] == quote


@pytest.mark.parametrize(
    "quote, original",
    [
        ('"The Syrian army failed," he said.', "\u201cThe Syrian army failed,\u201d  he said."),
        ("he said. Dozens were killed", "he said.\u00a0Dozens were killed"),
        ("REGIME FORCES on saturday", "Regime forces on Saturday"),
    ],
)
def test_normalised_match_maps_back_to_original_span(quote, original):
    ev = Grounder(TEXT).locate(quote)
    assert ev.status is MatchStatus.FUZZY and ev.score == 100
    assert TEXT[ev.start : ev.end] == original


def test_fuzzy_match_above_threshold():
    ev = Grounder(TEXT).locate("Regime forces on Saturday seized the vilage of Atshan")
    assert ev.status is MatchStatus.FUZZY and 90 <= ev.score < 100
    assert TEXT[ev.start : ev.end].startswith("egime forces on Saturday seized") or TEXT[
        ev.start : ev.end
    ].startswith("Regime forces")


def test_invented_quote_is_unmatched():
    ev = Grounder(TEXT).locate("Rebels shot down a Russian jet over Idlib on Friday morning")
    assert ev.status is MatchStatus.UNMATCHED
    assert ev.start is None and ev.end is None and ev.score == 0


def test_long_invention_containing_a_real_clause_is_unmatched():
    quote = (
        "Regime forces on Saturday seized the village of Atshan, then advanced on Khan "
        "Sheikhun and shot down two helicopters while losing 40 men in the fighting."
    )
    assert Grounder(TEXT).locate(quote).status is MatchStatus.UNMATCHED


def test_normalised_text_offsets_cover_every_character():
    norm = NormalisedText.of("Stra\u00dfe  \u201cA\u201d")
    assert norm.text == 'strasse "a"'
    assert len(norm.offsets) == len(norm.text)
    assert norm.span(0, 7) == (0, 6)
