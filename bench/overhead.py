"""Overhead: our own CPU per article, outside the openai client (target <= 2 ms).

The throughput batch again, with a server that answers at once (0 ms), so that only CPU is left.
Method (subtraction):

1. the batch as ``summarizer run --out`` runs it, after the command's start-up (imports, the
   normalisation tables): CPU time of this process (all its threads) plus that of the worker
   processes it starts (the request worker that sends the HTTP requests,
   ``summarizer/runtime/request_worker.py``, and assembly workers where cores are left for them);
2. a bare openai client baseline: the same client object our Extractor builds (same HTTP
   transport), sending the same request bodies (built beforehand, untimed) at the same
   concurrency, and doing nothing else;
3. ours = (1) - (2), per article. It includes everything that is not the openai client: reading
   and parsing the input, prompts, the retry and re-ask machinery, response parsing and
   validation, grounding and normalisation (``assemble.build_summary``), the ledger, the JSONL
   output, the engine's own bookkeeping, the hand-overs to and from the worker processes.

(1) and (2) are each noisy on a shared 2-core host (the baseline alone varies by a third from
one run to the next), so they are measured in rounds, a baseline then a batch, and the round
with the median difference is reported, with every round's figure.

Also printed: ``assemble.build_summary`` alone, per article (timed in-process, single thread),
to show how much of "ours" is grounding and normalisation; and a second count, by attribution:
the same batch run again under a sampling profiler (``bench/sampler.py``), which splits this
process's CPU by the code it was in, plus the assembly worker's CPU; the request worker's CPU
(the client, and our hand-over on its side) is shown apart. The subtraction charges to "ours"
whatever the client costs more in a busy process than alone (colder caches, fewer events per
loop iteration); the attribution charges the client with its own code wherever it runs.

    python bench/overhead.py                 # 1,000 articles, concurrency 64, 5 rounds
    python bench/overhead.py --n 3000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from dataclasses import dataclass

from common import BenchServer, bench_settings, cpu_seconds, prepare_process, workdir, write_corpus
from sampler import CpuSampler
from throughput import run_batch


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bare_client_cpu(url: str, corpus, concurrency: int) -> tuple[float, int]:
    """CPU of the openai client alone sending our request bodies (the bodies built untimed)."""
    import httpx2

    from summarizer.api import iter_inputs
    from summarizer.prompts import load_prompts
    from summarizer.providers import provider_for
    from summarizer.types.extraction import ExtractedSummary

    extractor = provider_for(bench_settings(url, concurrency))
    prompts = load_prompts()
    bodies = []
    for article in iter_inputs([str(corpus)]):
        _, request = extractor._prepare(ExtractedSummary, prompts.messages(article))
        bodies.append(extractor._body(ExtractedSummary, request))

    async def send_all() -> int:
        raw = extractor._connect()
        pending = iter(bodies)
        sent = 0

        async def worker() -> None:
            nonlocal sent
            for body in pending:
                await raw.post(
                    "/chat/completions",
                    cast_to=httpx2.Response,
                    content=body,
                    options={"headers": {"Content-Type": "application/json"}},
                )
                sent += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await extractor.aclose()
        return sent

    c0 = cpu_seconds()
    sent = asyncio.run(send_all())
    return cpu_seconds() - c0, sent


def assembly_ms(corpus, n: int) -> float:
    """build_summary per article on this corpus and the server's answer, single-threaded."""
    from fakeserver import answer_object

    from summarizer.api import iter_inputs
    from summarizer.pipeline.assemble import build_summary
    from summarizer.types.extraction import ExtractedSummary
    from summarizer.types.records import Usage

    extraction = ExtractedSummary.model_validate_json(json.dumps(answer_object()))
    articles = [a for _, a in zip(range(n), iter_inputs([str(corpus)]), strict=False)]
    build_summary(
        articles[0], extraction, model="m", endpoint="e", prompt_version="v", usage=Usage()
    )
    t0 = time.perf_counter()
    for article in articles:
        build_summary(
            article, extraction, model="m", endpoint="e", prompt_version="v", usage=Usage()
        )
    return (time.perf_counter() - t0) / len(articles) * 1000


@dataclass
class Round:
    """One baseline and one batch, run back to back (ms per article or request)."""

    wall: float
    here: float  # this process
    workers: float  # the worker processes, reaped
    relay: float  # the request worker, as it reported
    client: float  # the bare client baseline, per request
    ok: int
    failed: int
    requests: int
    relayed: int
    in_worker: int
    in_process: int

    @property
    def total(self) -> float:
        return self.here + self.workers

    @property
    def ours(self) -> float:
        return self.total - self.client


def measure_round(server: BenchServer, corpus, tmp, n: int, concurrency: int, tag: int) -> Round:
    from summarizer.runtime.processes import reap_ended_workers

    base_cpu, sent = bare_client_cpu(server.url, corpus, concurrency)
    server.reset()
    k0 = children_cpu()
    wall, cpu, ok, failed = run_batch(
        server.url, corpus, tmp / f"ledger-{tag}.sqlite3", tmp / f"out-{tag}.jsonl", concurrency
    )
    reap_ended_workers(wait=True)  # a batch does not wait for its workers' exit; we do
    workers_cpu = children_cpu() - k0
    stats = run_batch.last_stats  # type: ignore[attr-defined]
    requests = server.stats().get("requests", 0)
    server.reset()
    per = 1000 / n
    return Round(
        wall=wall,
        here=cpu * per,
        workers=workers_cpu * per,
        relay=stats.relay_cpu_s * per,
        client=base_cpu / sent * 1000,
        ok=ok,
        failed=failed,
        requests=requests,
        relayed=stats.relayed,
        in_worker=stats.assembled_in_worker,
        in_process=stats.assembled_here,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="baseline + batch pairs, run alternately; the median round is reported",
    )
    p.add_argument("--keep", help="keep corpus, ledger and results in this directory")
    a = p.parse_args()
    prepare_process()  # start-up (imports, TLS context, tables) is not part of the measurement
    from summarizer.runtime.heap import prepare_heap_for_batch
    from summarizer.runtime.processes import reap_ended_workers

    with workdir(a.keep) as tmp, BenchServer(0) as server:
        corpus = write_corpus(tmp / "corpus.jsonl", a.n)
        prepare_heap_for_batch()  # for the baseline too, as run_batch does for the batch
        rounds = []
        for tag in range(a.rounds):
            r = measure_round(server, corpus, tmp, a.n, a.concurrency, tag)
            rounds.append(r)
            print(
                f"round {tag + 1}: batch {r.total:.2f} ms/article in all, bare client "
                f"{r.client:.2f} ms/request: ours {r.ours:.2f} ms/article"
            )
        build = assembly_ms(corpus, min(a.n, 500))
        k0 = children_cpu()
        with CpuSampler() as sampler:  # the same batch again, profiled
            run_batch(
                server.url, corpus, tmp / "sampled.sqlite3", tmp / "sampled.jsonl", a.concurrency
            )
        reap_ended_workers(wait=True)
        sampled = run_batch.last_stats  # type: ignore[attr-defined]
        sampled_assembly = (children_cpu() - k0 - sampled.relay_cpu_s) / a.n * 1000
    r = sorted(rounds, key=lambda x: x.ours)[len(rounds) // 2]
    print(
        f"batch: {a.n} articles ({r.ok} ok, {r.failed} failed, {r.requests} requests) "
        f"in {r.wall:.2f}s | CPU {r.total:.2f} ms/article ({r.here:.2f} this process + "
        f"{r.workers - r.relay:.2f} assembly worker + {r.relay:.2f} request worker, {r.relayed} "
        f"requests sent by it) | records assembled: {r.in_worker} in the worker, {r.in_process} "
        f"in this process"
    )
    print(
        f"bare openai client (same transport, same bodies, C={a.concurrency}): "
        f"{r.client:.2f} ms/request"
    )
    spread = ", ".join(f"{x.ours:.2f}" for x in rounds)
    print(
        f"overhead: our own CPU {r.ours:.2f} ms/article outside the openai client (target <= 2 ms; "
        f"median of {len(rounds)} rounds: {spread}) = {build:.2f} ms grounding + normalisation "
        f"(assemble.build_summary, wherever it ran) + {r.ours - build:.2f} ms the rest: LLM "
        f"layer, engine, ledger, JSONL output, the worker processes' start-up and hand-overs"
    )
    share = sampler.shares()
    here = r.here  # (the sampled batch's own CPU is inflated by the sampling)
    print(
        f"attribution (the batch again, this process's CPU sampled every ms, "
        f"{sum(sampler.counts.values())} samples): of its {here:.2f} ms/article, "
        f"{share['client'] * here:.2f} in the HTTP client stack (openai, httpx2, aiohttp), "
        f"{share['ours'] * here:.2f} in ours, {share['loop'] * here:.2f} "
        f"in the event loop itself | ours by this count, with the assembly worker: "
        f"{share['ours'] * here + sampled_assembly:.2f} ms/article "
        f"(+ {share['loop'] * here:.2f} shared loop; the request worker apart: "
        f"{sampled.relay_cpu_s / a.n * 1000:.2f} ms/article, the client's and its side of the "
        f"hand-over)"
    )


if __name__ == "__main__":
    main()
