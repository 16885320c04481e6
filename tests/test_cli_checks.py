from pathlib import Path

from summarizer.cli.checks import endpoint_conflict, out_file_conflict
from summarizer.config import Settings


def test_an_out_file_that_is_or_would_become_an_input_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"text": "x"}\n')
    articles = tmp_path / "articles"
    articles.mkdir()
    assert "is also an input" in out_file_conflict(Path("corpus.jsonl"), [str(corpus)])
    # the failures file beside the results is written too
    assert "is also an input" in out_file_conflict(tmp_path / "corpus.jsonl", ["corpus.jsonl"])
    failures_input = tmp_path / "r.failures.jsonl"
    failures_input.write_text("")
    assert "is also an input" in out_file_conflict(tmp_path / "r.jsonl", [str(failures_input)])
    assert "input directory" in out_file_conflict(articles / "results.jsonl", [str(articles)])
    assert "input pattern" in out_file_conflict(tmp_path / "b.jsonl", ["*.jsonl"])
    # not read back: another directory, another suffix, standard input
    assert out_file_conflict(tmp_path / "results.jsonl", [str(articles), str(corpus)]) is None
    assert out_file_conflict(articles / "results.json", [str(articles)]) is None
    assert out_file_conflict(tmp_path / "out.jsonl", ["-"]) is None


def test_flags_naming_an_endpoint_that_would_not_be_used_are_refused():
    embedded = Settings()
    assert "no endpoint to ask it" in endpoint_conflict({"model": "gpt-4o-mini"}, embedded)
    assert endpoint_conflict({}, embedded) is None
    keyed = Settings(api_key="sk-test", model="gpt-4o-mini")
    assert endpoint_conflict({"model": "gpt-4o-mini"}, keyed) is None
    both = {"model_path": "m.gguf", "base_url": "http://localhost:8080/v1"}
    assert "give one of them" in endpoint_conflict(both, Settings(**both))
