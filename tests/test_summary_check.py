"""A summary that copies the headline, or states numbers or names the article does not, is asked
again once with the reason; one that still fails is shown marked unverified, never as checked."""

from __future__ import annotations

import json

import httpx2
import openai
import pytest

from summarizer.api import Summarizer
from summarizer.config import Settings
from summarizer.ingest import read_article_file
from summarizer.pipeline.summary_check import summary_problem
from summarizer.providers import openai_compat
from tests.conftest import SEEDS

ARTICLE = read_article_file(SEEDS[0])  # "Syria regime suffers losses trying to recapture ..."
GOOD = (
    "Syrian regime forces backed by Russian air strikes failed to retake the Alawite village of "
    "al-Zara in northern Homs from al-Nusra Front militants."
)


@pytest.mark.parametrize(
    ("summary", "problem"),
    [
        (ARTICLE.headline, "the summary repeats the headline"),
        (ARTICLE.headline + ".", "the summary repeats the headline"),
        (
            "Regime forces lost 450 fighters near al-Zara.",
            "states numbers the article does not (450)",
        ),
        (
            "Forces led by Qassem Soleimani attacked al-Zara.",
            "names what the article does not (Qassem",
        ),
        (GOOD, None),
        ("Russian jets struck as Syria's army lost men near al-Zara.", None),  # Russia: stated
    ],
)
def test_what_makes_a_summary_unverifiable(summary, problem):
    found = summary_problem(summary, ARTICLE.headline, ARTICLE.text)
    assert (found is None) if problem is None else (problem in (found or "")), found


@pytest.mark.parametrize(
    ("text", "summary", "ok"),
    [
        ("Twelve soldiers were killed.", "12 soldiers were killed.", True),  # a word, in digits
        ("In 2012, 1,200 people fled.", "1,200 people fled in 2012.", True),
        ("In 2012 the town fell.", "12 people died.", False),  # 12 only inside 2012
        ("Some 3.5 million people fled.", "5 people fled.", False),  # 5 only inside 3.5
    ],
)
def test_numbers_are_matched_whole_in_digits_or_words(text, summary, ok):
    found = summary_problem(summary, "A headline", text)
    assert (found is None) is ok, found


def _answer(summary: str) -> bytes:
    content = json.dumps({"summary": summary, "key_points": [], "sources_cited": [], "events": []})
    return json.dumps(
        {
            "id": "c",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
    ).encode()


def run_with_answers(monkeypatch, summaries: list[str]):
    sent: list[dict] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        sent.append(json.loads(request.content))
        return httpx2.Response(200, content=_answer(summaries[min(len(sent), len(summaries)) - 1]))

    def client(base_url, api_key, timeout):
        return openai.AsyncOpenAI(
            api_key="k",
            base_url="http://127.0.0.1:9/v1",
            max_retries=0,
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(answer)),
        )

    monkeypatch.setattr(openai_compat, "new_client", client)
    settings = Settings(base_url="http://127.0.0.1:9/v1", api_key="k", model="m")
    [result] = list(Summarizer(settings).summarize_many([ARTICLE]))
    return result, sent


def test_a_copied_headline_is_asked_again_once_with_the_reason(monkeypatch):
    result, sent = run_with_answers(monkeypatch, [ARTICLE.headline, GOOD])
    assert result.ok and result.summary.summary == GOOD
    assert result.summary.summary_unverified is None
    assert len(sent) == 2 and result.usage.attempts == 2
    reask = json.dumps(sent[1]["messages"][-1])
    assert "repeats the headline" in reask


def test_a_summary_that_still_fails_is_marked_not_dropped(monkeypatch):
    result, sent = run_with_answers(monkeypatch, [ARTICLE.headline, ARTICLE.headline])
    assert result.ok and len(sent) == 2  # one re-ask, no more
    assert result.summary.summary == ARTICLE.headline
    assert "repeats the headline" in result.summary.summary_unverified
