"""Prompt files -> chat messages, and the prompt version that goes into every cache key.

Prompts live as plain files in ``prompts/`` so they can be read, diffed and reviewed like code.
The version is a content hash of every file a request is built from, plus the schema the model
fills, so editing a word or a field description gives a new version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from summarizer.types.article import Article
from summarizer.types.extraction import ExtractedSummary

_PROMPT_NAMES = ("extract.system.md", "extract.user.md")
# A long document's summary, written from its parts' summaries: a prompt of its own, with its own
# version (the extraction prompt's version, and so every cache key, does not depend on it).
_SUMMARY_NAMES = ("summarize.system.md", "summarize.user.md")


def prompts_dir() -> Path:
    """Installed wheels carry the prompts inside the package; a source checkout has them at the
    repository root."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "prompts", here.parent / "prompts"):
        if (candidate / _PROMPT_NAMES[0]).is_file():
            return candidate
    raise FileNotFoundError(f"prompt files {_PROMPT_NAMES} not found next to {here}")


@dataclass(frozen=True)
class PromptSet:
    system: str
    user: Template
    version: str

    def messages(self, article: Article, text: str | None = None) -> list[dict[str, str]]:
        """The chat messages asking for ``article`` (or for ``text``, a part of it)."""
        user = self.user.safe_substitute(
            headline=article.headline,
            published=article.published.isoformat() if article.published else "not stated",
            text=article.model_text if text is None else text,
        )
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


@dataclass(frozen=True)
class SummaryPrompt:
    system: str
    user: Template
    version: str

    def messages(self, article: Article, summaries: list[str]) -> list[dict[str, str]]:
        parts = "\n\n".join(f"Part {n}: {s.strip()}" for n, s in enumerate(summaries, 1))
        user = self.user.safe_substitute(
            headline=article.headline,
            published=article.published.isoformat() if article.published else "not stated",
            count=len(summaries),
            parts=parts,
        )
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


def read_prompt_files(
    names: tuple[str, ...], schemas: tuple[type, ...], directory: Path | None = None
) -> tuple[list[str], str]:
    """The texts of the prompt files ``names`` and their version: a hash of each file's name
    and bytes, then of the JSON schema of each model in ``schemas`` (what the model fills)."""
    directory = directory or prompts_dir()
    digest = hashlib.sha256()
    texts = []
    for name in names:
        data = (directory / name).read_bytes()
        digest.update(name.encode() + b"\0" + data + b"\0")
        texts.append(data.decode("utf-8"))
    for model in schemas:
        digest.update(json.dumps(model.model_json_schema(), sort_keys=True).encode())
    return texts, digest.hexdigest()[:12]


@cache
def load_summary_prompt(directory: Path | None = None) -> SummaryPrompt:
    from summarizer.types.extraction import DocumentSummary

    texts, version = read_prompt_files(_SUMMARY_NAMES, (DocumentSummary,), directory)
    return SummaryPrompt(texts[0].strip(), Template(texts[1]), version)


@cache
def load_prompts(directory: Path | None = None) -> PromptSet:
    texts, version = read_prompt_files(_PROMPT_NAMES, (ExtractedSummary,), directory)
    return PromptSet(system=texts[0].strip(), user=Template(texts[1]), version=version)
