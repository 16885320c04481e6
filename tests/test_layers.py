"""The data flows one way (ingest -> prompt -> LLM -> ground/normalise -> store -> present), and
the imports say so: each stage may import only the stages before it. A new import against the
flow fails here, naming the module, rather than growing a tangle."""

import ast
from pathlib import Path

import summarizer

PACKAGE = Path(summarizer.__file__).resolve().parent

# stage -> the stages it may import (besides itself and the data model, ``types``)
ALLOWED = {
    "types": set(),
    "config": set(),
    "pricing": {"config"},
    "ingest": {"chunking"},  # sentence spans, to find planted instructions
    "prompts": set(),
    "quote_grammar": set(),
    "providers": {"config"},
    "pipeline": {"ingest"},
    "store": {"config"},
    "chunking": set(),
    "plan": {
        "chunking",
        "config",
        "pipeline",
        "prompts",
        "providers",
        "quote_grammar",
        "store",
        "strategies",
    },
    # How a document is asked, request by request (the staged questions): like plan.
    "strategies": {"pipeline", "prompts", "quote_grammar"},
    "runtime": {"config", "pipeline", "plan", "pricing", "prompts", "providers", "store"},
    "api": {"config", "ingest", "plan", "prompts", "providers", "runtime", "store"},
    "export": {"ingest", "pricing", "store"},
    "eval": {"pipeline"},
    "cli": {
        "api",
        "chunking",
        "config",
        "eval",
        "export",
        "ingest",
        "pipeline",
        "pricing",
        "providers",
        "runtime",
        "store",
    },
}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports_against_the_flow() -> list[str]:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        stage = _stage(".".join(relative.parts))
        if stage in ("", "__init__", "__main__"):
            continue  # the package's face: it may show anything
        allowed = ALLOWED[stage] | {stage, "types"}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("summarizer."):
                target = _stage(node.module)
                if target not in allowed:
                    wrong.append(f"{relative}: imports {node.module}")
    return wrong


def test_every_stage_imports_only_the_stages_before_it():
    assert imports_against_the_flow() == []


def test_nothing_below_the_command_line_imports_it():
    assert all("cli" not in allowed for stage, allowed in ALLOWED.items() if stage != "cli")
