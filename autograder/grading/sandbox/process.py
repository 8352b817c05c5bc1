"""Grader side of the sandbox: the fork server, and the grader's end of one student
process (:class:`StudentProcess`), which sends the requests of ``protocol`` and turns
replies into values, proxies (``proxy``) or the student's exceptions.

Student time is charged to an explicit :class:`TimeBudget`: each request's deadline is
what is left of the budget it runs under (``StudentProcess.charged_to``); the grader's
own computing between requests is not counted; a budget also bounds the bytes its
replies may bring (RECEIVE_LIMIT). A student process that runs past its budget, dies or
breaks the protocol raises SandboxLost, a BaseException no check can swallow.

Whatever a reply holds, the values taken from it are decoded by code that raises nothing
but ProtocolError (the process is lost) or StudentError (the call failed). How a process
ended (its exit code or signal: a function of what it computed, hidden inputs included)
is for the course staff only (``SandboxLost.staff``); students read ``detail``.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.grading.sandbox.isolation import IsolationRecord, Plan, remove_folder
from autograder.grading.sandbox.protocol import (MESSAGE_CHARS, REPLY_HEADER_LIMIT, Channel,
                                                 ChannelClosed, ChannelTimeout, Op,
                                                 ProtocolError, Reply)
from autograder.grading.sandbox.proxy import (StudentError, Unreadable, decode_reply,
                                              encode_request, function_proxy, generator_proxy,
                                              student_exception, write_back)

SANDBOX_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
STARTUP_SECONDS = 300
SPARES = 2  # student processes a grading run keeps started ahead (Spares): one per thread
RECEIVE_LIMIT = 128 << 20  # bytes of replies one TimeBudget may bring into the grader (the
# grader, torch and the student share 768 MB on Gradescope; a benchmark state is at most 40 MB)
MAX_NOTEBOOK_ERRORS = 100  # errors of cells kept from one run of the notebook
OUTPUT_CHARS = 64 << 10    # the tail of the student's output kept for the staff
UNREADABLE = "it sent a message the grader cannot read"
SETUP_FAILED = "the sandbox could not be set up (the grader's fault: graded again next run)"


class SandboxLost(BaseException):
    """The student process is gone: ``kind`` is "timeout", "died" or "setup". ``detail``:
    what the student may read (fixed texts, never how the process ended); ``staff``: how
    it ended (exit code, signal, the setup error), for the course staff only."""

    def __init__(self, kind: str, target: str, detail: str = "", staff: str = ""):
        super().__init__(f"{kind} in {target}: {staff or detail}")
        self.kind, self.target, self.detail, self.staff = kind, target, detail, staff


class GraderError(RuntimeError):
    """The grading machinery itself failed (not the student's doing)."""


@dataclass
class TimeBudget:
    """Seconds of student time (cells run, calls answered) a stretch of grading may use."""

    seconds: float
    spent: float = 0.0
    received: int = 0  # bytes of replies received under it (at most RECEIVE_LIMIT)

    @property
    def left(self) -> float:
        return self.seconds - self.spent

    def deadline(self, now: float) -> float:
        """time.monotonic() by which the next reply must be in."""
        return now + self.left


# ----------------------------------------------------------------------------- fork server
class ForkServer:
    """The sandbox fork server process (``python -m autograder.grading.sandbox.server``).
    ``spares``: student processes kept started ahead of need (``Spares``)."""

    def __init__(self, spares: int = 0):
        self.control, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        root = str(Path(__file__).resolve().parents[3])
        paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env = {**os.environ, **SANDBOX_ENV, "PYTHONPATH": os.pathsep.join(paths)}
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.grading.sandbox.server", str(child.fileno())],
            pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.log, env=env, start_new_session=True, cwd="/")
        child.close()
        self.spawned = 0
        self.ready = False
        self.workdirs: set[str] = set()  # sandbox folders on disk, removed by close()
        self._lock = threading.Lock()
        self.spares = Spares(self, spares)

    def _wait_ready(self) -> None:
        """The server imports numpy and torch first: wait for it (once)."""
        self.control.settimeout(STARTUP_SECONDS)
        try:
            ready = self.control.recv(1024)
        except OSError:
            ready = b""
        if not ready:
            raise GraderError(f"the sandbox server did not start:\n{self._log_tail()}")
        self.control.settimeout(None)
        self.ready = True

    def _log_tail(self) -> str:
        if self.closed:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def spawn(self, plan: Plan) -> "StudentProcess":
        """A confined student process that has served no one (``plan``: isolation.make_plan):
        a spare started ahead for this plan when one is ready, else a new one."""
        return self.spares.take(plan) or self.start(plan)

    def start(self, plan: Plan) -> "StudentProcess":
        """A new confined student process, started now."""
        ours, theirs = socket.socketpair()
        status_read, status_write = os.pipe()
        try:
            with self._lock:
                if not self.ready:
                    self._wait_ready()
                self.spawned += 1
                if plan.get("uid") is not None:  # a uid of its own for every live sandbox
                    plan = {**plan, "uid": plan["uid"] + self.spawned % 4096}
                socket.send_fds(self.control, [json.dumps({"plan": plan}).encode()],
                                [theirs.fileno(), status_write])
                message, fds, _, _ = socket.recv_fds(self.control, 4096, 1)
            if not message:
                raise OSError("no reply")
            reply = json.loads(message)
            pid = reply["pid"]
            if reply.get("workdir"):
                self.workdirs.add(reply["workdir"])
        except (OSError, ValueError, KeyError) as e:
            ours.close()
            os.close(status_read)
            raise GraderError(f"the sandbox server stopped ({e}):\n{self._log_tail()}") from None
        except BaseException:
            ours.close()
            os.close(status_read)
            raise
        finally:
            theirs.close()
            os.close(status_write)
        return StudentProcess(Channel(ours, header_limit=REPLY_HEADER_LIMIT), pid,
                              fds[0] if fds else None, status_read)

    @property
    def closed(self) -> bool:
        return self.log.closed

    def close(self) -> None:
        if self.closed:
            return
        self.spares.close()
        self.control.close()
        if not self.ready:  # still importing: nothing of value to wait for
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        for folder in self.workdirs:  # the server removes them; this, if it could not
            remove_folder(folder)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Spares:
    """Student processes started ahead of need, ``count`` at most, for the plan last asked
    for: a thread of their own starts them while submissions are graded, so that a
    submission's sandbox is set up (confined, limited) before it is needed. A spare has run
    no one's code; one that ended before it was taken (killed, out of memory) is closed,
    never handed out; a new plan closes the spares of the old one."""

    def __init__(self, server: ForkServer, count: int):
        self.server, self.count = server, count
        self.ready: list[StudentProcess] = []
        self.plan: Plan | None = None
        self.key = ""            # the plan as JSON
        self.stopped = False
        self.changed = threading.Condition()
        self.thread: threading.Thread | None = None

    def take(self, plan: Plan) -> "StudentProcess | None":
        """A live spare for ``plan`` (None when none is ready); starting the next begins."""
        if self.count <= 0:
            return None
        key, stale, taken = json.dumps(plan, sort_keys=True), [], None
        with self.changed:
            if key != self.key:
                stale, self.ready, self.plan, self.key = self.ready, [], plan, key
            while self.ready and taken is None:
                spare = self.ready.pop(0)
                if spare.ended():
                    stale.append(spare)
                else:
                    taken = spare
            if self.thread is None and not self.stopped:
                self.thread = threading.Thread(target=self._refill, name="advopt-spares",
                                               daemon=True)
                self.thread.start()
            self.changed.notify()
        for spare in stale:
            spare.close()
        return taken

    def _refill(self) -> None:
        while True:
            with self.changed:
                while not self.stopped and len(self.ready) >= self.count:
                    self.changed.wait()
                if self.stopped:
                    return
                plan, key = self.plan, self.key
            try:
                spare = self.server.start(plan)
            except BaseException:  # the server is gone: spawn() says so when asked
                with self.changed:
                    self.stopped = True
                return
            with self.changed:
                kept = key == self.key and not self.stopped
                if kept:
                    self.ready.append(spare)
            if not kept:
                spare.close()

    def close(self) -> None:
        with self.changed:
            self.stopped = True
            stale, self.ready = self.ready, []
            self.changed.notify_all()
        for spare in stale:
            spare.close()


# ----------------------------------------------------------------------------- one process
class StudentProcess:
    """The grader's end of one student process: requests, replies, its end."""

    def __init__(self, channel: Channel, pid: int, pidfd: int | None, status_fd: int):
        self.channel, self.pid, self.pidfd, self.status_fd = channel, pid, pidfd, status_fd
        self.budget: TimeBudget | None = None  # set by charged_to
        self.cell: int | None = None
        self.lost: SandboxLost | None = None
        self.isolation: IsolationRecord | None = None  # sent before any student code ran
        self.out_of_memory: str | None = None  # the last function that raised MemoryError

    @contextlib.contextmanager
    def charged_to(self, budget: TimeBudget):
        """Requests made inside the block spend ``budget``'s seconds (a request outside
        every such block is the grader's mistake: GraderError)."""
        outer, self.budget = self.budget, budget
        try:
            yield budget
        finally:
            self.budget = outer

    # -- lifecycle
    def kill(self) -> None:
        if self.pidfd is not None:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except (OSError, AttributeError):
                pass
        else:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass

    def close(self) -> None:
        """End the student process (politely if it still answers) and free resources."""
        if self.lost is None:
            try:
                self.channel.send({"op": Op.CLOSE}, deadline=time.monotonic() + 1)
            except Exception:
                pass
        self.kill()
        self.channel.sock.close()
        for fd in (self.pidfd, self.status_fd):
            if fd is not None:
                os.close(fd)
        self.pidfd = self.status_fd = None

    def ended(self) -> bool:
        """Whether the process has ended (its session parent gone or its end reported)."""
        fds = [fd for fd in (self.pidfd, self.status_fd) if fd is not None]
        return bool(fds) and bool(select.select(fds, [], [], 0)[0])

    def exit_status(self, wait: float = 2.0) -> str:
        """How the student process ended, from its session parent's report (staff only)."""
        if self.status_fd is None:
            return "unknown"
        ready, _, _ = select.select([self.status_fd], [], [], wait)
        data = os.read(self.status_fd, 65536) if ready else b""
        try:
            report = json.loads(data) if data else {}
        except ValueError:
            report = {}
        if type(report) is not dict:
            report = {}
        if "setup_error" in report:
            return f"sandbox setup failed: {str(report['setup_error'])[:2000]}"
        code = report.get("exit")
        if type(code) is not int:
            return "stopped by the grader"
        if code >= 0:
            return f"exited with code {code}"
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        hint = {"SIGKILL": " (memory, process or CPU limit?)", "SIGXCPU": " (CPU time limit)",
                "SIGSEGV": " (crashed)"}.get(name, "")
        return f"killed by {name}{hint}"

    def _lose(self, kind: str, target: str, detail: str = "", why: str = ""):
        """Give the process up: SandboxLost (``why``: the grader's reason, staff only)."""
        if kind == "timeout" or detail:
            self.kill()
        staff = self.exit_status(wait=0.2 if kind == "timeout" or detail else 2.0)
        self.kill()
        if staff.startswith("sandbox setup failed"):
            kind, detail = "setup", SETUP_FAILED
        self.lost = SandboxLost(kind, target, detail, "; ".join(filter(None, (why, staff))))
        raise self.lost

    # -- requests
    def _request(self, header: dict, blobs: list, target: str,
                 limit: int | None = None) -> tuple[dict, list]:
        if self.lost is not None:
            raise SandboxLost(self.lost.kind, target, "the student process is gone")
        budget, started = self.budget, time.monotonic()
        if budget is None:
            raise GraderError(f"a request for {target} outside any time budget")
        try:
            if budget.left <= 0:
                raise ChannelTimeout
            deadline = budget.deadline(started)
            if self.isolation is None:
                self._greeting(deadline)
            self.channel.send(header, blobs, deadline)
            while True:
                before = self.channel.received
                reply, reply_blobs = self.channel.recv(deadline, limit)
                budget.received += self.channel.received - before
                if budget.received > RECEIVE_LIMIT:
                    self._lose("died", target, f"it sent more than {RECEIVE_LIMIT >> 20} MB "
                               "of data in one case", f"{budget.received} bytes received")
                if Reply.PROGRESS in reply:  # while the notebook runs
                    cell = reply[Reply.PROGRESS]
                    self.cell = cell if type(cell) is int else None
                    continue
                return reply, reply_blobs
        except ChannelTimeout:
            self._lose("timeout", target)
        except ChannelClosed:
            self._lose("died", target)
        except ProtocolError as e:
            self._lose("died", target, UNREADABLE, str(e)[:200])
        finally:
            budget.spent += time.monotonic() - started

    def _greeting(self, deadline: float) -> None:
        """The first message of a student process: its isolation record, sent by the
        sandbox before any student code existed (what is printed and kept is this, never
        what a later reply says)."""
        hello, _ = self.channel.recv(deadline)
        record = hello.get("isolation")
        if type(record) is not dict:
            raise ProtocolError("no isolation record")
        self.isolation = IsolationRecord()
        for key, value in list(record.items())[:32]:
            if type(value) is list:
                value = [str(v)[:100] for v in value[:32]]
            self.isolation[str(key)[:50]] = value if type(value) is list else str(value)[:200]

    def _result(self, reply: dict, blobs: list, target: str, call_args=((), {})):
        """The decoded value of a reply, or the student's exception raised here."""
        try:
            write_back(reply.get(Reply.WRITEBACK, []), blobs, call_args)
            if Reply.OK in reply:
                return decode_reply(self, reply[Reply.OK], blobs, target, call_args)
            if Reply.RAISE in reply:
                error = student_exception(reply[Reply.RAISE])
            elif Reply.FAIL in reply:
                error = StudentError(str(reply[Reply.FAIL])[:MESSAGE_CHARS])
            else:
                raise ProtocolError("reply without a result")
        except ProtocolError as e:
            error = StudentError(f"{target} gave a malformed result ({e})")
        if isinstance(error, MemoryError):
            self.out_of_memory = target
        raise error

    def execute(self, cells: list[dict], files: dict[str, str]) -> dict:
        """Run the notebook cells; returns {"errors": [{cell, error}], "isolation": the
        record the process sent before any student code ran}."""
        reply, _ = self._request({"op": Op.EXEC, "cells": cells, "files": files}, [],
                                 "the notebook")
        result = reply.get(Reply.OK)
        raw = result.get("errors") if type(result) is dict else None
        if type(raw) is not list:
            self._lose("died", "the notebook", UNREADABLE, "malformed exec reply")
        errors = [{"cell": e.get("cell") if type(e.get("cell")) is int else 0,
                   "error": str(e.get("error"))[:MESSAGE_CHARS]}
                  for e in raw[:MAX_NOTEBOOK_ERRORS] if type(e) is dict]
        return {"errors": errors, "isolation": dict(self.isolation or {})}

    def output(self) -> str:
        """The tail of the student's printed output (never for students: it can echo
        hidden inputs)."""
        reply, _ = self._request({"op": Op.OUTPUT}, [], "the student's output")
        text = reply.get(Reply.OK)
        return text[-OUTPUT_CHARS:] if type(text) is str else ""

    def describe(self, names) -> dict:
        """Student globals as the checks get them: data, proxies or handles."""
        reply, blobs = self._request({"op": Op.DESCRIBE, "names": list(names)}, [],
                                     "the notebook's globals")
        found = reply.get(Reply.OK)
        if type(found) is not dict:
            self._lose("died", "the notebook's globals", UNREADABLE, "malformed describe reply")
        namespace = {}
        for name in names:
            entry = found.get(name)
            kind = entry.get("kind") if type(entry) is dict else None
            if kind in ("function", "generator"):
                label = entry.get("name") if type(entry.get("name")) is str else name
                namespace[name] = (generator_proxy if kind == "generator"
                                   else function_proxy)(self, name, label)
            elif kind == "data":
                try:
                    namespace[name] = decode_reply(self, entry.get("value"), blobs)
                except ProtocolError:
                    namespace[name] = Unreadable(name)
        return namespace

    def prepare(self, device: str) -> None:
        """Initialize ``device`` in the student process (CUDA context) before timed work."""
        reply, blobs = self._request({"op": Op.PREPARE, "device": device}, [], "the device")
        self._result(reply, blobs, "the device")

    def stage(self, device: str, *values) -> list:
        """Send ``values`` to the student process ahead of calls: it keeps them (tensors
        moved to ``device``) and they come back as handles, which reach student functions
        as those values, with no transfer and no write-back."""
        blobs: list = []
        reply, reply_blobs = self._request(
            {"op": Op.STAGE, "values": encode_request(self, list(values), blobs),
             "device": device}, blobs, "the data")
        return self._result(reply, reply_blobs, "the data")

    def snapshot(self, function, args: tuple, model: int | None, limit: int) -> tuple:
        """(result, state): ``function(*args)`` there (a proxy of a student function) and
        the state ({name: tensor}, on the CPU) of a model at its return, ``args[model]``
        or the result when ``model`` is None, read in a frozen copy of the student
        process (sandbox.frozen_call). ``limit``: the most bytes the reply may hold."""
        label = function.__name__
        blobs: list = []
        header = {"op": Op.SNAPSHOT, "target": function._advopt_target,
                  "args": encode_request(self, list(args), blobs), "kwargs": {"D": []},
                  "model": model}
        reply, reply_blobs = self._request(header, blobs, label, limit)
        value = self._result(reply, reply_blobs, label)
        if type(value) is not tuple or len(value) != 2:
            raise StudentError(f"{label} gave a malformed result")
        return value

    def call(self, target, args: tuple, kwargs: dict, label: str):
        """``target(*args, **kwargs)`` there (a global's name, or {"H": handle})."""
        blobs: list = []
        header = {"op": Op.CALL, "target": target,
                  "args": encode_request(self, list(args), blobs),
                  "kwargs": encode_request(self, dict(kwargs), blobs)}
        reply, reply_blobs = self._request(header, blobs, label)
        return self._result(reply, reply_blobs, label, (args, kwargs))

    def advance(self, handle: int, label: str, call_args) -> tuple[bool, object]:
        """(done, value): the iterator's next item, or its return value when exhausted."""
        reply, blobs = self._request({"op": Op.NEXT, "iterator": handle}, [], label)
        if Reply.STOP in reply:
            return True, self._result({Reply.OK: reply[Reply.STOP],
                                       Reply.WRITEBACK: reply.get(Reply.WRITEBACK, [])},
                                      blobs, label, call_args)
        return False, self._result(reply, blobs, label, call_args)

    def attribute(self, handle: int, name: str, label: str):
        reply, blobs = self._request({"op": Op.GETATTR, "target": {"H": handle}, "name": name},
                                     [], f"{label}.{name}")
        return self._result(reply, blobs, f"{label}.{name}")
