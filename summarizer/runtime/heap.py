"""Garbage-collector settings for a one-shot batch process (``summarizer run``)."""

from __future__ import annotations

import gc


def prepare_heap_for_batch() -> None:
    """Whatever exists now (modules, schemas, tables) lives until exit: frozen, the cyclic GC need
    not walk it again and again during the batch (60-70 ms pauses). And a batch allocates many
    short-lived objects per article, almost none in cycles: collecting the youngest generation
    every 10,000 allocations instead of 700 cuts the collector's time about fourfold
    (~0.2 s -> ~0.05 s per 1,000 articles, bench/throughput.py)."""
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])
