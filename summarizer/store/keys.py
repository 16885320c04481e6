"""Cache keys: what decides a model's answer, hashed. One place, so that the ledger, the engine
and a batch job agree on what "the same request" means."""

from __future__ import annotations

import hashlib
import json

from summarizer.config import Settings
from summarizer.types.article import Article


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decoding_config(
    settings: Settings, model: str, mode: str, prompt_version: str, staged_version: str = ""
) -> dict:
    """Everything besides the article that changes what the model answers. The endpoint too:
    a model name does not tell two servers apart (llama.cpp answers to any name). Not the
    stored record's shape (``SCHEMA_VERSION``): a record of an older shape is re-made from the
    logged answer, which stays good (the schema the model fills is in the prompt version)."""
    config = {
        "endpoint": settings.endpoint_label,
        "model": model,
        "mode": mode,
        "temperature": settings.temperature,
        "seed": settings.seed,
        "max_tokens": settings.max_tokens,
        "constrain_quotes": settings.quotes_constrained,
        "prompt_version": prompt_version,
    }
    # Only when staged (with the staged prompts' version), so that every key made before there
    # were strategies still holds.
    if settings.extraction_strategy == "staged":
        config["strategy"] = f"staged:{staged_version}"
    return config


def config_key(config: dict) -> str:
    return _digest(json.dumps(config, sort_keys=True))[:32]


def cache_key(config_key_: str, article: Article) -> str:
    """A whole article asked in one request: its text hash plus what the prompt shows besides
    the text, under a config. (Also the document's key: a one-request article's record and its
    one answer share it.)"""
    published = article.published.isoformat() if article.published else ""
    return _digest(f"{config_key_}\0{article.sha256}\0{article.headline}\0{published}")


def part_key(config_key_: str, article: Article, kind: str, part: int, content: str) -> str:
    """One request of a document that takes several (``kind`` of request, its ``part`` number,
    the text it shows), under a config."""
    published = article.published.isoformat() if article.published else ""
    return _digest(
        f"{config_key_}\0{kind}\0{part}\0{_digest(content)}\0{article.headline}\0{published}"
    )


def document_key(request_keys: list[str]) -> str:
    """A document's key from its requests' keys: the one request's key when there is one, so
    that a record made before documents could take several requests is still found."""
    return request_keys[0] if len(request_keys) == 1 else _digest("\0".join(request_keys))
