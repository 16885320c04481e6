"""The price table: known models priced, dated snapshots fall back, unknown models never."""

import pytest

from summarizer.pricing import (
    Price,
    PriceTableError,
    estimate_cost,
    format_cost,
    load_prices,
    price_for,
)


def test_known_model_is_priced_per_million_tokens():
    assert price_for("gpt-4o-mini") == Price(input=0.15, output=0.60)
    assert estimate_cost("gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert estimate_cost("gpt-4o-mini", 2000, 1000) == pytest.approx(
        (2000 * 0.15 + 1000 * 0.60) / 1e6
    )


def test_dated_snapshot_uses_its_base_price_and_unknown_models_get_none():
    assert price_for("gpt-4o-mini-2024-07-18") == price_for("gpt-4o-mini")
    assert price_for("qwen2.5:7b") is None
    assert estimate_cost("my-local-model", 1000, 1000) is None
    assert price_for(None) is None


def test_embedded_models_are_free():
    assert estimate_cost("qwen2.5-coder-1.5b-instruct-q4_k_m", 5000, 500) == 0.0


def test_table_is_editable_via_environment(tmp_path, monkeypatch):
    table = tmp_path / "prices.toml"
    table.write_text('[models."house-model"]\ninput = 1.0\noutput = 2.0\n')
    monkeypatch.setenv("SUMMARIZER_PRICES", str(table))
    load_prices.cache_clear()
    try:
        assert price_for("house-model") == Price(1.0, 2.0)
        assert price_for("gpt-4o-mini") is None  # the whole table is replaced
    finally:
        monkeypatch.delenv("SUMMARIZER_PRICES")
        load_prices.cache_clear()


@pytest.mark.parametrize(
    "text, message",
    [
        ('[models."m"]\ninput = 1.0\n', "needs numeric 'input' and 'output'"),
        ('[models."m"]\ninput = -1\noutput = 1\n', "negative price"),
        ("[models\n", "not valid TOML"),
    ],
)
def test_bad_table_names_the_file_and_problem(tmp_path, text, message):
    bad = tmp_path / "p.toml"
    bad.write_text(text)
    with pytest.raises(PriceTableError, match=message):
        load_prices(bad)


def test_format_cost():
    assert format_cost(None) == "n/a"
    assert format_cost(0) == "$0"
    assert format_cost(0.001234) == "$0.0012"
    assert format_cost(12.5) == "$12.50"
