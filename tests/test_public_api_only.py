"""We use our dependencies through their public API only: an upgrade of openai, instructor or
httpx2 must not break us through a private name that changed without notice."""

import re
from pathlib import Path

import summarizer

PACKAGE = Path(summarizer.__file__).resolve().parent
THIRD_PARTY = r"(instructor|openai|httpx2?|pydantic|pydantic_core|tenacity|rich|typer|aiohttp)"
PRIVATE = re.compile(
    rf"from {THIRD_PARTY}[A-Za-z0-9_.]* import ([^#\n]*[ ,(])?_[A-Za-z]"
    rf"|(from|import) {THIRD_PARTY}[A-Za-z0-9_.]*\._"
    rf"|\b{THIRD_PARTY}\._[a-z]"
    r"|\b(client|raw|aclient|http_client)\._[a-z]"
)


def private_uses(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if PRIVATE.search(line)]


def test_no_private_name_of_a_dependency_is_used():
    found = {
        str(path.relative_to(PACKAGE)): hits
        for path in sorted(PACKAGE.rglob("*.py"))
        if (hits := private_uses(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_check_sees_each_kind_of_private_use():
    for line in (
        "from openai._models import construct_type",
        "from instructor.v2.core.retry import _RETRYABLE_PARSE_ERRORS",
        "from openai import _base_client",
        "import openai._base_client",
        "x = openai._exceptions",
        "raise raw._make_status_error_from_response(response)",
        "client._platform = None",
    ):
        assert private_uses(line), line
    assert not private_uses("from instructor.v2 import Provider, mode_registry")
    assert not private_uses("self._raw = new_client(base_url)")
