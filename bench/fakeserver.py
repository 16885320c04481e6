"""A fast loopback OpenAI-compatible chat-completions server for the benchmarks.

Stdlib asyncio only (one process, one event loop, precomputed answers), so that it costs far
less CPU per request than the client it measures. It answers every ``POST .../chat/completions``
with a valid ``ExtractedSummary`` for the synthetic corpus (``bench/corpus.py``) in the shape the
request asks for: a tool call when the body has ``tools`` (instructor TOOLS mode), else the JSON
as message content (JSON_SCHEMA mode).

Latency and faults are configurable. Faults are drawn per request from a seeded RNG:

* ``--p429``: HTTP 429 with ``Retry-After`` (whole seconds) and ``retry-after-ms`` (as OpenAI
  sends both);
* ``--p500``: HTTP 500;
* ``--ptimeout``: no answer at all (the client's timeout fires);
* ``--pmalformed``: a 200 whose JSON is cut in half;
* ``--pinvalid``: a 200 whose JSON fails the schema, on the first answer for an article only
  (re-asks, recognised by their extra messages, always get a valid answer).

``GET /stats`` returns the counters (requests, outcomes, and how many articles got a valid
answer once / more than once: an article is recognised by "dispatch <n>" in the prompt);
``POST /reset`` clears them.

    python bench/fakeserver.py --latency-ms 200          # prints "PORT <n>" and serves
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass

# Sentences every synthetic article contains (see corpus.py): the answers quote them, so
# grounding finds each quote verbatim, as it would for a faithful model.
QUOTE_A = "Government forces shelled the village of Kafr Nabl on Saturday, killing four civilians."
QUOTE_B = (
    "Opposition fighters attacked an army checkpoint near Maarat al-Numan, local activists said."
)


def answer_object() -> dict:
    event = {
        "sub_event_type": "Shelling/artillery/missile attack",
        "plover_type": "ASSAULT",
        "actor1": "Government forces",
        "actor1_type": "State forces",
        "actor2": "civilians",
        "actor2_type": "Civilians",
        "location": "Kafr Nabl",
        "date_phrase": "on Saturday",
        "fatalities_phrase": "killing four civilians",
        "fatalities": 4,
        "evidence": [QUOTE_A],
    }
    clash = {
        "sub_event_type": "Armed clash",
        "plover_type": "ASSAULT",
        "actor1": "Opposition fighters",
        "actor1_type": "Rebel group",
        "actor2": "army",
        "actor2_type": "State forces",
        "location": "Maarat al-Numan",
        "date_phrase": None,
        "fatalities_phrase": None,
        "fatalities": None,
        "evidence": [QUOTE_B],
    }
    return {
        "summary": "Government forces shelled Kafr Nabl, killing four civilians, and opposition "
        "fighters attacked an army checkpoint near Maarat al-Numan.",
        "key_points": ["Four civilians killed in Kafr Nabl", "Checkpoint attacked"],
        "sources_cited": ["local activists"],
        "events": [event, clash],
    }


def invalid_object() -> dict:
    bad = answer_object()
    bad["events"][0] = {**bad["events"][0], "sub_event_type": "Battles", "evidence": []}
    return bad


def _completion_template(answer: str, tools: bool) -> str:
    """A chat.completion with ``%d`` slots for the usage, as a str.% template."""
    if tools:
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_bench",
                    "type": "function",
                    "function": {"name": "ExtractedSummary", "arguments": answer},
                }
            ],
        }
        finish = "tool_calls"
    else:
        message = {"role": "assistant", "content": answer}
        finish = "stop"
    body = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "bench",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": 111111, "completion_tokens": 222222, "total_tokens": 333333},
    }
    text = json.dumps(body).replace("%", "%%")
    return text.replace("111111", "%d").replace("222222", "%d").replace("333333", "%d")


def _response(status: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode("latin-1") + body


_DISPATCH = re.compile(rb"dispatch (\d+)")


@dataclass
class Config:
    latency: float = 0.0
    p429: float = 0.0
    p500: float = 0.0
    ptimeout: float = 0.0
    pmalformed: float = 0.0
    pinvalid: float = 0.0
    retry_after_ms: int = 250
    seed: int = 0
    planted: bool = False  # answer the planted events each request shows (bench/long_document)


class Answers:
    def __init__(self, cfg: Config) -> None:
        good = json.dumps(answer_object())
        bad = json.dumps(invalid_object())
        cut = good[: len(good) // 2]
        self.templates = {
            (kind, tools): _completion_template(text, tools)
            for kind, text in (("ok", good), ("invalid", bad), ("malformed", cut))
            for tools in (True, False)
        }
        self.completion_tokens = {
            "ok": len(good) // 4,
            "invalid": len(bad) // 4,
            "malformed": len(cut) // 4,
        }

        def error(msg: str, kind: str) -> bytes:
            return json.dumps(
                {"error": {"message": msg, "type": kind, "param": None, "code": None}}
            ).encode()

        seconds = max(1, -(-cfg.retry_after_ms // 1000))
        self.r429 = _response(
            "429 Too Many Requests",
            error("Rate limit reached (bench). Please try again.", "requests"),
            f"Retry-After: {seconds}\r\nretry-after-ms: {cfg.retry_after_ms}\r\n",
        )
        self.r500 = _response("500 Internal Server Error", error("boom (bench)", "server_error"))
        self.r404 = _response("404 Not Found", error("no such route", "invalid_request_error"))

    def ok(self, kind: str, tools: bool, body: bytes) -> bytes:
        prompt = len(body) // 4
        completion = self.completion_tokens[kind]
        text = self.templates[(kind, tools)] % (prompt, completion, prompt + completion)
        return _response("200 OK", text.encode())


# A planted event sentence (bench/long_document.py): "In incident IR-0042, <actor> <did> in
# <town>, killing <n> people." The answer quotes it and copies its fields, as a faithful model.
PLANTED = re.compile(
    r"In incident IR-(\d{4}), ([^,]+?) (shelled|struck|attacked) ([^,]+), killing (\d+) people\."
)


def planted_answer(body: bytes) -> bytes:
    """The events whose sentences this request shows (at most 8, as the schema allows), or a
    document summary when the request asks for one."""
    request = json.loads(body)
    users = [m["content"] for m in request["messages"] if m.get("role") == "user"]
    shown = users[0] if users else ""
    tools = "tools" in request
    schema_name = (
        request["tools"][0]["function"]["name"]
        if tools
        else ((request.get("response_format") or {}).get("json_schema") or {}).get("name", "")
    )
    if "DocumentSummary" in schema_name:
        obj: dict = {
            "summary": "A report of many incidents across the north-west.",
            "key_points": [],
        }
    else:
        sub_event = {"shelled": "Shelling/artillery/missile attack", "struck": "Air/drone strike"}
        events = [
            {
                "sub_event_type": sub_event.get(m[3], "Armed clash"),
                "plover_type": "ASSAULT",
                "actor1": m[2],
                "actor1_type": "State forces",
                "actor2": "civilians",
                "actor2_type": "Civilians",
                "location": m[4],
                "date_phrase": None,
                "fatalities_phrase": f"killing {m[5]} people",
                "fatalities": int(m[5]),
                "evidence": [m[0]],
            }
            for m in PLANTED.finditer(shown)
        ][:8]
        obj = {
            "summary": f"{len(events)} incidents in this part.",
            "key_points": [],
            "sources_cited": [],
            "events": events,
        }
    text = _completion_template(json.dumps(obj), tools)
    prompt, completion = len(body) // 4, 50 + 120 * len(obj.get("events", []))
    return _response("200 OK", (text % (prompt, completion, prompt + completion)).encode())


class Server:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.answers = Answers(cfg)
        self.rng = random.Random(cfg.seed)
        self.stats: Counter[str] = Counter()
        self.valid_answers: Counter[bytes] = Counter()  # article -> valid answers sent

    def report(self) -> dict:
        counts = Counter(self.valid_answers.values())
        return {
            **self.stats,
            "articles_answered": len(self.valid_answers),
            "articles_answered_more_than_once": sum(n for k, n in counts.items() if k > 1),
        }

    def decide(self, body: bytes) -> str:
        cfg, r = self.cfg, self.rng.random()
        for name, p in (
            ("429", cfg.p429),
            ("500", cfg.p500),
            ("timeout", cfg.ptimeout),
            ("malformed", cfg.pmalformed),
        ):
            if r < p:
                return name
            r -= p
        # A re-ask carries the bad answer back: more than the system + user messages.
        reask = body.count(b'"role"') > 2
        if not reask and self.rng.random() < cfg.pinvalid:
            return "invalid"
        return "ok"

    def handle(self, method: bytes, path: bytes, body: bytes) -> bytes | None:
        if method == b"GET" and path.endswith(b"/stats"):
            return _response("200 OK", json.dumps(self.report()).encode())
        if method == b"POST" and path.endswith(b"/reset"):
            self.stats.clear()
            self.valid_answers.clear()
            return _response("200 OK", b"{}")
        if method != b"POST" or not path.endswith(b"/chat/completions"):
            return self.answers.r404
        self.stats["requests"] += 1
        outcome = self.decide(body)
        self.stats[outcome] += 1
        if outcome == "429":
            return self.answers.r429
        if outcome == "500":
            return self.answers.r500
        if outcome == "timeout":
            return None
        if self.cfg.planted and outcome == "ok":
            return planted_answer(body)
        if outcome == "ok":
            found = _DISPATCH.search(body)
            if found:
                self.valid_answers[found.group(1)] += 1
        return self.answers.ok(outcome, b'"tools"' in body, body)


class _Connection(asyncio.Protocol):
    def __init__(self, server: Server) -> None:
        self.server = server
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buf) < end + 4 + length:
                return
            body = bytes(self.buf[end + 4 : end + 4 + length])
            del self.buf[: end + 4 + length]
            method, path, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
            payload = self.server.handle(method, path, body)
            if payload is None:
                continue  # a "timeout": never answer this request
            delay = self.server.cfg.latency if path.endswith(b"/completions") else 0
            if delay > 0:
                self.loop.call_later(delay, self._write, payload)
            else:
                self._write(payload)

    def _write(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(payload)


async def serve(cfg: Config, host: str = "127.0.0.1", port: int = 0, ready=None) -> None:
    server = Server(cfg)
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: _Connection(server), host, port, backlog=1024)
    bound = srv.sockets[0].getsockname()[1]
    if ready is not None:
        ready(bound)
    async with srv:
        await srv.serve_forever()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--latency-ms", type=float, default=0.0)
    for name in ("p429", "p500", "ptimeout", "pmalformed", "pinvalid"):
        p.add_argument(f"--{name}", type=float, default=0.0)
    p.add_argument("--retry-after-ms", type=int, default=250)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--planted", type=int, default=0, help="1: answer the planted events shown")
    a = p.parse_args(argv)
    cfg = Config(
        latency=a.latency_ms / 1000,
        p429=a.p429,
        p500=a.p500,
        ptimeout=a.ptimeout,
        pmalformed=a.pmalformed,
        pinvalid=a.pinvalid,
        retry_after_ms=a.retry_after_ms,
        seed=a.seed,
        planted=bool(a.planted),
    )

    def ready(port: int) -> None:
        print(f"PORT {port}", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(cfg, port=a.port, ready=ready))


if __name__ == "__main__":
    sys.exit(main())
