"""Run settings: environment first, then explicit arguments (the CLI's flags) on top."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlsplit

Mode = Literal["auto", "tools", "json_schema", "md_json"]
MODES: tuple[str, ...] = get_args(Mode)

ENV = {
    "api_key": "OPENAI_API_KEY",
    "base_url": "OPENAI_BASE_URL",
    "model": "SUMMARIZER_MODEL",
    "mode": "SUMMARIZER_MODE",
    "model_path": "SUMMARIZER_MODEL_PATH",
    "embedded_model": "SUMMARIZER_EMBEDDED_MODEL",
    "embedded_url": "SUMMARIZER_EMBEDDED_URL",
    "max_tokens": "SUMMARIZER_MAX_TOKENS",
    "timeout": "SUMMARIZER_TIMEOUT",
    "transport_attempts": "SUMMARIZER_TRANSPORT_ATTEMPTS",
    "reasks": "SUMMARIZER_REASKS",
    "concurrency": "SUMMARIZER_CONCURRENCY",
    "gazetteer": "SUMMARIZER_GAZETTEER",
}

# (type, least value) of each numeric setting. The CLI flags take their ``min=`` from here, so
# a variable is held to what its flag is.
NUMBERS: dict[str, tuple[type, float]] = {
    "max_tokens": (int, 64),
    "timeout": (float, 1),
    "transport_attempts": (int, 1),
    "reasks": (int, 0),
    "concurrency": (int, 1),
}
URLS = ("base_url", "embedded_url")

DEFAULT_REMOTE_MODEL = "gpt-4o-mini"
OPENAI_URL = "https://api.openai.com/v1"  # where requests go with a key and no base URL


@dataclass(frozen=True)
class Settings:
    """Where to send requests and how to decode.

    With neither ``base_url`` nor ``api_key`` (nor an explicit ``model_path``) set, the embedded
    local model is used: no key, no network.
    """

    api_key: str | None = field(default=None, repr=False)  # never printed, logged or stored
    base_url: str | None = None
    model: str | None = None
    mode: Mode = "auto"
    model_path: str | None = None
    embedded_model: str | None = None
    # An embedded-model server already running (tests, or one server shared by several
    # processes): requests go there instead of starting llama.cpp in this process.
    embedded_url: str | None = None
    temperature: float = 0.0
    seed: int = 0
    max_tokens: int = 1500
    timeout: float = 600.0
    # Transport retries (429, 5xx, timeouts, connection errors): attempts in all, ours (tenacity).
    transport_attempts: int = 4
    # Validation re-asks (instructor): extra requests after a schema-invalid answer.
    reasks: int = 2
    concurrency: int = 4
    # Evidence quotes limited to the article's own sentences by the decoding grammar. Default:
    # on for the embedded model (llama.cpp enforces the schema), off elsewhere.
    constrain_quotes: bool | None = None
    # A GeoNames country dump (tab-separated, e.g. SY.txt) to resolve places with instead of the
    # shipped snapshot. Normalisation only: the model's answer and the cache key do not depend
    # on it.
    gazetteer: str | None = None

    def __post_init__(self) -> None:
        # Checked here, not where it is used: llm.py looks the mode up in a table (a KeyError).
        if self.mode not in MODES:
            raise ValueError(_not_a_mode("mode", self.mode))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Raises ``ValueError`` (one line naming the variable) for a value that cannot be used."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for name, var in ENV.items():
            raw = environ.get(var)
            # A stray space or newline (copied, or from an .env file) would be sent as-is: in
            # the key it fails every request.
            value = raw.strip() if raw is not None else ""
            if not value:
                continue
            values[name] = _parse(name, var, raw, value)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def uses_embedded(self) -> bool:
        explicit = bool(self.model_path or self.embedded_url)
        return explicit or (not self.base_url and not self.api_key)

    @property
    def quotes_constrained(self) -> bool:
        return self.uses_embedded if self.constrain_quotes is None else self.constrain_quotes

    @property
    def endpoint_label(self) -> str:
        """Where requests go, safe to print and store (never a key)."""
        return "embedded" if self.uses_embedded else (self.base_url or OPENAI_URL)


def _not_a_mode(where: str, raw: object) -> str:
    return f"{where}={raw!r}: not a mode ({', '.join(MODES)})"


def _parse(name: str, var: str, raw: str, value: str) -> object:
    """One environment variable's value, checked as its CLI flag would be."""
    if name in NUMBERS:
        return _number(var, raw, value, *NUMBERS[name])
    if name == "mode" and value not in MODES:
        raise ValueError(_not_a_mode(var, raw))
    if name in URLS:
        try:  # without a scheme every request fails later, one by one
            url = urlsplit(value)
            usable = url.scheme.lower() in ("http", "https") and bool(url.hostname)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            usable = False
        if not usable:
            raise ValueError(f"{var}={raw!r}: must be an http:// or https:// URL")
    if name == "gazetteer":
        # Absolute, as the --gazetteer flag is: the run records it, and a run resumed from
        # another directory must read the same file.
        return str(Path(value).expanduser().resolve())
    return value


def _number(var: str, raw: str, value: str, kind: type, least: float) -> float:
    bound = f"at least {least:g}"
    try:
        number = kind(value)
    except ValueError:
        try:
            float(value)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise ValueError(f"{var}={raw!r} is not a number: must be {what}, {bound}") from None
        raise ValueError(f"{var}={raw!r}: must be a whole number, {bound}") from None
    if not math.isfinite(number):  # nan slips past `<`; inf would never time out
        raise ValueError(f"{var}={raw!r}: must be a finite number, {bound}")
    if number < least:
        raise ValueError(f"{var}={raw!r}: must be {bound}")
    return number
