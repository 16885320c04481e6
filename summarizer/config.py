"""Every setting, read in one place.

* ``Environment`` (pydantic-settings): every ``SUMMARIZER_*`` and ``OPENAI_*`` variable the tool
  reads, checked as the matching CLI flag is. Nothing else in the package reads ``os.environ``.
* ``Settings``: what one run is asked to do (endpoint, model, decoding, retries). Built from
  explicit values only, so ``Settings(base_url=...)`` means exactly that; ``Settings.from_env``
  starts from the environment and lays explicit values (the CLI's flags) on top.

A value that cannot be used is one ``ValueError`` line naming the variable (or the argument)
and the value, e.g. ``SUMMARIZER_TIMEOUT='-1': must be at least 1``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Mode = Literal["auto", "tools", "json_schema", "md_json"]
MODES: tuple[str, ...] = get_args(Mode)
Strategy = Literal["staged", "single"]
STRATEGIES: tuple[str, ...] = get_args(Strategy)

DEFAULT_REMOTE_MODEL = "gpt-4o-mini"
CHUNK_TOKENS_CAP = 2500  # about 10 KB of text per request, a long news story
PROMPT_TOKENS = 1000  # the instructions and the schema, with room to spare
OPENAI_URL = "https://api.openai.com/v1"  # where requests go with a key and no base URL

# (type, least value) of each numeric run setting. The CLI flags take their ``min=`` from here,
# so a variable is held to what its flag is.
NUMBERS: dict[str, tuple[type, float]] = {
    "max_tokens": (int, 64),
    "timeout": (float, 1),
    "transport_attempts": (int, 1),
    "reasks": (int, 0),
    "concurrency": (int, 1),
    "chunk_tokens": (int, 200),
    "chunk_overlap": (int, 0),
    "max_document_tokens": (int, 1000),
    "context_tokens": (int, 2048),
}
URLS = ("base_url", "embedded_url")


class SettingsError(ValueError):
    """A setting that cannot be used; the message is one line naming it."""


# -- the checks, shared by the environment and explicit values -------------------------------


def _problem(name: str, raw: object, value: object) -> tuple[object, str | None]:
    """(the usable value, None) or (None, the message's tail after ``NAME='raw'``)."""
    if name in NUMBERS:
        return _number(value, *NUMBERS[name])
    if name == "mode" and value not in MODES:
        return None, f": not a mode ({', '.join(MODES)})"
    if name == "strategy" and value not in STRATEGIES:
        return None, f": not a strategy ({', '.join(STRATEGIES)})"
    if name in URLS and isinstance(value, str):
        try:  # without a scheme every request fails later, one by one
            url = urlsplit(value)
            usable = url.scheme.lower() in ("http", "https") and bool(url.hostname)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            usable = False
        if not usable:
            return None, ": must be an http:// or https:// URL"
    return value, None


def _number(value: object, kind: type, least: float) -> tuple[object, str | None]:
    bound = f"at least {least:g}"
    if isinstance(value, bool):
        return None, f": must be a number, {bound}"
    if isinstance(value, str):
        try:
            number = kind(value)
        except ValueError:
            try:
                float(value)
            except ValueError:
                what = "a whole number" if kind is int else "a number"
                return None, f" is not a number: must be {what}, {bound}"
            return None, f": must be a whole number, {bound}"
    elif isinstance(value, (int, float)):
        if kind is int and value != int(value):
            return None, f": must be a whole number, {bound}"
        number = kind(value)
    else:
        return None, f": must be a number, {bound}"
    if not math.isfinite(number):  # nan slips past `<`; inf would never time out
        return None, f": must be a finite number, {bound}"
    if number < least:
        return None, f": must be {bound}"
    return number, None


def _one_line(exc: ValidationError) -> str:
    """pydantic's report as one line: ``NAME='value': what is wrong``."""
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else "settings"
    message = str(error.get("ctx", {}).get("error", error["msg"]))
    if message.startswith(f"{name}="):  # ours, already whole
        return message
    return f"{name}={error.get('input')!r}: {message}"


class _Checked:
    """The ``field_validator`` both models use: a failed check raises the whole one-line
    message (naming the variable or argument, which only the caller knows)."""

    @staticmethod
    def check(name: str, label: str, raw: Any) -> Any:
        value = raw.strip() if isinstance(raw, str) else raw
        if value is None or value == "":
            return None
        usable, tail = _problem(name, raw, value)
        if tail is not None:
            raise ValueError(f"{label}={raw!r}{tail}")
        return usable


# -- the environment ----------------------------------------------------------------------------


def _env(var: str, **kwargs: Any) -> Any:
    return Field(default=None, validation_alias=var, **kwargs)


class Environment(BaseSettings):
    """Every environment variable the tool reads. Read it with ``environment()``."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, frozen=True)

    # the run settings (see ``Settings``)
    api_key: str | None = _env("OPENAI_API_KEY", repr=False)
    base_url: str | None = _env("OPENAI_BASE_URL")
    model: str | None = _env("SUMMARIZER_MODEL")
    mode: str | None = _env("SUMMARIZER_MODE")
    strategy: str | None = _env("SUMMARIZER_STRATEGY")
    model_path: str | None = _env("SUMMARIZER_MODEL_PATH")
    embedded_model: str | None = _env("SUMMARIZER_EMBEDDED_MODEL")
    embedded_url: str | None = _env("SUMMARIZER_EMBEDDED_URL")
    max_tokens: int | None = _env("SUMMARIZER_MAX_TOKENS")
    timeout: float | None = _env("SUMMARIZER_TIMEOUT")
    transport_attempts: int | None = _env("SUMMARIZER_TRANSPORT_ATTEMPTS")
    reasks: int | None = _env("SUMMARIZER_REASKS")
    concurrency: int | None = _env("SUMMARIZER_CONCURRENCY")
    gazetteer: str | None = _env("SUMMARIZER_GAZETTEER")
    chunk_tokens: int | None = _env("SUMMARIZER_CHUNK_TOKENS")
    chunk_overlap: int | None = _env("SUMMARIZER_CHUNK_OVERLAP")
    max_document_tokens: int | None = _env("SUMMARIZER_MAX_DOCUMENT_TOKENS")
    context_tokens: int | None = _env("SUMMARIZER_CONTEXT_TOKENS")
    # where things are kept
    ledger: str | None = _env("SUMMARIZER_LEDGER")
    prices: str | None = _env("SUMMARIZER_PRICES")
    cache_dir: str | None = _env("SUMMARIZER_CACHE_DIR")
    # how a batch runs (tuning; the defaults are measured, see runtime/)
    assembly_workers: int | None = _env("SUMMARIZER_ASSEMBLY_WORKERS")
    request_worker: bool | None = _env("SUMMARIZER_REQUEST_WORKER")
    http: Literal["auto", "aiohttp", "httpx"] | None = _env("SUMMARIZER_HTTP")

    @field_validator("*", mode="before")
    @classmethod
    def _checked(cls, raw: Any, info) -> Any:
        var = cls.model_fields[info.field_name].validation_alias
        if info.field_name == "assembly_workers":
            value = raw.strip() if isinstance(raw, str) else raw
            if value in (None, ""):
                return None
            usable, tail = _number(value, int, 0)
            if tail is not None:
                raise ValueError(f"{var}={raw!r}{tail}")
            return usable
        if info.field_name in ("request_worker", "http") and isinstance(raw, str):
            return raw.strip().lower() or None
        value = _Checked.check(info.field_name, var, raw)
        if info.field_name == "gazetteer" and value is not None:
            # Absolute, as the --gazetteer flag is: the run records it, and a run resumed from
            # another directory must read the same file.
            return str(Path(value).expanduser().resolve())
        return value

    def run_values(self) -> dict[str, Any]:
        """The values ``Settings`` takes, where set."""
        names = Settings.model_fields.keys() & type(self).model_fields.keys()
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


def environment() -> Environment:
    """The environment as it is now (read afresh: tests and long-lived processes change it)."""
    try:
        return Environment()
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None


# -- one run's settings -------------------------------------------------------------------------


class Settings(BaseModel):
    """Where to send requests and how to decode.

    With neither ``base_url`` nor ``api_key`` (nor an explicit ``model_path``) set, the embedded
    local model is used: no key, no network.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: str | None = Field(default=None, repr=False)  # never printed, logged or stored
    base_url: str | None = None
    model: str | None = None
    mode: Mode = "auto"
    # How an article is asked: "single" (one request for everything) or "staged" (event
    # sentences, then each event's fields, then the summary: smaller questions for small
    # models). Default: single (staged is opt-in: see the README).
    strategy: Strategy | None = None
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
    # Long documents: requests of at most ``chunk_tokens`` of text (None: worked out from the
    # model's context, at most CHUNK_TOKENS_CAP), overlapping by ``chunk_overlap`` sentences.
    chunk_tokens: int | None = None
    chunk_overlap: int = 2
    # A document estimated over this many tokens is refused before anything is paid for.
    max_document_tokens: int = 200_000
    # The model's context window in tokens (None: 8,192 for the embedded model, else 32,768).
    context_tokens: int | None = None

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(_one_line(exc)) from None

    # (Numbers are held to their flags' bounds where they come from the environment or the
    # command line; the Python API takes any value of the right type, e.g. a 0.3 s timeout.)
    @field_validator("mode", "strategy", *URLS, mode="before")
    @classmethod
    def _checked(cls, raw: Any, info) -> Any:
        value = _Checked.check(info.field_name, info.field_name, raw)
        if value is None:
            default = cls.model_fields[info.field_name].default
            if raw is not None and default is not None:
                raise ValueError(f"{info.field_name}={raw!r}: must not be blank")
            return default
        return value

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """The environment's settings with explicit values (those not None) on top. Raises
        ``SettingsError`` (a ``ValueError``, one line naming the variable) for a value that
        cannot be used."""
        values = environment().run_values()
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @classmethod
    def from_record(cls, record: dict[str, Any], **overrides: Any) -> Settings:
        """A run's settings as the ledger stored them (``record()``: no key), with the key from
        the environment and ``overrides`` (not None) on top."""
        values = {k: v for k, v in record.items() if k in cls.model_fields}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**{"api_key": environment().api_key, **values})

    def with_(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (None values ignored), checked like a new one."""
        return self.replace(**{k: v for k, v in changes.items() if v is not None})

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (None included: it unsets), checked like a new one."""
        return type(self)(**{**self.model_dump(), **changes})

    def record(self) -> dict[str, Any]:
        """The settings as stored with a run: everything but the API key."""
        return self.model_dump(exclude={"api_key"})

    @property
    def uses_embedded(self) -> bool:
        explicit = bool(self.model_path or self.embedded_url)
        return explicit or (not self.base_url and not self.api_key)

    @property
    def extraction_strategy(self) -> str:
        """``strategy``, or its default: staged for the embedded model (smaller questions: on
        the sample articles it types 2.5x as many events right as one request does, see the
        README), single for any other endpoint (a large model answers everything at once)."""
        if self.strategy is not None:
            return self.strategy
        return "staged" if self.uses_embedded else "single"

    @property
    def quotes_constrained(self) -> bool:
        return self.uses_embedded if self.constrain_quotes is None else self.constrain_quotes

    @property
    def window_tokens(self) -> int:
        """The text one request may carry: ``chunk_tokens``, else what the context leaves after
        the prompt and the answer's budget, at most ``CHUNK_TOKENS_CAP`` (smaller questions get
        more complete answers)."""
        if self.chunk_tokens:
            return self.chunk_tokens
        context = self.context_tokens or (8192 if self.uses_embedded else 32_768)
        room = context - PROMPT_TOKENS - self.max_tokens
        return max(200, min(CHUNK_TOKENS_CAP, room))

    @property
    def endpoint_label(self) -> str:
        """Where requests go, safe to print and store (never a key)."""
        return "embedded" if self.uses_embedded else (self.base_url or OPENAI_URL)


# Setting name -> the environment variable it is read from (for docs, tests and messages).
ENV: dict[str, str] = {
    name: str(field.validation_alias) for name, field in Environment.model_fields.items()
}
