"""Settings read from the environment: a bad value is one ``ValueError`` naming the variable,
never a traceback later or a silently wrong run."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.config import ENV, Settings

ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "000_7f59d95cd243b889.txt"
MODES = "(auto, tools, json_schema, md_json)"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    # The developer's own settings must not leak into what is checked here.
    for var in ENV.values():
        monkeypatch.delenv(var, raising=False)


def _error(monkeypatch, var: str, value: str) -> str:
    monkeypatch.setenv(var, value)
    with pytest.raises(ValueError) as raised:
        Settings.from_env()
    return str(raised.value)


def test_mode_from_env_is_checked(monkeypatch):
    assert _error(monkeypatch, "SUMMARIZER_MODE", "foo") == (
        f"SUMMARIZER_MODE='foo': not a mode {MODES}"
    )
    assert _error(monkeypatch, "SUMMARIZER_MODE", "TOOLS") == (
        f"SUMMARIZER_MODE='TOOLS': not a mode {MODES}"
    )
    monkeypatch.setenv("SUMMARIZER_MODE", " md_json\n")
    assert Settings.from_env().mode == "md_json"


def test_mode_from_arguments_is_checked(monkeypatch):
    with pytest.raises(ValueError) as raised:
        Settings.from_env(mode="foo")
    assert str(raised.value) == f"mode='foo': not a mode {MODES}"
    with pytest.raises(ValueError, match=r"^mode='xml': not a mode"):
        Settings(mode="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^mode='foo': not a mode"):
        Settings().with_(mode="foo")
    monkeypatch.setenv("SUMMARIZER_MODE", "tools")
    flag_on_top = Settings.from_env(mode="json_schema")
    assert flag_on_top.mode == "json_schema"


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("SUMMARIZER_TIMEOUT", "-1", "must be at least 1"),
        ("SUMMARIZER_TIMEOUT", "0.5", "must be at least 1"),
        ("SUMMARIZER_CONCURRENCY", "0", "must be at least 1"),
        ("SUMMARIZER_MAX_TOKENS", "63", "must be at least 64"),
        ("SUMMARIZER_REASKS", "-1", "must be at least 0"),
        ("SUMMARIZER_TRANSPORT_ATTEMPTS", "0", "must be at least 1"),
    ],
)
def test_numbers_below_their_flags_bound(monkeypatch, var, value, message):
    assert _error(monkeypatch, var, value) == f"{var}={value!r}: {message}"


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("SUMMARIZER_TIMEOUT", "soon", "is not a number: must be a number, at least 1"),
        ("SUMMARIZER_REASKS", "x", "is not a number: must be a whole number, at least 0"),
        ("SUMMARIZER_CONCURRENCY", "2.5", ": must be a whole number, at least 1"),
        ("SUMMARIZER_MAX_TOKENS", "1e3", ": must be a whole number, at least 64"),
        ("SUMMARIZER_TIMEOUT", "nan", ": must be a finite number, at least 1"),
        ("SUMMARIZER_TIMEOUT", "inf", ": must be a finite number, at least 1"),
    ],
)
def test_numbers_that_are_not_usable(monkeypatch, var, value, message):
    sep = " " if message.startswith("is") else ""
    assert _error(monkeypatch, var, value) == f"{var}={value!r}{sep}{message}"


def test_numbers_at_their_bounds_are_taken(monkeypatch):
    for var, value in [
        ("SUMMARIZER_TIMEOUT", "1"),
        ("SUMMARIZER_CONCURRENCY", " 1 "),
        ("SUMMARIZER_MAX_TOKENS", "64"),
        ("SUMMARIZER_REASKS", "0"),
        ("SUMMARIZER_TRANSPORT_ATTEMPTS", "1"),
    ]:
        monkeypatch.setenv(var, value)
    s = Settings.from_env()
    assert (s.timeout, s.concurrency, s.max_tokens, s.reasks, s.transport_attempts) == (
        1.0,
        1,
        64,
        0,
        1,
    )
    assert isinstance(s.timeout, float) and isinstance(s.max_tokens, int)


def test_urls_need_a_scheme(monkeypatch):
    assert _error(monkeypatch, "OPENAI_BASE_URL", "localhost:11434/v1") == (
        "OPENAI_BASE_URL='localhost:11434/v1': must be an http:// or https:// URL"
    )
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert _error(monkeypatch, "SUMMARIZER_EMBEDDED_URL", "http://[::1/v1") == (
        "SUMMARIZER_EMBEDDED_URL='http://[::1/v1': must be an http:// or https:// URL"
    )
    monkeypatch.setenv("SUMMARIZER_EMBEDDED_URL", "HTTP://127.0.0.1:8080/v1")
    assert Settings.from_env().embedded_url == "HTTP://127.0.0.1:8080/v1"


def test_stray_whitespace_is_not_sent(monkeypatch):
    # A key read from a file with its newline made every request fail as "header injection".
    monkeypatch.setenv("OPENAI_API_KEY", "sk-abc\r\n")
    monkeypatch.setenv("OPENAI_BASE_URL", " http://127.0.0.1:9/v1 ")
    monkeypatch.setenv("SUMMARIZER_MODEL", "m ")
    s = Settings.from_env()
    assert (s.api_key, s.base_url, s.model) == ("sk-abc", "http://127.0.0.1:9/v1", "m")
    monkeypatch.setenv("OPENAI_API_KEY", "  ")  # blank, like an empty value: unset
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert Settings.from_env().api_key is None


def test_gazetteer_from_env_is_absolute(monkeypatch, tmp_path):
    # Recorded with the run: a resume from another directory must read the same file.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SUMMARIZER_GAZETTEER", "SY.txt")
    assert Settings.from_env().gazetteer == str(tmp_path.resolve() / "SY.txt")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SUMMARIZER_GAZETTEER", "~/dumps/SY.txt")
    assert Settings.from_env().gazetteer == str(tmp_path.resolve() / "dumps" / "SY.txt")


def test_cli_reports_a_bad_mode_from_env_in_one_line(tmp_path):
    args = ["run", str(ARTICLE), "--base-url", "http://127.0.0.1:9/v1", "--model", "m"]
    env = {"SUMMARIZER_MODE": "foo", "SUMMARIZER_LEDGER": str(tmp_path / "ledger.sqlite3")}
    result = CliRunner().invoke(app, [*args, "--no-ledger"], env=env, catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: SUMMARIZER_MODE='foo': not a mode {MODES}"]
    assert not result.stdout


def test_a_blank_base_url_in_the_environment_is_not_the_clients_url(monkeypatch):
    """Given no base URL the openai client would read OPENAI_BASE_URL itself, blank and all."""
    from summarizer.providers.transport import new_client

    monkeypatch.setenv("OPENAI_BASE_URL", "  ")
    settings = Settings.from_env(api_key="sk-test")
    assert settings.base_url is None
    client = new_client(settings.base_url, settings.api_key, settings.timeout)
    assert str(client.base_url).rstrip("/") == "https://api.openai.com/v1"


def test_assembly_workers_from_the_environment_are_checked(monkeypatch):
    from summarizer.runtime.assembly_workers import default_size

    monkeypatch.setenv("SUMMARIZER_ASSEMBLY_WORKERS", "two")
    with pytest.raises(
        ValueError, match=r"^SUMMARIZER_ASSEMBLY_WORKERS='two' is not a number: must be a whole"
    ):
        default_size()
    monkeypatch.setenv("SUMMARIZER_ASSEMBLY_WORKERS", " 2 ")
    assert default_size() == 2


def test_the_environment_is_read_in_one_place():
    """Only config.py reads environment variables: a new setting cannot bypass its checks."""
    import re

    import summarizer

    package = Path(summarizer.__file__).resolve().parent
    readers = re.compile(r"os\.environ|os\.getenv|getenv\(")
    found = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if readers.search(p.read_text(encoding="utf-8"))
    ]
    # transport reads the standard proxy variables (not ours) to choose its HTTP client.
    assert sorted(found) == ["config.py", "providers/transport.py"]
    text = (package / "providers" / "transport.py").read_text(encoding="utf-8")
    assert "SUMMARIZER_" not in "".join(re.findall(r"environ[^\n]*", text))


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        (
            "SUMMARIZER_ASSEMBLY_WORKERS",
            "-1",
            "SUMMARIZER_ASSEMBLY_WORKERS='-1': must be at least 0",
        ),
        ("SUMMARIZER_REQUEST_WORKER", "maybe", "SUMMARIZER_REQUEST_WORKER='maybe': "),
        ("SUMMARIZER_HTTP", "curl", "SUMMARIZER_HTTP='curl': "),
    ],
)
def test_tuning_variables_are_checked_in_one_line(monkeypatch, var, value, message):
    from summarizer.config import environment

    monkeypatch.setenv(var, value)
    with pytest.raises(ValueError) as raised:
        environment()
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_every_variable_has_a_setting():
    from summarizer.config import environment

    assert set(ENV.values()) >= {
        "OPENAI_API_KEY", "OPENAI_BASE_URL", "SUMMARIZER_LEDGER", "SUMMARIZER_PRICES",
        "SUMMARIZER_CACHE_DIR", "SUMMARIZER_ASSEMBLY_WORKERS", "SUMMARIZER_REQUEST_WORKER",
        "SUMMARIZER_HTTP", "SUMMARIZER_GAZETTEER",
    }  # fmt: skip
    assert environment().request_worker is None
