"""Estimated cost of tokens, from a small editable price table (``data/prices.toml``).

An unknown model has no price: callers show tokens only, never an invented figure.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from summarizer.config import environment

DEFAULT_TABLE = Path(__file__).resolve().parent / "data" / "prices.toml"
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")  # gpt-4o-mini-2024-07-18 -> gpt-4o-mini


class PriceTableError(ValueError):
    pass


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float
    # The Batch API's price (``batch_input``/``batch_output`` in the table); None: half the
    # online price, as OpenAI charges.
    batch_input: float | None = None
    batch_output: float | None = None

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000

    def batch(self) -> Price:
        """The price of the same tokens sent through the Batch API."""
        return Price(
            input=self.input / 2 if self.batch_input is None else self.batch_input,
            output=self.output / 2 if self.batch_output is None else self.batch_output,
        )


def table_path() -> Path:
    override = environment().prices
    return Path(override).expanduser() if override else DEFAULT_TABLE


@cache
def load_prices(path: Path | None = None) -> dict[str, Price]:
    path = path or table_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PriceTableError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PriceTableError(f"{path}: not valid TOML ({exc})") from None
    prices: dict[str, Price] = {}
    for model, entry in (data.get("models") or {}).items():
        try:
            price = Price(
                input=float(entry["input"]),
                output=float(entry["output"]),
                batch_input=_optional(entry.get("batch_input")),
                batch_output=_optional(entry.get("batch_output")),
            )
        except (KeyError, TypeError, ValueError):
            raise PriceTableError(
                f"{path}: model {model!r} needs numeric 'input' and 'output' prices "
                "(and numeric 'batch_input'/'batch_output' if given)"
            ) from None
        batch = price.batch()
        if min(price.input, price.output, batch.input, batch.output) < 0:
            raise PriceTableError(f"{path}: model {model!r} has a negative price")
        prices[model] = price
    return prices


def _optional(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def price_for(model: str | None, table: dict[str, Price] | None = None) -> Price | None:
    """The model's price, its dated snapshot's base name's, or None when unknown."""
    if not model:
        return None
    table = load_prices() if table is None else table
    if model in table:
        return table[model]
    base = _SNAPSHOT.sub("", model)
    return table.get(base) if base != model else None


def estimate_cost(
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    table: dict[str, Price] | None = None,
) -> float | None:
    """Dollars for these tokens, or None when the model has no known price."""
    price = price_for(model, table)
    return None if price is None else price.cost(prompt_tokens, completion_tokens)


def estimate_batch_cost(
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    table: dict[str, Price] | None = None,
) -> float | None:
    """Dollars for these tokens through the Batch API, or None when the model has no price."""
    price = price_for(model, table)
    return None if price is None else price.batch().cost(prompt_tokens, completion_tokens)


def format_cost(cost: float | None) -> str:
    if cost is None:
        return "n/a"
    if cost == 0:
        return "$0"
    return f"${cost:,.4f}" if cost < 1 else f"${cost:,.2f}"
