"""The transport-retry policy and error reporting, without any HTTP."""

import httpx2
import openai
import pytest
from instructor.core.exceptions import InstructorRetryException

from summarizer.config import ENV, Settings
from summarizer.providers import provider_for
from summarizer.providers.openai_compat import choose_mode
from summarizer.providers.transport import describe_error, is_transient, retry_after_seconds

REQUEST = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


def status_error(code: int, headers: dict | None = None, body: dict | None = None):
    response = httpx2.Response(code, headers=headers or {}, request=REQUEST, json=body or {})
    cls = {
        429: openai.RateLimitError,
        500: openai.InternalServerError,
        401: openai.AuthenticationError,
        400: openai.BadRequestError,
    }.get(code, openai.APIStatusError)
    return cls("boom", response=response, body=body)


def wrapped(exc: Exception) -> InstructorRetryException:
    try:
        raise InstructorRetryException("wrapped", n_attempts=1, total_usage=0) from exc
    except InstructorRetryException as outer:
        return outer


@pytest.mark.parametrize(
    "code, transient",
    [(429, True), (500, True), (503, True), (408, True), (400, False), (401, False), (404, False)],
)
def test_status_codes(code, transient):
    assert is_transient(status_error(code)) is transient
    assert is_transient(wrapped(status_error(code))) is transient  # as instructor raises it


def test_connection_and_timeout_errors_are_transient():
    assert is_transient(openai.APIConnectionError(request=REQUEST))
    assert is_transient(openai.APITimeoutError(request=REQUEST))
    assert not is_transient(ValueError("schema"))


def test_retry_after_header():
    assert retry_after_seconds(status_error(429, {"retry-after": "2"})) == 2.0
    assert retry_after_seconds(status_error(429, {"retry-after-ms": "1500"})) == 1.5
    assert (
        retry_after_seconds(status_error(429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}))
        == 0.0
    )
    assert retry_after_seconds(status_error(500)) is None
    assert retry_after_seconds(wrapped(status_error(429, {"retry-after": "7"}))) == 7.0


def test_error_reasons_are_one_line_and_name_the_endpoint():
    s = Settings(base_url="http://llm.local:8000/v1", api_key="sk-secret-should-not-appear")
    reason, fatal = describe_error(
        wrapped(status_error(401, body={"error": {"message": "Incorrect API key"}})), s
    )
    assert (
        reason == "HTTP 401 from http://llm.local:8000/v1 (check OPENAI_API_KEY): Incorrect API key"
    )
    assert fatal and "sk-secret" not in reason
    conn = openai.APIConnectionError(request=REQUEST)
    conn.__cause__ = ConnectionRefusedError("refused")
    reason, fatal = describe_error(wrapped(conn), s)
    assert reason == "cannot connect to http://llm.local:8000/v1: ConnectionRefusedError: refused"
    assert not fatal


def test_a_connection_never_answered_is_given_up_in_seconds_and_said_so():
    from summarizer.providers.transport import new_client

    client = new_client("http://gpu-box:8000/v1", "k", 600.0)
    assert (client.timeout.connect, client.timeout.read) == (10.0, 600.0)
    assert new_client("http://gpu-box:8000/v1", "k", 3.0).timeout.connect == 3.0
    s = Settings(base_url="http://llm.local:8000/v1", api_key="k")
    never = openai.APITimeoutError(request=REQUEST)
    never.__cause__ = httpx2.ConnectTimeout("Connection timeout to host", request=REQUEST)
    assert describe_error(wrapped(never), s) == (
        "cannot connect to http://llm.local:8000/v1: no connection within 10s",
        False,
    )
    slow = openai.APITimeoutError(request=REQUEST)
    slow.__cause__ = httpx2.ReadTimeout("Timeout on reading data from socket", request=REQUEST)
    assert describe_error(wrapped(slow), s) == (
        "request to http://llm.local:8000/v1 timed out after 600s",
        False,
    )


def test_an_article_too_long_for_the_embedded_model_says_what_to_do():
    message = (
        "request (15025 tokens) exceeds the available context size (8192 tokens), try increasing it"
    )
    error = status_error(400, body={"error": {"message": message}})
    reason, fatal = describe_error(wrapped(error), Settings())  # the embedded default
    assert reason == (
        "HTTP 400 from embedded: request (15025 tokens) exceeds the available context size (8192 "
        "tokens); the article is too long for the embedded model: use an endpoint with a longer "
        "context (--base-url, --model)"
    )
    assert not fatal  # the next article may fit
    remote, _ = describe_error(wrapped(error), Settings(base_url="http://gpu-box:8000/v1"))
    assert remote.endswith("try increasing it")  # a server of one's own can be given more


def test_mode_per_endpoint():
    import instructor

    assert choose_mode(Settings()) is instructor.Mode.JSON_SCHEMA  # embedded llama.cpp
    assert choose_mode(Settings(api_key="k")) is instructor.Mode.TOOLS  # OpenAI
    assert (
        choose_mode(Settings(base_url="http://localhost:11434/v1")) is instructor.Mode.JSON_SCHEMA
    )
    assert choose_mode(Settings(base_url="http://gpu-box:8000/v1")) is instructor.Mode.JSON_SCHEMA
    assert (
        choose_mode(Settings(base_url="https://api.openai.com/v1", api_key="k"))
        is instructor.Mode.TOOLS
    )
    assert choose_mode(Settings(base_url="http://x/v1", mode="md_json")) is instructor.Mode.MD_JSON


def test_settings_from_env_and_flags(monkeypatch):
    for var in ENV.values():
        monkeypatch.delenv(var, raising=False)
    assert Settings.from_env().uses_embedded
    env = {"OPENAI_BASE_URL": "http://a/v1", "SUMMARIZER_MODEL": "m1", "SUMMARIZER_REASKS": "5"}
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    s = Settings.from_env(model="m2")
    assert (s.base_url, s.model, s.reasks) == ("http://a/v1", "m2", 5)
    assert not s.uses_embedded
    assert "sk-" not in repr(Settings(api_key="sk-hidden"))
    monkeypatch.setenv("SUMMARIZER_REASKS", "x")
    with pytest.raises(ValueError, match="SUMMARIZER_REASKS='x' is not a number"):
        Settings.from_env()


def test_http_clients_are_aiohttp_backed_and_share_one_tls_context(monkeypatch):
    """Every batch opens a client; the TLS context (~50 ms of CPU to make) is made once."""
    from summarizer.providers.transport import http_client

    for name in (
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "SUMMARIZER_HTTP",
    ):
        monkeypatch.delenv(name, raising=False)
    first, second = http_client(), http_client()
    assert type(first._transport).__name__ == "AiohttpTransport"
    assert first._transport.ssl_context is second._transport.ssl_context
    assert first._transport.ssl_context.verify_mode.name == "CERT_REQUIRED"
    # aiohttp ignores proxy variables: with one set, openai's default (httpx) client is used.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert http_client() is None
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.setenv("SUMMARIZER_HTTP", "httpx")
    assert http_client() is None


@pytest.mark.parametrize("mode", ["tools", "json_schema", "md_json"])
@pytest.mark.parametrize("embedded", [False, True])
def test_the_request_body_is_the_request_as_json(mode, embedded):
    """What goes over the wire parses back to instructor's request (extra_body merged in, as
    openai's client merges it), text included byte for byte: Arabic, marks, quotes, controls."""
    import json

    from summarizer.quote_grammar import quote_constrained_model
    from summarizer.types.extraction import ExtractedSummary

    settings = Settings(base_url="http://127.0.0.1:9/v1", model="m", mode=mode)
    extractor = provider_for(settings)
    if embedded:  # llama.cpp's extra_body options: merged into the body's top level
        extractor._request_options = lambda: {
            "temperature": 0.0,
            "max_tokens": 9,
            "seed": 7,
            "extra_body": {"cache_prompt": True},
        }
    text = (
        'Ma\u02bfarrat al-Nu\u02bfm\u0101n \u0645\u0639\u0631\u0629 "shelled"\n\ttab \u2028 \\ end'
    )
    messages = [{"role": "system", "content": "You extract."}, {"role": "user", "content": text}]
    for model in (ExtractedSummary, quote_constrained_model(text, "Headline")):  # kept, not kept
        for _ in range(2):  # the first request for a model, then from the prepared one
            _, request = extractor._prepare(model, messages)
            sent = json.loads(extractor._body(model, request))
            expected = {k: v for k, v in request.items() if k != "extra_body"}
            expected.update(request.get("extra_body") or {})
            assert sent == expected and any(text in m["content"] for m in sent["messages"])
            assert ("cache_prompt" in sent) is embedded


@pytest.mark.parametrize(
    ("body", "problem"),
    [(b"<html>Bad gateway</html>", "expected value"), (b"[1, 2]", "a JSON list, not an object")],
)
def test_an_answer_that_is_no_completion_fails_with_a_reason(body, problem):
    from summarizer.providers.transport import NotACompletion, completion_json

    with pytest.raises(NotACompletion) as caught:
        completion_json(body)
    reason, fatal = describe_error(caught.value, Settings())
    assert problem in reason and body[:10].decode() in reason and not fatal
    assert not is_transient(caught.value)
    assert completion_json(b'{"choices": []}') == {"choices": []}
