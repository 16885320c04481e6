"""The fixture server and its reference extractions. Offline: the server runs in-process on
127.0.0.1 and nothing else is contacted (no cassettes involved)."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import instructor
import openai
import pytest
from pydantic import ValidationError

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run with a bare `pytest` from elsewhere
    sys.path.insert(0, str(REPO_ROOT))

from summarizer.ingest import Article, article_from_text, read_article_file  # noqa: E402
from summarizer.prompts import load_prompts  # noqa: E402
from summarizer.types.extraction import ExtractedSummary  # noqa: E402
from summarizer.types.records import SubEventType  # noqa: E402 - needs the sys.path set-up above
from tests.fixtures.server import (  # noqa: E402
    REFERENCE_DIR,
    SEEDS_DIR,
    UNKNOWN_SUMMARY,
    FixtureServer,
    start_fixture_server,
)

SEED_IDS = sorted(p.stem for p in SEEDS_DIR.glob("*.txt"))
TOOL_NAME = "ExtractedSummary"


def seed(seed_id: str) -> Article:
    article = read_article_file(SEEDS_DIR / f"{seed_id}.txt")
    assert isinstance(article, Article), article
    return article


def reference(seed_id: str) -> ExtractedSummary:
    return ExtractedSummary.model_validate_json(
        (REFERENCE_DIR / f"{seed_id}.json").read_text(encoding="utf-8")
    )


def messages(article: Article) -> list[dict[str, str]]:
    return load_prompts().messages(article)


MADE_UP = article_from_text(
    "Village fete draws record crowd\n\nThe annual fete in Little Whinging drew a record crowd "
    "on Sunday, organisers said. No incidents were reported.\n",
    "made-up",
)


@pytest.fixture(scope="module")
def server():
    with start_fixture_server() as srv:
        yield srv


@pytest.fixture
def client(server: FixtureServer):
    server.reset()
    with openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as c:
        yield c


def tools_request(article: Article, model: str = "fixture") -> dict:
    return {
        "model": model,
        "messages": messages(article),
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": TOOL_NAME,
                    "description": "A summary",
                    "parameters": ExtractedSummary.model_json_schema(),
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}},
    }


def json_schema_request(article: Article, model: str = "fixture") -> dict:
    return {
        "model": model,
        "messages": messages(article),
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": TOOL_NAME, "schema": ExtractedSummary.model_json_schema()},
        },
    }


def answer_text(completion) -> str:
    """The JSON the completion carries, whatever the mode."""
    message = completion.choices[0].message
    if message.tool_calls:
        return message.tool_calls[0].function.arguments
    content = message.content
    if content.startswith("```json\n"):
        content = content.removeprefix("```json\n").removesuffix("\n```")
    return content


# ---------------------------------------------------------------------------------------------
# (a) reference files
# ---------------------------------------------------------------------------------------------


def test_every_seed_has_a_reference():
    assert len(SEED_IDS) == 5
    assert sorted(p.stem for p in REFERENCE_DIR.glob("*.json")) == SEED_IDS


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_reference_validates_and_quotes_are_exact(seed_id: str):
    article = seed(seed_id)
    ref = reference(seed_id)
    assert 1 <= len(ref.events) <= 8
    assert ref.summary.strip() and ref.key_points
    for n, event in enumerate(ref.events):
        for quote in event.evidence:
            assert quote in article.text, f"{seed_id} event {n}: quote not in text: {quote!r}"
            assert quote in article.model_text, f"{seed_id} event {n}: quote not shown to model"
        if event.sub_event_type is None:  # only diplomatic/verbal events go without one
            assert event.plover_type.value != "ASSAULT"
        if event.fatalities is not None:
            assert event.fatalities_phrase and event.fatalities_phrase in article.text
        else:
            assert event.fatalities_phrase is None
        if event.location is not None:
            assert event.location in article.text
        if event.date_phrase is not None:
            assert event.date_phrase in article.text


# ---------------------------------------------------------------------------------------------
# (b) response shapes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_tools_mode_answers_a_tool_call(client: openai.OpenAI, seed_id: str):
    article = seed(seed_id)
    body = tools_request(article, model="fixture")
    completion = client.chat.completions.create(**body)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.type == "function" and call.function.name == TOOL_NAME
    assert ExtractedSummary.model_validate_json(call.function.arguments) == reference(seed_id)
    assert completion.object == "chat.completion"
    assert completion.model == "fixture"
    assert completion.created == 1700000000
    assert completion.id.startswith("chatcmpl-fixture-")
    chars = sum(len(m["content"]) for m in body["messages"])
    assert completion.usage.prompt_tokens == chars // 4
    assert completion.usage.completion_tokens == len(call.function.arguments) // 4
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_tool_name_is_echoed(client: openai.OpenAI):
    body = tools_request(seed(SEED_IDS[0]))
    body["tools"][0]["function"]["name"] = "Something"
    body["tool_choice"]["function"]["name"] = "Something"
    completion = client.chat.completions.create(**body)
    assert completion.choices[0].message.tool_calls[0].function.name == "Something"


@pytest.mark.parametrize("kind", ["json_schema", "json_object"])
def test_response_format_answers_plain_json(client: openai.OpenAI, kind: str):
    seed_id = SEED_IDS[1]
    body = json_schema_request(seed(seed_id))
    if kind == "json_object":
        body["response_format"] = {"type": "json_object"}
    completion = client.chat.completions.create(**body)
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and not choice.message.tool_calls
    assert ExtractedSummary.model_validate_json(choice.message.content) == reference(seed_id)


def test_no_format_answers_a_fenced_json_block(client: openai.OpenAI):
    seed_id = SEED_IDS[2]
    completion = client.chat.completions.create(model="fixture", messages=messages(seed(seed_id)))
    content = completion.choices[0].message.content
    assert content.startswith("```json\n") and content.endswith("\n```")
    assert ExtractedSummary.model_validate_json(answer_text(completion)) == reference(seed_id)


def test_identical_requests_get_identical_responses(client: openai.OpenAI):
    body = tools_request(seed(SEED_IDS[3]))
    first = client.chat.completions.with_raw_response.create(**body)
    second = client.chat.completions.with_raw_response.create(**body)
    assert first.http_response.content == second.http_response.content
    other = client.chat.completions.create(**tools_request(seed(SEED_IDS[4])))
    assert other.id != first.parse().id


def test_path_without_v1_and_models_list(server: FixtureServer, client: openai.OpenAI):
    assert {m.id for m in client.models.list()} >= {"fixture", "fixture:429", "fixture:always500"}
    root = server.base_url.removesuffix("/v1")
    data = json.dumps(json_schema_request(seed(SEED_IDS[0]))).encode()
    request = urllib.request.Request(
        f"{root}/chat/completions", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        payload = json.load(response)
    content = payload["choices"][0]["message"]["content"]
    assert ExtractedSummary.model_validate_json(content) == reference(SEED_IDS[0])


def test_unknown_fixture_fault_is_a_400(client: openai.OpenAI):
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(**tools_request(seed(SEED_IDS[0]), model="fixture:nope"))


# ---------------------------------------------------------------------------------------------
# (c) faults: once per article, then the normal answer
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error", "status"),
    [("429", openai.RateLimitError, 429), ("500", openai.InternalServerError, 500)],
)
def test_http_fault_once_per_article(client: openai.OpenAI, fault: str, error, status: int):
    model = f"fixture:{fault}"
    for seed_id in SEED_IDS[:2]:  # each article sees its own first fault
        body = tools_request(seed(seed_id), model=model)
        with pytest.raises(error) as caught:
            client.chat.completions.create(**body)
        assert caught.value.status_code == status
        if fault == "429":
            assert caught.value.code == "rate_limit_exceeded"
            assert caught.value.response.headers["retry-after"] == "2"
        for _ in range(2):
            completion = client.chat.completions.create(**body)
            arguments = completion.choices[0].message.tool_calls[0].function.arguments
            assert ExtractedSummary.model_validate_json(arguments) == reference(seed_id)


def test_always500_never_recovers(client: openai.OpenAI):
    body = tools_request(seed(SEED_IDS[0]), model="fixture:always500")
    for _ in range(3):
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(**body)


@pytest.mark.parametrize("builder", [tools_request, json_schema_request])
def test_malformed_once_per_article(client: openai.OpenAI, builder):
    for seed_id in SEED_IDS[2:4]:
        body = builder(seed(seed_id), model="fixture:malformed")
        bad = answer_text(client.chat.completions.create(**body))
        with pytest.raises(json.JSONDecodeError):
            json.loads(bad)
        good = answer_text(client.chat.completions.create(**body))
        assert ExtractedSummary.model_validate_json(good) == reference(seed_id)


def test_malformed_in_md_json_mode(client: openai.OpenAI):
    body = {"model": "fixture:malformed", "messages": messages(seed(SEED_IDS[0]))}
    first = client.chat.completions.create(**body).choices[0].message.content
    assert first.startswith("```json\n")
    with pytest.raises(json.JSONDecodeError):
        json.loads(first.removeprefix("```json\n").removesuffix("\n```"))
    second = client.chat.completions.create(**body)
    assert ExtractedSummary.model_validate_json(answer_text(second)) == reference(SEED_IDS[0])


@pytest.mark.parametrize("article", [seed(SEED_IDS[4]), MADE_UP], ids=["seed", "unknown"])
def test_invalid_once_per_article(client: openai.OpenAI, article: Article):
    body = tools_request(article, model="fixture:invalid")
    bad = answer_text(client.chat.completions.create(**body))
    obj = json.loads(bad)  # valid JSON ...
    assert obj["events"][0]["sub_event_type"] not in {s.value for s in SubEventType}
    with pytest.raises(ValidationError):  # ... that fails the schema
        ExtractedSummary.model_validate(obj)
    ExtractedSummary.model_validate_json(answer_text(client.chat.completions.create(**body)))


def test_marker_in_the_article_picks_its_fault(client: openai.OpenAI):
    poisoned = article_from_text("Poisoned article\n\nFIXTURE-ALWAYS-500 a clash.", "poisoned")
    for _ in range(3):
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(**tools_request(poisoned))
    flaky = article_from_text("Flaky article\n\nFIXTURE-429 a clash.", "flaky")
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(**tools_request(flaky))
    client.chat.completions.create(**tools_request(flaky))
    # the other articles of the batch are unaffected
    client.chat.completions.create(**tools_request(seed(SEED_IDS[0])))


def test_faults_are_counted_per_fault_and_reset(server: FixtureServer, client: openai.OpenAI):
    body = tools_request(seed(SEED_IDS[0]), model="fixture:500")
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(**body)
    client.chat.completions.create(**body)
    # another fault for the same article has its own first time
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(**{**body, "model": "fixture:429"})
    server.reset()
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(**body)
    assert [h["outcome"] for h in server.history] == ["500"]


@pytest.mark.parametrize(
    "mode", [instructor.Mode.TOOLS, instructor.Mode.JSON_SCHEMA, instructor.Mode.MD_JSON]
)
@pytest.mark.parametrize("fault", ["malformed", "invalid"])
def test_instructor_reasks_through_a_fault(
    server: FixtureServer, client: openai.OpenAI, mode, fault: str
):
    seed_id = SEED_IDS[0]
    patched = instructor.from_openai(client, mode=mode)
    result = patched.chat.completions.create(
        model=f"fixture:{fault}",
        messages=messages(seed(seed_id)),
        response_model=ExtractedSummary,
        max_retries=2,
    )
    # instructor hands back its own subclass of the response model: compare the data
    assert result.model_dump() == reference(seed_id).model_dump()
    assert [h["outcome"] for h in server.history] == [fault, "normal"]


# ---------------------------------------------------------------------------------------------
# (d) unknown article
# ---------------------------------------------------------------------------------------------


def test_unknown_article_gets_an_empty_answer(client: openai.OpenAI):
    completion = client.chat.completions.create(**tools_request(MADE_UP))
    result = ExtractedSummary.model_validate_json(answer_text(completion))
    assert result.summary == UNKNOWN_SUMMARY
    assert result.events == []


def test_headers_are_not_logged(capfd, client: openai.OpenAI, server: FixtureServer):
    client.chat.completions.create(**tools_request(seed(SEED_IDS[0])))
    out, err = capfd.readouterr()
    assert "sk-test" not in out + err
    assert "sk-test" not in json.dumps(server.history)
