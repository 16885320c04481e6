"""Where a process's CPU goes, by the code it is in: a statistical profiler for the benchmarks.

Every ``interval`` seconds of the process's CPU time (``ITIMER_PROF``, so idle waiting is never
sampled) the main thread's stack is classified by its innermost frame that decides:

* ``client``: the HTTP client stack under ``llm.Extractor._post`` (openai, httpx2, httpcore2,
  aiohttp and what they use), including the event loop's callbacks into it (a response's bytes
  arriving);
* ``ours``: this project (``summarizer/``) and the libraries only it calls (instructor, and the
  stdlib it calls: json, sqlite3, zlib ...);
* ``loop``: nothing else on the stack but the event loop (polling, scheduling callbacks and
  tasks), shared by both.

Libraries both call (pydantic), the standard library and the benchmark's own frames do not
decide: the next frame out does.
"""

from __future__ import annotations

import signal
from collections import Counter
from types import FrameType

_CLIENT = (
    "openai",
    "httpx2",
    "httpcore2",
    "aiohttp",
    "yarl",
    "multidict",
    "aiohappyeyeballs",
    "propcache",
    "frozenlist",
    "aiosignal",
    "anyio",
    "h11",
    "sniffio",
)
_NEUTRAL = ("pydantic", "pydantic_core", "typing_extensions")


def _package(filename: str) -> str | None:
    """The top-level package of a site-packages file, "summarizer" for ours, None for stdlib."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/summarizer/" in filename:
        return "summarizer"
    return None


def classify(frame: FrameType | None) -> str:
    while frame is not None:
        package = _package(frame.f_code.co_filename)
        if package in _CLIENT:
            return "client"
        if package is not None and package not in _NEUTRAL:
            return "ours"
        frame = frame.f_back  # stdlib, pydantic, this benchmark: the caller decides
    return "loop"


class CpuSampler:
    def __init__(self, interval: float = 0.001):
        self.interval = interval
        self.counts: Counter[str] = Counter()

    def _sample(self, signum, frame) -> None:
        self.counts[classify(frame)] += 1

    def __enter__(self) -> CpuSampler:
        self._previous = signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        return self

    def __exit__(self, *exc) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self._previous)

    def shares(self) -> dict[str, float]:
        total = sum(self.counts.values()) or 1
        return {k: self.counts[k] / total for k in ("client", "ours", "loop")}
