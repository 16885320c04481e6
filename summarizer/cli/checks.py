"""Checks ``summarizer run`` makes before it asks anything: each returns the one-line problem,
or None. Pure functions over the flags and paths, so they are tested without a batch."""

from __future__ import annotations

import fnmatch
import glob
import os
from pathlib import Path

from summarizer.config import Settings
from summarizer.ingest import STDIN, suffixes
from summarizer.store.results_file import failures_path


def out_file_conflict(out_file: Path, inputs: list[str]) -> str | None:
    """``--out`` must not be an input: the writer truncates it before the inputs are read (the
    input would be lost), and a results file in an input directory would be read back."""
    written = {Path(out_file).resolve(), failures_path(Path(out_file)).resolve()}
    for item in inputs:
        if item == STDIN:
            continue
        path = Path(item)
        if path.is_dir():
            inside = [w for w in written if w.parent == path.resolve()]
            if any(w.suffix.lower() in suffixes() for w in inside):
                return (
                    f"{out_file}: in the input directory {item}, so it would be read back as "
                    "articles; write it elsewhere"
                )
        elif path.exists():
            if path.resolve() in written:
                return f"{out_file}: is also an input, and writing would empty it first"
        elif glob.has_magic(item):
            pattern = os.path.abspath(item)
            if any(fnmatch.fnmatch(str(w), pattern) for w in written):
                return f"{out_file}: matches the input pattern {item}, so it would be read back"
    return None


def endpoint_conflict(flags: dict, settings: Settings) -> str | None:
    """Flags that name an endpoint the settings would not use."""
    if flags.get("model_path") and flags.get("base_url"):
        return (
            "--model-path runs a local file on the embedded runtime and --base-url names a "
            "server: give one of them"
        )
    embedded_default = settings.uses_embedded and not (settings.model_path or settings.embedded_url)
    if flags.get("model") and embedded_default:
        return (
            f"--model {flags['model']}: no endpoint to ask it; set OPENAI_API_KEY for OpenAI "
            "or --base-url for another server (the embedded model is chosen with "
            "--embedded-model)"
        )
    return None
