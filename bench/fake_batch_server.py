"""A loopback OpenAI-compatible Batch API server, for the tests and ``bench/batch_api.py``.

Endpoints: ``POST /v1/files`` (multipart upload, purpose ``batch``), ``GET /v1/files/{id}/content``,
``POST /v1/batches``, ``GET /v1/batches`` (newest first, ``limit``/``after``),
``GET /v1/batches/{id}``, ``POST /v1/batches/{id}/cancel``, and ``POST /v1/chat/completions``
for the online path (re-asks, fallback). Answers are the bench server's (``fakeserver.py``):
valid ``ExtractedSummary`` JSON for the synthetic corpus, as a tool call or as content.

A batch moves validating -> in_progress -> finalizing -> completed, one step per status check
(``steps``, deterministic: tests and their cassettes) or after ``delay_s`` seconds in all
(``delay_s`` > 0: the bench). What it does is drawn per batch and per line, reproducibly:

* ``expire``: the 1-based numbers of the batches that expire: half their lines answered, the
  rest in the error file with code ``batch_expired``;
* ``fail``: batches that fail validation as a whole (status ``failed``, no files);
* ``server_cancel``: batches that end ``cancelled`` (as after a cancel from elsewhere): half
  answered, the rest ``batch_cancelled``; ``POST .../cancel`` does the same to any batch;
* ``p_error``: the share of lines answered HTTP 500 in the error file (a line's first
  submission only: a resubmitted line is answered);
* ``p_invalid``: the share of lines whose answer breaks the schema (re-asked online);
* ``p_cut_off``: the share of lines whose answer stops at max_tokens (``finish_reason`` length);
* output lines are shuffled: they come in any order.

``create_hold_s``: the batch is made at once but its id sent only after this many seconds (the
window in which a client killed after submitting has not yet heard of its batch); only for the
creates numbered in ``hold_creates`` when given.

    python bench/fake_batch_server.py --delay-s 2 --p-error 0.02 --expire 2   # prints PORT <n>
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakeserver import answer_object, invalid_object

STEPS = ("validating", "in_progress", "finalizing", "completed")
CREATED_AT = 1_760_000_000  # fixed timestamps: recorded traffic is the same on every run


@dataclass
class Config:
    delay_s: float = 0.0  # 0: one status step per check
    expire: set[int] = field(default_factory=set)
    fail: set[int] = field(default_factory=set)
    server_cancel: set[int] = field(default_factory=set)
    p_error: float = 0.0
    p_invalid: float = 0.0
    p_cut_off: float = 0.0
    seed: int = 0
    create_hold_s: float = 0.0
    hold_creates: set[int] | None = None  # which creates (1-based) are held; None: every one


def _draw(seed: int, *parts: object) -> float:
    """A reproducible number in [0, 1) for these parts (no shared RNG: threads, any order)."""
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _completion(
    body: dict[str, Any], obj: dict[str, Any], tag: str, cut: bool = False
) -> dict[str, Any]:
    answer = json.dumps(obj)
    if cut:  # stopped at max_tokens: half the JSON
        answer = answer[: len(answer) // 2]
    if body.get("tools"):
        name = body["tools"][0]["function"]["name"]
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_{tag}",
                    "type": "function",
                    "function": {"name": name, "arguments": answer},
                }
            ],
        }
        finish = "tool_calls"
    else:
        message, finish = {"role": "assistant", "content": answer}, "stop"
    if cut:
        finish = "length"
    prompt = len(json.dumps(body["messages"])) // 4
    completion = len(answer) // 4
    return {
        "id": f"chatcmpl-{tag}",
        "object": "chat.completion",
        "created": CREATED_AT,
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def _summary_object(body: dict[str, Any]) -> dict[str, Any]:
    """A long document's summary request gets a summary; everything else the bench answer."""
    name = ""
    if body.get("tools"):
        name = body["tools"][0]["function"]["name"]
    elif body.get("response_format"):
        name = (body["response_format"].get("json_schema") or {}).get("name", "")
    if "DocumentSummary" in name:
        return {"summary": "Several incidents across the region.", "key_points": []}
    return answer_object()


class State:
    """Everything the server holds; every counter the tests and the bench read."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.lock = threading.Lock()
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.holds: dict[str, set[str]] = {}  # batch id -> its custom_ids
        self.chat_bodies: list[dict[str, Any]] = []  # online requests, as sent
        self.order: list[str] = []  # batch ids, oldest first
        self.started: dict[str, float] = {}
        self.step: dict[str, int] = {}
        self.submitted: Counter[str] = Counter()  # custom_id -> lines of it in created batches
        self.online = 0  # chat completions answered on the online endpoint
        self.stats: Counter[str] = Counter()
        self.created_hook: threading.Event = threading.Event()  # set at each batch made

    def new_id(self, prefix: str) -> str:
        self.stats[prefix] += 1
        return f"{prefix}-{self.stats[prefix]:04d}"

    # -- files ---------------------------------------------------------------------------------

    def upload(self, name: str, content: bytes, purpose: str) -> dict[str, Any]:
        with self.lock:
            file_id = self.new_id("file")
            self.files[file_id] = content
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": CREATED_AT,
            "filename": name,
            "purpose": purpose,
            "status": "processed",
        }

    # -- batches -------------------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> dict[str, Any] | None:
        file_id = body.get("input_file_id")
        with self.lock:
            if file_id not in self.files:
                return None
            batch_id = self.new_id("batch")
            lines = [json.loads(x) for x in self.files[file_id].splitlines() if x.strip()]
            pending = {
                key
                for b, keys in self.holds.items()
                if self.batches[b]["status"] not in ("completed", "failed", "expired", "cancelled")
                for key in keys
            }
            for line in lines:
                self.submitted[line["custom_id"]] += 1
                # Paid twice: a line sent again while a batch holding it may still answer it.
                self.stats["submitted_while_pending"] += line["custom_id"] in pending
            batch = {
                "id": batch_id,
                "object": "batch",
                "endpoint": body.get("endpoint"),
                "errors": None,
                "input_file_id": file_id,
                "completion_window": body.get("completion_window", "24h"),
                "status": "validating",
                "output_file_id": None,
                "error_file_id": None,
                "created_at": CREATED_AT + len(self.order),
                "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
                "metadata": body.get("metadata") or {},
            }
            self.batches[batch_id] = batch
            self.holds[batch_id] = {line["custom_id"] for line in lines}
            self.order.append(batch_id)
            self.started[batch_id] = time.monotonic()
            self.step[batch_id] = 0
        self.created_hook.set()
        return dict(batch)

    def retrieve(self, batch_id: str) -> dict[str, Any] | None:
        with self.lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return None
            self._advance(batch)
            return json.loads(json.dumps(batch))

    def cancel(self, batch_id: str) -> dict[str, Any] | None:
        with self.lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return None
            if batch["status"] in ("validating", "in_progress", "finalizing"):
                batch["status"] = "cancelling"
            return dict(batch)

    def listing(self, limit: int, after: str | None) -> dict[str, Any]:
        with self.lock:
            newest = list(reversed(self.order))
            if after in newest:
                newest = newest[newest.index(after) + 1 :]
            page = [dict(self.batches[b]) for b in newest[:limit]]
        return {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": len(newest) > limit,
        }

    def _advance(self, batch: dict[str, Any]) -> None:
        status = batch["status"]
        if status == "cancelling":
            self._finish(batch, "cancelled")
            return
        if status not in STEPS[:-1]:
            return
        number = self.order.index(batch["id"]) + 1
        if self.cfg.delay_s > 0:
            share = (time.monotonic() - self.started[batch["id"]]) / self.cfg.delay_s
            step = min(len(STEPS) - 1, int(share * (len(STEPS) - 1)))
        else:
            step = self.step[batch["id"]] = self.step[batch["id"]] + 1
        if number in self.cfg.fail and step >= 1:
            batch["status"] = "failed"
            batch["errors"] = {
                "object": "list",
                "data": [{"code": "invalid_request", "message": "refused (fake)", "line": None}],
            }
            return
        if step < len(STEPS) - 1:
            batch["status"] = STEPS[step]
            return
        if number in self.cfg.expire:
            self._finish(batch, "expired")
        elif number in self.cfg.server_cancel:
            self._finish(batch, "cancelled")
        else:
            self._finish(batch, "completed")

    def _finish(self, batch: dict[str, Any], status: str) -> None:
        """Write the batch's output and error files and end it with ``status``."""
        lines = [json.loads(x) for x in self.files[batch["input_file_id"]].splitlines() if x]
        cut = {"expired": "batch_expired", "cancelled": "batch_cancelled"}.get(status)
        seed = self.cfg.seed
        out, errors = [], []
        for n, line in enumerate(lines):
            custom_id, body = line["custom_id"], line["body"]
            tag = f"{batch['id']}-{n}"
            result: dict[str, Any] = {"id": f"batch_req_{tag}", "custom_id": custom_id}
            if cut and n >= len(lines) // 2:
                message = f"This request could not be executed before the batch was {status}."
                errors.append(
                    {**result, "response": None, "error": {"code": cut, "message": message}}
                )
                continue
            first = self.submitted[custom_id] == 1
            if first and _draw(seed, "error", custom_id) < self.cfg.p_error:
                error = {"error": {"message": "boom (fake)", "type": "server_error", "code": None}}
                response = {"status_code": 500, "request_id": f"req_{tag}", "body": error}
                errors.append({**result, "response": response, "error": None})
                continue
            if _draw(seed, "invalid", custom_id) < self.cfg.p_invalid:
                obj = invalid_object()
            else:
                obj = _summary_object(body)
            short = _draw(seed, "cut", custom_id) < self.cfg.p_cut_off
            response = {
                "status_code": 200,
                "request_id": f"req_{tag}",
                "body": _completion(body, obj, tag, short),
            }
            out.append({**result, "response": response, "error": None})
        random.Random(f"{seed}-{batch['id']}").shuffle(out)  # output lines come in any order
        for kind, rows in (("output_file_id", out), ("error_file_id", errors)):
            if rows:
                file_id = self.new_id("file")
                self.files[file_id] = "".join(json.dumps(r) + "\n" for r in rows).encode()
                batch[kind] = file_id
        batch["status"] = status
        batch["request_counts"] = {
            "total": len(lines),
            "completed": len(out),
            "failed": len(errors),
        }

    # -- online --------------------------------------------------------------------------------

    def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.online += 1
            self.chat_bodies.append(body)
            tag = f"online-{self.online}"
        return _completion(body, _summary_object(body), tag)

    def report(self) -> dict[str, Any]:
        with self.lock:
            counts = Counter(self.submitted.values())
            return {
                "batches": len(self.order),
                "statuses": dict(Counter(b["status"] for b in self.batches.values())),
                "lines_submitted": sum(self.submitted.values()),
                "distinct_lines": len(self.submitted),
                "lines_submitted_more_than_once": sum(1 for n in self.submitted.values() if n > 1),
                "submitted_while_pending": self.stats["submitted_while_pending"],
                "submission_counts": {str(k): v for k, v in sorted(counts.items())},
                "online_requests": self.online,
            }


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """name -> (filename, value) of a multipart/form-data body."""
    boundary = content_type.split("boundary=", 1)[1].strip().strip('"').encode()
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(b"--" + boundary):
        part = part.strip(b"\r\n")
        if not part or part == b"--":
            continue
        head, _, value = part.partition(b"\r\n\r\n")
        disposition = next(
            (h for h in head.split(b"\r\n") if h.lower().startswith(b"content-disposition")), b""
        ).decode()
        params = dict(p.strip().split("=", 1) for p in disposition.split(";")[1:] if "=" in p)
        name = params.get("name", "").strip('"')
        filename = params.get("filename")
        fields[name] = (filename.strip('"') if filename else None, value)
    return fields


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # (HTTP/1.0, the default: one request per connection, so closing the server leaves no
    # thread waiting on a kept-alive connection)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Any, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header(
            "Content-Type", "application/json" if raw is None else "application/octet-stream"
        )
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _missing(self, what: str) -> None:
        error = {"message": f"No such {what}", "type": "invalid_request_error", "code": None}
        self._send(404, {"error": error})

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p][1:]  # after "v1"
        if parts == ["stats"]:
            self._send(200, state.report())
        elif parts == ["batches"]:
            query = parse_qs(url.query)
            limit = int(query.get("limit", ["20"])[0])
            self._send(200, state.listing(limit, query.get("after", [None])[0]))
        elif len(parts) == 2 and parts[0] == "batches":
            batch = state.retrieve(parts[1])
            self._send(200, batch) if batch else self._missing("batch")
        elif len(parts) == 3 and parts[0] == "files" and parts[2] == "content":
            content = state.files.get(parts[1])
            self._send(200, None, content) if content is not None else self._missing("file")
        else:
            self._missing("route")

    def do_POST(self) -> None:
        state = self.server.state
        parts = [p for p in urlsplit(self.path).path.split("/") if p][1:]
        body = self._body()
        if parts == ["files"]:
            fields = _multipart(self.headers.get("Content-Type", ""), body)
            name, content = fields.get("file", (None, b""))
            purpose = fields.get("purpose", (None, b""))[1].decode()
            self._send(200, state.upload(name or "upload.jsonl", content, purpose))
        elif parts == ["batches"]:
            batch = state.create(json.loads(body))
            if batch is None:
                self._missing("input file")
                return
            held = state.cfg.hold_creates
            if state.cfg.create_hold_s and (held is None or state.stats["batch"] in held):
                time.sleep(state.cfg.create_hold_s)  # made, but its id not yet told
            self._send(200, batch)
        elif len(parts) == 3 and parts[0] == "batches" and parts[2] == "cancel":
            batch = state.cancel(parts[1])
            self._send(200, batch) if batch else self._missing("batch")
        elif parts == ["chat", "completions"]:
            self._send(200, state.chat(json.loads(body)))
        else:
            self._missing("route")


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handlers: no thread outlives a test

    def __init__(self, cfg: Config, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = State(cfg)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed while its answer was held (the bench does it on purpose): not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeBatchServer:
    """The server on a loopback port, in a thread of this process."""

    def __init__(self, cfg: Config | None = None, port: int = 0) -> None:
        self._server = _Server(cfg or Config(), port)
        self.state = self._server.state
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def serve(self) -> None:
        """Serve on this thread until interrupted (the script's way)."""
        self._server.serve_forever()

    def start(self) -> FakeBatchServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeBatchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--delay-s", type=float, default=0.0)
    p.add_argument("--expire", type=int, action="append", default=[])
    p.add_argument("--fail", type=int, action="append", default=[])
    p.add_argument("--cancel", type=int, action="append", default=[])
    p.add_argument("--p-error", type=float, default=0.0)
    p.add_argument("--p-invalid", type=float, default=0.0)
    p.add_argument("--create-hold-s", type=float, default=0.0)
    p.add_argument("--hold-create", type=int, action="append", help="only these creates")
    a = p.parse_args(argv)
    cfg = Config(
        delay_s=a.delay_s,
        expire=set(a.expire),
        fail=set(a.fail),
        server_cancel=set(a.cancel),
        p_error=a.p_error,
        p_invalid=a.p_invalid,
        create_hold_s=a.create_hold_s,
        hold_creates=set(a.hold_create) if a.hold_create else None,
    )
    server = FakeBatchServer(cfg, a.port)
    print(f"PORT {server.base_url.rsplit(':', 1)[1].split('/')[0]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve()


if __name__ == "__main__":
    main()
