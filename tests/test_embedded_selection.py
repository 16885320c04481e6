"""Which endpoint a run uses: the embedded model only without a key or a base URL."""

import asyncio

import pytest

from summarizer.config import Settings
from summarizer.providers import local_models as local_model
from summarizer.providers import provider_for


@pytest.fixture
def no_embedded(monkeypatch):
    def refuse(*_a, **_k):
        raise AssertionError("the embedded model must not be loaded")

    monkeypatch.setattr(local_model, "resolve_model_file", refuse)
    monkeypatch.setattr(local_model, "embedded_base_url", refuse)
    monkeypatch.setattr(local_model, "assemble", refuse)


@pytest.mark.parametrize(
    "settings",
    [Settings(api_key="sk-test-not-real-000000000000"), Settings(base_url="http://127.0.0.1:9/v1")],
    ids=["api key", "base url"],
)
def test_key_or_base_url_never_loads_the_embedded_model(settings, no_embedded):
    extractor = provider_for(settings)
    extractor._connect()  # builds the clients; sends nothing
    assert extractor.model == "gpt-4o-mini"  # the default, not the embedded model
    asyncio.run(extractor.aclose())


def test_without_key_or_base_url_the_embedded_model_is_started(monkeypatch, tmp_path):
    started = []
    fake = tmp_path / "m.gguf"
    monkeypatch.setattr(local_model, "resolve_model_file", lambda p, n: (fake, "tiny-model"))
    monkeypatch.setattr(
        local_model, "embedded_base_url", lambda f: started.append(f) or "http://127.0.0.1:9/v1"
    )
    extractor = provider_for(Settings())
    extractor._connect()
    assert started == [fake] and extractor.model == "tiny-model"
    assert extractor._request_options()["extra_body"] == {
        "cache_prompt": True,
        "repeat_penalty": 1.0,
    }
    asyncio.run(extractor.aclose())


def test_a_new_event_loop_gets_a_new_client():
    extractor = provider_for(Settings(base_url="http://127.0.0.1:9/v1"))

    async def connect():
        return extractor._connect()

    first = asyncio.run(connect())  # that loop is closed now, client never closed
    second = asyncio.run(connect())
    assert first is not second
    asyncio.run(extractor.aclose())
