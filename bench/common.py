"""Shared by the batch benchmarks: the loopback server in its own process, corpus, CPU time."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

from corpus import write_corpus  # noqa: E402, F401 - importable only once sys.path is set above


class BenchServer:
    """``bench/fakeserver.py`` in a child process (its CPU is not ours), on a loopback port."""

    def __init__(self, latency_ms: float = 0.0, **faults: float) -> None:
        args = [sys.executable, str(BENCH / "fakeserver.py"), "--latency-ms", str(latency_ms)]
        for name, value in faults.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"bench server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}/v1"

    def stats(self) -> dict:
        with urllib.request.urlopen(self.url + "/stats") as response:
            return json.loads(response.read())

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(self.url + "/reset", method="POST")).read()

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def __enter__(self) -> BenchServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def prepare_process() -> None:
    """What a process does once, outside every measurement, as ``summarizer run`` does at
    start-up: import the package, make the TLS context every batch's HTTP client shares, and
    load the tables assembling a record needs (``assemble.warm_up``)."""
    import summarizer.api  # noqa: F401
    from summarizer.pipeline.assemble import warm_up
    from summarizer.providers.transport import _tls_context

    _tls_context()
    warm_up()


def cpu_seconds() -> float:
    """This process's user + system CPU time (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def workdir(keep: str | None = None):
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        yield path
    else:
        with tempfile.TemporaryDirectory(prefix="summarizer-bench-") as tmp:
            yield Path(tmp)


def bench_settings(url: str, concurrency: int, **overrides):
    from summarizer import Settings

    return Settings(
        base_url=url,
        api_key="sk-bench-not-a-key",
        model="bench",
        concurrency=concurrency,
        **overrides,
    )
