"""No secret reaches a cassette, a results file or a log."""

import re

from tests.conftest import CASSETTES, RECORDING_KEY

KEY_LIKE = re.compile(r"sk-[A-Za-z0-9_-]{16,}|[Bb]earer\s+[A-Za-z0-9_.-]{8,}")


def test_cassettes_exist_and_hold_no_key():
    files = sorted(CASSETTES.rglob("*.yaml"))
    assert len(files) >= 10, "expected the recorded cassettes under cassettes/"
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert RECORDING_KEY not in text, path
        assert not KEY_LIKE.search(text), path
        assert "authorization" not in text.lower(), path
