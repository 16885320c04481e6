"""Run settings: environment first, then explicit arguments (the CLI's flags) on top."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Literal

Mode = Literal["auto", "tools", "json_schema", "md_json"]

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

DEFAULT_REMOTE_MODEL = "gpt-4o-mini"


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
    # shipped snapshot. Normalisation only: the model's answer and the cache key do not depend on it.
    gazetteer: str | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        environ = os.environ if environ is None else environ
        types = {f.name: f.type for f in fields(cls)}
        values: dict = {}
        for name, var in ENV.items():
            raw = environ.get(var)
            if raw in (None, ""):
                continue
            kind = types[name]
            try:
                values[name] = int(raw) if kind == "int" else float(raw) if kind == "float" else raw
            except ValueError:
                raise ValueError(f"{var}={raw!r} is not a number") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def uses_embedded(self) -> bool:
        return bool(self.model_path or self.embedded_url) or (not self.base_url and not self.api_key)

    @property
    def quotes_constrained(self) -> bool:
        return self.uses_embedded if self.constrain_quotes is None else self.constrain_quotes

    @property
    def endpoint_label(self) -> str:
        """Where requests go, safe to print and store (never a key)."""
        return "embedded" if self.uses_embedded else (self.base_url or "https://api.openai.com/v1")
