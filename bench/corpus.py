"""Synthetic articles for the benchmarks: JSON Lines, written streaming, each one unique.

Every article carries the two sentences the bench server's answers quote (fakeserver.QUOTE_A/B),
so grounding finds the evidence as it would for a faithful model, plus filler of a typical news
article's length (~2.4 KB) and its own number, so every sha256 differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakeserver import QUOTE_A, QUOTE_B

FILLER = (
    "Residents said the area had been quiet for weeks before the latest violence. "
    "Aid groups warned that thousands of families remained displaced in nearby camps, "
    "where shortages of food, fuel and medicine have worsened through the winter. "
    "Talks between the parties, brokered by regional powers, stalled last month over the "
    "question of who would control the main highway through the province. "
)


def article(n: int) -> dict:
    body = "\n\n".join(
        [
            f"Report {n}: {QUOTE_A} {FILLER}",
            f"{QUOTE_B} {FILLER}",
            FILLER * 3,
            f"This is dispatch number {n} in the bench corpus.",
        ]
    )
    return {
        "id": f"bench-{n:06d}",
        "title": f"Shelling and clashes in Idlib, dispatch {n}",
        "outlet": "Bench Wire",
        "published": "2019-05-18",
        "text": body,
    }


def write_corpus(path: Path, n: int, start: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(start, start + n):
            handle.write(json.dumps(article(i)) + "\n")
    return path


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1]), int(sys.argv[2]))
