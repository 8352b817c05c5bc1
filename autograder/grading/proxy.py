"""Grader side of the sandbox: the fork server client, sessions, and the proxies that
checks call in place of student objects.

A check receives, for each student global it names:
- plain data (numbers, arrays, ...) as a copy;
- a function as a proxy function that calls it in the student process; for a generator
  function, a proxy that is itself a generator function (``inspect.isgeneratorfunction``
  holds), advancing the student's generator one item at a time;
- other objects as handles (:class:`Remote`): they can be called, their attributes read
  and passed back to student functions, but they never become objects here.

Arguments the student modifies in place are written back, so checks for "modifies its
input" judge what really happened. Student exceptions of builtin types are re-raised as
that type (custom ones as a subclass of it and of StudentError), so ``pytest.raises``-
style checks behave as with direct calls. A student process that runs past its time,
dies or breaks the protocol raises SandboxLost, a BaseException no check can swallow.
"""
from __future__ import annotations

import builtins
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
from pathlib import Path

import numpy as np

from autograder.grading.protocol import (CannotCross, Channel, ChannelTimeout, ProtocolError,
                                         decode, encode)

BUILTIN_EXCEPTIONS = {name: cls for name, cls in vars(builtins).items()
                      if isinstance(cls, type) and issubclass(cls, Exception)}
SANDBOX_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
STARTUP_SECONDS = 300


class StudentError(Exception):
    """Student code raised a non-builtin exception, or gave something that cannot be checked."""


class SandboxLost(BaseException):
    """The student process is gone: ``kind`` is "timeout", "died" or "setup"."""

    def __init__(self, kind: str, target: str, detail: str):
        super().__init__(f"{kind} in {target}: {detail}")
        self.kind, self.target, self.detail = kind, target, detail


class GraderError(RuntimeError):
    """The grading machinery itself failed (not the student's doing)."""


# ----------------------------------------------------------------------------- fork server
class ForkServer:
    """The sandbox fork server process (``python -m autograder.grading.sandbox``)."""

    def __init__(self):
        self.control, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        root = str(Path(__file__).resolve().parents[2])
        paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env = {**os.environ, **SANDBOX_ENV, "PYTHONPATH": os.pathsep.join(paths)}
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.grading.sandbox", str(child.fileno())],
            pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.log, env=env, start_new_session=True, cwd="/")
        child.close()
        self.spawned = 0
        self.ready = False
        self._lock = threading.Lock()

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

    def spawn(self, plan: dict) -> "Session":
        """A new confined student process, connected to a new Session."""
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
            pid = json.loads(message)["pid"]
        except (OSError, ValueError) as e:
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
        return Session(Channel(ours), pid, fds[0] if fds else None, status_read)

    @property
    def closed(self) -> bool:
        return self.log.closed

    def close(self) -> None:
        if self.closed:
            return
        self.control.close()
        if not self.ready:  # still importing: nothing of value to wait for
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ----------------------------------------------------------------------------- session
class Session:
    """Talks to one student process. ``allowance``: seconds the student process may still
    spend answering (notebook cells, calls); the checks' own computing is not counted."""

    def __init__(self, channel: Channel, pid: int, pidfd: int | None, status_fd: int):
        self.channel, self.pid, self.pidfd, self.status_fd = channel, pid, pidfd, status_fd
        self.allowance = float("inf")
        self.cell: int | None = None
        self.lost: SandboxLost | None = None

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
                self.channel.send({"op": "close"}, deadline=time.monotonic() + 1)
            except Exception:
                pass
        self.kill()
        self.channel.sock.close()
        for fd in (self.pidfd, self.status_fd):
            if fd is not None:
                os.close(fd)
        self.pidfd = self.status_fd = None

    def exit_status(self, wait: float = 2.0) -> str:
        """How the student process ended, from its session parent's report."""
        if self.status_fd is None:
            return "unknown"
        ready, _, _ = select.select([self.status_fd], [], [], wait)
        data = os.read(self.status_fd, 65536) if ready else b""
        try:
            report = json.loads(data) if data else {}
        except ValueError:
            report = {}
        if "setup_error" in report:
            return f"sandbox setup failed: {report['setup_error']}"
        code = report.get("exit")
        if type(code) is not int:
            return "stopped by the grader"
        if code >= 0:
            return f"exited with code {code}"
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        hint = {"SIGKILL": " (memory, process or CPU limit?)", "SIGXCPU": " (CPU time limit)",
                "SIGSEGV": " (crashed)"}.get(name, "")
        return f"killed by {name}{hint}"

    def _lose(self, kind: str, target: str) -> None:
        if kind == "timeout":
            self.kill()
        detail = self.exit_status(wait=0.2 if kind == "timeout" else 2.0)
        self.kill()
        if detail.startswith("sandbox setup failed"):
            kind = "setup"
        self.lost = SandboxLost(kind, target, detail)
        raise self.lost

    # -- requests
    def _request(self, header: dict, blobs: list, target: str) -> tuple[dict, list]:
        if self.lost is not None:
            raise SandboxLost(self.lost.kind, target, "the student process is gone")
        started = time.monotonic()
        deadline = started + self.allowance if self.allowance < float("inf") else None
        try:
            if self.allowance <= 0:
                raise ChannelTimeout
            self.channel.send(header, blobs, deadline)
            while True:
                reply, reply_blobs = self.channel.recv(deadline)
                if "cell" in reply:  # progress while the notebook runs
                    self.cell = reply["cell"]
                    continue
                return reply, reply_blobs
        except ChannelTimeout:
            self._lose("timeout", target)
        except ProtocolError:
            self._lose("died", target)
        finally:
            self.allowance -= time.monotonic() - started

    def _result(self, reply: dict, blobs: list, target: str, call_args=((), {})):
        """The decoded value of a reply, or the student's exception raised here."""
        try:
            self._write_back(reply.get("writeback", []), blobs, call_args)
            if "ok" in reply:
                return self._decode(reply["ok"], blobs, target, call_args)
            if "raise" in reply:
                error = student_exception(reply["raise"])
            elif "fail" in reply:
                error = StudentError(str(reply["fail"]))
            else:
                raise ProtocolError("reply without a result")
        except (ProtocolError, CannotCross, TypeError, ValueError, KeyError, IndexError,
                RecursionError, AttributeError) as e:
            error = StudentError(f"{target} gave a malformed result ({type(e).__name__})")
        raise error

    def execute(self, cells: list[dict], files: dict[str, str]) -> dict:
        """Run the notebook cells; returns {"errors": [...], "isolation": {...}}."""
        reply, _ = self._request({"op": "exec", "cells": cells, "files": files}, [],
                                 "the notebook")
        result = reply.get("ok")
        if type(result) is not dict:
            self._lose("died", "the notebook")
        errors = [{"cell": e.get("cell"), "error": str(e.get("error"))[:2000]}
                  for e in result.get("errors", []) if type(e) is dict]
        isolation = result.get("isolation")
        return {"errors": errors,
                "isolation": {str(k): v if type(v) is str else json.dumps(v)[:200]
                              for k, v in isolation.items()} if type(isolation) is dict else {}}

    def output(self) -> str:
        """The tail of the student's printed output (never for students: it can echo
        hidden inputs)."""
        reply, _ = self._request({"op": "output"}, [], "the student's output")
        return reply["ok"] if type(reply.get("ok")) is str else ""

    def describe(self, names) -> dict:
        """Student globals as the checks get them: data, proxies or handles."""
        reply, blobs = self._request({"op": "describe", "names": list(names)}, [],
                                     "the notebook's globals")
        found = reply.get("ok")
        if type(found) is not dict:
            self._lose("died", "the notebook's globals")
        namespace = {}
        for name in names:
            entry = found.get(name)
            kind = entry.get("kind") if type(entry) is dict else None
            if kind in ("function", "generator"):
                label = entry.get("name") if type(entry.get("name")) is str else name
                namespace[name] = (_generator_proxy if kind == "generator"
                                   else _function_proxy)(self, name, label)
            elif kind == "data":
                try:
                    namespace[name] = self._decode(entry.get("value"), blobs)
                except (ProtocolError, CannotCross, TypeError, ValueError, RecursionError):
                    namespace[name] = Unreadable(name)
        return namespace

    def stage(self, *values) -> list:
        """Send ``values`` to the student process ahead of timed calls: it keeps them
        (CUDA tensors on its GPU, CUDA initialized there) and they come back as handles,
        which reach student functions as those values, with no transfer and no write-back."""
        blobs: list = []
        reply, reply_blobs = self._request(
            {"op": "stage", "values": self._encode(list(values), blobs)}, blobs, "the data")
        return self._result(reply, reply_blobs, "the data")

    def synchronize(self) -> None:
        """Wait until the student process's GPU work is done (nothing to wait for without CUDA)."""
        reply, blobs = self._request({"op": "synchronize"}, [], "the GPU work")
        self._result(reply, blobs, "the GPU work")

    def call(self, target, args: tuple, kwargs: dict, label: str):
        blobs: list = []
        header = {"op": "call", "target": target, "args": self._encode(list(args), blobs),
                  "kwargs": self._encode(dict(kwargs), blobs)}
        reply, reply_blobs = self._request(header, blobs, label)
        return self._result(reply, reply_blobs, label, (args, kwargs))

    def advance(self, handle: int, label: str, call_args) -> tuple[bool, object]:
        """(done, value): the iterator's next item, or its return value when exhausted."""
        reply, blobs = self._request({"op": "next", "iterator": handle}, [], label)
        if "stop" in reply:
            self._write_back(reply.get("writeback", []), blobs, call_args)
            return True, self._decode(reply["stop"], blobs, label)
        return False, self._result(reply, blobs, label, call_args)

    def attribute(self, handle: int, name: str, label: str):
        reply, blobs = self._request({"op": "getattr", "target": {"H": handle}, "name": name},
                                     [], f"{label}.{name}")
        return self._result(reply, blobs, f"{label}.{name}")

    # -- values
    def _encode(self, value, blobs: list):
        def to_ref(obj, child):
            remote = obj if isinstance(obj, Remote) else \
                obj.__dict__.get("_advopt_remote") if isinstance(obj, _Ref) else None
            if remote is None:
                raise CannotCross(f"a {type(obj).__name__} cannot be passed to student code")
            if object.__getattribute__(remote, "_session") is not self:
                raise StudentError("a student object from an earlier run of the notebook")
            return {"H": object.__getattribute__(remote, "_id")}
        return encode(value, blobs, to_ref)

    def _decode(self, value, blobs: list, label: str = "", call_args=((), {})):
        def from_ref(tag, child):
            handle = tag.get("ref", tag.get("H", tag.get("I")))
            if type(handle) is not int:
                raise ProtocolError("bad handle")
            if "I" in tag:
                return _iterate(self, handle, label, call_args)
            kind = next((k for k in ("T", "L", "D") if k in tag), None)
            type_name = str(tag.get("type", "object"))[:100] if kind is None else \
                {"T": "tuple", "L": "list", "D": "dict"}[kind]
            remote = Remote(self, handle, type_name)
            if kind is None:
                return remote
            obj = _REF_TYPES[kind](child({kind: tag[kind]}))
            obj._advopt_remote = remote
            return obj
        return decode(value, blobs, from_ref)

    def _write_back(self, entries, blobs: list, call_args) -> None:
        args, kwargs = call_args
        for entry in entries if type(entries) is list else ():
            path = entry.get("path") if type(entry) is dict else None
            try:
                where, key = path
                original = args[key] if where == "a" else kwargs[key]
            except (TypeError, ValueError, IndexError, KeyError):
                raise ProtocolError("bad write-back path") from None
            update_in_place(original, decode(entry.get("value"), blobs, _no_refs))


def _no_refs(tag, child):
    raise ProtocolError("unexpected handle")


def update_in_place(original, new) -> None:
    """Make ``original`` hold ``new`` (what the student's in-place change did there)."""
    if isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
        if original.shape == new.shape and original.flags.writeable:
            np.copyto(original, new, casting="unsafe")
    elif isinstance(original, list) and isinstance(new, list):
        original[:] = new
    elif isinstance(original, dict) and isinstance(new, dict):
        original.clear()
        original.update(new)
    elif isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
        original.bit_generator.state = new.bit_generator.state
    elif "torch" in sys.modules and isinstance(original, sys.modules["torch"].Tensor) \
            and isinstance(new, sys.modules["torch"].Tensor) and original.shape == new.shape:
        with sys.modules["torch"].no_grad():
            original.copy_(new)


# ----------------------------------------------------------------------------- proxies
def _function_proxy(session: Session, name: str, label: str):
    def proxy(*args, **kwargs):
        return session.call(name, args, kwargs, name)
    proxy.__name__ = proxy.__qualname__ = label
    proxy._advopt_session = session  # checks stage data through it (Session.stage)
    return proxy


def _generator_proxy(session: Session, name: str, label: str):
    def proxy(*args, **kwargs):
        return (yield from session.call(name, args, kwargs, name))
    proxy.__name__ = proxy.__qualname__ = label
    return proxy


def _iterate(session: Session, handle: int, label: str, call_args):
    while True:
        done, value = session.advance(handle, label, call_args)
        if done:
            return value
        yield value


class Remote:
    """A student object that stays in the student process: callable, attributes readable,
    and passed back as itself to student functions."""

    __slots__ = ("_session", "_id", "_type")

    def __init__(self, session: Session, handle: int, type_name: str):
        self._session, self._id, self._type = session, handle, type_name

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._session.attribute(self._id, name, self._type)

    def __call__(self, *args, **kwargs):
        return self._session.call({"H": self._id}, args, kwargs, self._type)

    def __repr__(self):
        return f"<student {self._type} object>"


class _Ref:
    """A tuple/list/dict subclass from the student: its items here, the original there."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") or name == "_advopt_remote":
            raise AttributeError(name)
        return getattr(self.__dict__["_advopt_remote"], name)


class RefTuple(_Ref, tuple):
    pass


class RefList(_Ref, list):
    pass


class RefDict(_Ref, dict):
    pass


_REF_TYPES = {"T": RefTuple, "L": RefList, "D": RefDict}


class Unreadable:
    """A student global whose value could not be transferred."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"<{self.name}: a value that cannot be transferred>"


# ----------------------------------------------------------------------------- exceptions
_student_classes: dict[tuple, type] = {}


def student_exception(info) -> Exception:
    """The student's exception, rebuilt here from its description (never unpickled)."""
    if type(info) is not dict:
        raise ProtocolError("bad exception description")
    name, base = str(info.get("type", "Exception"))[:100], str(info.get("builtin"))
    message = str(info.get("message", ""))
    try:
        args = decode(info.get("args"), [], _no_refs) if info.get("args") is not None else None
    except (ProtocolError, TypeError, ValueError, RecursionError):
        args = None
    base_class = BUILTIN_EXCEPTIONS.get(base)
    if base_class is not None and name == base:
        try:
            return base_class(*(args if type(args) is list else [message]))
        except Exception:
            pass
    key = (name, base_class)
    if key not in _student_classes:
        bases = (StudentError,) if base_class in (None, Exception) else (StudentError, base_class)
        try:
            _student_classes[key] = type(name, bases, {"__module__": "student"})
        except TypeError:
            _student_classes[key] = type(name, (StudentError,), {"__module__": "student"})
    return _student_classes[key](message)
