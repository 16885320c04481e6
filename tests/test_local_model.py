"""The embedded model's file handling, on small fake "packages" (the real weights are 1.1 GB)."""

import hashlib
import importlib.util
from types import SimpleNamespace

import pytest

from summarizer.config import Settings
from summarizer.providers import local_models as local_model
from summarizer.providers.local_models import LocalModelError, PackagedModel, assemble, check_gguf


@pytest.fixture
def fake_parts(tmp_path, monkeypatch):
    """Three part 'packages' laid out like the real ones: <module>/data/partNN.bin."""
    chunks = [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7]
    for n, chunk in enumerate(chunks, 1):
        data = tmp_path / "site" / f"fake_part{n}" / "data"
        data.mkdir(parents=True)
        (data / f"part{n:02d}.bin").write_bytes(chunk)
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *a):
        if name.startswith("fake_part"):
            folder = tmp_path / "site" / name
            return (
                SimpleNamespace(submodule_search_locations=[str(folder)])
                if folder.exists()
                else None
            )
        return real_find_spec(name, *a)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    whole = b"".join(chunks)
    return PackagedModel(
        name="fake",
        description="fake",
        module_pattern="fake_part{n}",
        parts=3,
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        pip_extra="local",
    ), whole


def test_assembles_once_and_verifies(fake_parts, tmp_path):
    model, whole = fake_parts
    cache = tmp_path / "cache"
    path = assemble(model, cache)
    assert path.read_bytes() == whole
    assert list(cache.iterdir()) == [path]  # no partial file left behind
    mtime = path.stat().st_mtime_ns
    assert assemble(model, cache) == path and path.stat().st_mtime_ns == mtime  # not rebuilt


def test_refuses_a_file_whose_hash_differs(fake_parts, tmp_path):
    model, whole = fake_parts
    cache = tmp_path / "cache"
    path = assemble(model, cache)
    path.write_bytes(b"X" + whole[1:])  # same size, different content
    with pytest.raises(LocalModelError, match="does not match the pinned"):
        assemble(model, cache)


def test_refuses_parts_that_assemble_to_another_hash(fake_parts, tmp_path):
    model, _ = fake_parts
    tampered = PackagedModel(**{**model.__dict__, "sha256": "0" * 64})
    with pytest.raises(LocalModelError, match="refusing to load them"):
        assemble(tampered, tmp_path / "cache")
    assert not any((tmp_path / "cache").iterdir())


def test_missing_package_says_what_to_install(fake_parts, tmp_path):
    model, _ = fake_parts
    missing = PackagedModel(**{**model.__dict__, "parts": 4})
    with pytest.raises(
        LocalModelError, match=r"missing package fake_part4.*pip install 'summarizer\[local\]'"
    ):
        assemble(missing, tmp_path / "cache")


def test_user_model_path_must_be_gguf(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"not a model")
    with pytest.raises(LocalModelError, match="not a GGUF model file"):
        check_gguf(bad)
    with pytest.raises(LocalModelError, match="cannot read model file"):
        check_gguf(tmp_path / "absent.gguf")
    good = tmp_path / "mine.gguf"
    good.write_bytes(b"GGUF\x03\x00")
    assert local_model.resolve_model_file(str(good), None) == (good, "mine")


def test_unknown_embedded_model_lists_the_choices():
    with pytest.raises(LocalModelError, match=r"choose one of: qwen2\.5-coder-1\.5b"):
        local_model.resolve_model_file(None, "gpt-5")


def test_pinned_catalogue_matches_local_models_doc():
    m = local_model.CATALOGUE[local_model.DEFAULT_EMBEDDED_MODEL]
    assert (m.size, m.sha256[:16]) == (1_117_320_768, "cc324af070c2ecbf")


def test_embedded_is_used_only_without_key_or_base_url():
    assert Settings().uses_embedded
    assert not Settings(api_key="k").uses_embedded
    assert not Settings(base_url="http://127.0.0.1:8080/v1").uses_embedded
    assert Settings(api_key="k", model_path="/m.gguf").uses_embedded
