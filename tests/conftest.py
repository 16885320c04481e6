"""Test wiring: cassettes replay recorded HTTP traffic; the network is blocked (pyproject's
``--block-network``); a missing cassette fails the test loudly instead of reaching out.

Recording (see README): ``pytest --record-mode=once -k NAME`` starts the loopback fixture server
(or the embedded model for ``embedded`` cassettes) and records through the real
openai/instructor/httpx2 stack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from summarizer.ingest import read_article_file

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
SEED_IDS = [p.stem for p in SEEDS]
CASSETTES = ROOT / "cassettes"
# The key used while recording against the fixture server; a test greps cassettes for it.
RECORDING_KEY = "sk-test-RECORDING-ONLY-4f6c2b9e8a1d7c3f"
REPLAY_URL = "http://127.0.0.1:9/v1"  # never contacted: replay matches without host/port
_PYDANTIC_DOCS = re.compile(r"https://errors\.pydantic\.dev/[0-9.]+/")
# A multipart upload's boundary is random (httpx2: 16 random bytes in hex) on every request.
_MULTIPART_BOUNDARY = re.compile(r"^--[0-9a-f]{32}(--)?\r$", re.MULTILINE)


def _normalise_body(body) -> object:
    if body is None:
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    # Re-ask messages quote pydantic's versioned docs URL; upgrading pydantic must not break
    # replay.
    body = _PYDANTIC_DOCS.sub("https://errors.pydantic.dev/VERSION/", body)
    # Batch input files are uploaded as multipart/form-data (tests/test_batch_api.py).
    body = _MULTIPART_BOUNDARY.sub(lambda m: "--BOUNDARY" + (m[1] or "") + "\r", body)
    try:
        return json.loads(body)
    except ValueError:
        return body


def json_body_matcher(r1, r2) -> None:
    """Match on the parsed JSON body, so concurrent replay can never hand one article the
    answer recorded for another."""
    b1, b2 = _normalise_body(r1.body), _normalise_body(r2.body)
    if b1 != b2:
        raise AssertionError("request bodies differ")


def pytest_recording_configure(config, vcr) -> None:
    vcr.register_matcher("json_body", json_body_matcher)


@pytest.fixture(scope="module")
def vcr_config():
    return {
        "filter_headers": [
            "authorization",
            "api-key",
            "openai-organization",
            "openai-project",
            "cookie",
            "set-cookie",
        ],
        "decode_compressed_response": True,
        "match_on": ["method", "scheme", "path", "json_body"],
        "allow_playback_repeats": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request) -> str:
    return str(CASSETTES / request.module.__name__.split(".")[-1])


def _recording(config) -> bool:
    return config.getoption("--record-mode", default="none") not in ("none", None)


@pytest.fixture(autouse=True)
def _cassette_must_exist(request, vcr_cassette_dir):
    """Fail loudly, naming the file, when a vcr test has no cassette and we are not recording."""
    marker = request.node.get_closest_marker("vcr")
    if marker is None or _recording(request.config):
        return
    names = list(marker.args) or [request.getfixturevalue("default_cassette_name")]
    for name in names:
        path = Path(vcr_cassette_dir) / (name if name.endswith(".yaml") else f"{name}.yaml")
        if not path.is_file():
            pytest.fail(
                f"missing cassette {path.relative_to(ROOT)}; record it with "
                f"`pytest --record-mode=once {request.node.nodeid}`",
                pytrace=False,
            )


@pytest.fixture(scope="session")
def recording(pytestconfig) -> bool:
    return _recording(pytestconfig)


@pytest.fixture(scope="session")
def _fixture_server(recording):
    if not recording:
        yield None
        return
    from tests.fixtures.server import start_fixture_server

    server = start_fixture_server()
    yield server
    server.close()


@pytest.fixture
def fixture_url(_fixture_server) -> str:
    """Base URL of the fixture server when recording (fault counters fresh for each test);
    an unused URL when replaying."""
    if _fixture_server is None:
        return REPLAY_URL
    _fixture_server.reset()
    return _fixture_server.base_url


@pytest.fixture(scope="session")
def embedded_url(recording):
    """The real embedded model's server when recording; an unused URL when replaying."""
    if not recording:
        return REPLAY_URL
    from summarizer.providers import local_models as local_model

    model_file, _ = local_model.resolve_model_file(None, None)
    return local_model.embedded_base_url(model_file)


@pytest.fixture(scope="session")
def seed_articles():
    return {p.stem: read_article_file(p) for p in SEEDS}


class RecordedSleep:
    """Stands in for the wait between transport retries: records it, sleeps not at all."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def recorded_sleep() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture
def unanswered_url():
    """A loopback base URL whose connections are never answered: a listening socket whose accept
    queue is full, so the kernel drops further SYNs and a connect hangs until it times out (as
    with a host that is down behind a firewall)."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers = []
    for _ in range(3):  # backlog 0 holds one; the rest wait in SYN-SENT
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(address)
        fillers.append(filler)
    try:
        yield f"http://127.0.0.1:{address[1]}/v1"
    finally:
        for sock in (*fillers, listener):
            sock.close()


def seed_requests(paths) -> int:
    """Requests a batch of these seeds sends the fixture server: one per article, and two more
    (its halves) for each article whose reference answer holds the most events one answer may
    (the engine asks such an article again in halves, in case events were left out)."""
    from summarizer.types.extraction import EVENTS_PER_ANSWER

    reference = ROOT / "tests" / "fixtures" / "reference"
    total = 0
    for path in paths:
        events = json.loads((reference / f"{Path(path).stem}.json").read_text())["events"]
        total += 1 if len(events) < EVENTS_PER_ANSWER else 3
    return total
