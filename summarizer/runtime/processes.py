"""Worker processes, shared by the assembly workers and the request worker: forking one (with
every module already imported, ~10 ms) where this process runs no other thread, connecting its
pipes to the event loop, and ending and reaping it without waiting on the kernel."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import logging
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger("summarizer.runtime.processes")


class Worker:
    """One worker process: frames go out through ``send``, come back on ``answers``."""

    def __init__(
        self,
        answers: asyncio.StreamReader,
        send: Callable[[bytes], None],
        kill: Callable[[], None],
        wait: Callable[[], Awaitable[object]],
    ):
        self.answers, self.send, self.kill, self.wait = answers, send, kill, wait
        self.pending: deque[asyncio.Future] = deque()
        self.alive = True
        self.reader: asyncio.Task | None = None
        # Forked workers: the pid, and kill without waiting for it to exit (see connect_forked).
        self.pid: int | None = None
        self.release: Callable[[], None] | None = None

    async def end(self) -> None:
        """Kill it: a forked worker is reaped later (``reap_ended_workers``), a spawned one
        is waited for."""
        if self.release is not None:
            self.release()
        else:
            self.kill()
            await self.wait()


def fork_possible() -> bool:
    """Whether a worker may be forked from this process now (see the module docstring)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def fork_worker(serve: Callable[[int, int], None], niceness: int) -> tuple[int, int, int]:
    """Fork one worker now, which runs ``serve(jobs_fd, answers_fd)`` at ``niceness``: its pid,
    the fd its answers come on, the fd its jobs go to. (The request worker is forked this way
    too, see ``runtime/request_worker.py``.)"""
    reap_ended_workers()
    jobs_r, jobs_w = os.pipe()
    answers_r, answers_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        _forked_child(jobs_r, answers_w, serve, niceness)  # never returns
    os.close(jobs_r)
    os.close(answers_w)
    return pid, answers_r, jobs_w


def discard_forked(forked: tuple[int, int, int]) -> None:
    """End a forked worker that was never connected: EOF on its pipes, killed, reaped."""
    pid, answers_r, jobs_w = forked
    os.close(answers_r)
    os.close(jobs_w)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)  # killed: reaped at once


async def connect_forked(pid: int, answers_r: int, jobs_w: int) -> Worker:
    """The event loop's side of a forked worker."""
    loop = asyncio.get_running_loop()
    answers = asyncio.StreamReader()
    read_transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(answers), os.fdopen(answers_r, "rb", buffering=0)
    )
    write_transport, _ = await loop.connect_write_pipe(
        asyncio.Protocol, os.fdopen(jobs_w, "wb", buffering=0)
    )
    exited: list[int] = []

    def kill() -> None:
        if not exited:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    async def wait() -> int:
        if not exited:
            write_transport.close()
            read_transport.close()
            while not (reaped := os.waitpid(pid, os.WNOHANG))[0]:
                await asyncio.sleep(0.001)  # killed just before: gone within a few ms
            exited.append(reaped[1])
        return exited[0]

    def release() -> None:
        """Kill it and go on: the kernel takes ~5-10 ms to tear a forked worker down, which
        nobody needs to wait for. Reaped later by ``reap_ended_workers``."""
        if not exited:
            write_transport.close()
            read_transport.close()
            kill()
            exited.append(-signal.SIGKILL)
            _ended.add(pid)
            reap_ended_workers()  # this one, if already gone, and any earlier ones

    worker = Worker(answers, write_transport.write, kill, wait)
    worker.pid, worker.release = pid, release
    return worker


_ended: set[int] = set()  # forked workers released, not yet reaped


def reap_ended_workers(wait: bool = False) -> None:
    """Reap the released workers that have exited (all of them, waiting, with ``wait``). Each
    release and each fork sweeps, so a long-lived process keeps at most a few for a moment.
    The benchmarks wait, to count the workers' CPU in this process's children's."""
    for pid in list(_ended):
        try:
            done, _ = os.waitpid(pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:  # reaped by someone else
            done = pid
        if done:
            _ended.discard(pid)


def _forked_child(
    jobs: int, answers: int, serve: Callable[[int, int], None], niceness: int
) -> None:
    """The forked worker: drop what belongs to the parent, serve, and leave without running
    the parent's clean-up (its atexit handlers, buffers and finalizers are not ours)."""
    code = 1
    try:
        gc.freeze()  # the parent's objects are never collected (or finalized) here
        # Ctrl-C and SIGTERM reach the whole process group: they are the engine's to handle,
        # and the end of our pipe (the parent closing it, or dying) ends us.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with contextlib.suppress(ValueError):
            signal.set_wakeup_fd(-1)  # the parent's event loop's, if it set one
        # Our pipes above 0-2 (they can be there if the parent ran with stdin or stdout closed).
        jobs, answers = (
            fd if fd > 2 else fcntl.fcntl(fd, fcntl.F_DUPFD, 3) for fd in (jobs, answers)
        )
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)  # the parent's stdin and stdout (a JSONL stream, maybe) are not ours
        os.dup2(null, 1)
        # The parent's sockets, its event loop's epoll and the other workers' pipes: a copy held
        # here would keep connections open and confuse the parent's epoll after it closes them.
        for fd in _open_fds():
            if fd > 2 and fd not in (jobs, answers):
                with contextlib.suppress(OSError):
                    os.close(fd)
        if niceness:
            os.nice(niceness)
        serve(jobs, answers)
        code = 0
    except BrokenPipeError:  # the engine went away: so do we
        code = 0
    except BaseException as exc:
        log.warning("worker process stopped: %s: %s", type(exc).__name__, exc)
    finally:
        os._exit(code)


def _open_fds() -> list[int]:
    for listing in ("/proc/self/fd", "/dev/fd"):
        try:
            return [int(name) for name in os.listdir(listing)]
        except OSError:
            continue
    return list(range(3, 1024))
