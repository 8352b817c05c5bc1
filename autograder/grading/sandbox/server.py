"""The student side: a fork server, and the server of one student process that answers
the grader's requests (:class:`StudentServer`).

    python -m autograder.grading.sandbox.server CONTROL_FD      (started by process.ForkServer)

The fork server imports numpy, torch, matplotlib and pandas once and never runs student
code. For each submission the grader sends it a plan (isolation.make_plan), a connected
socket and a status pipe; it forks

    session parent   confines itself (isolation.confine), forks the student process,
                     waits for it and writes its exit status to the status pipe;
    student process  PID 1 of its namespaces (isolation.enter), then serves the grader's
                     requests (protocol's table): runs the notebook cells, describes
                     globals, calls functions, advances iterators, reads attributes; every
                     value goes through protocol.encode/decode, objects that are not data
                     stay here as handles.

This module imports nothing from the checks: no hidden test or solution exists in these
processes, and isolation hides their files.
"""
from __future__ import annotations

import builtins
import collections.abc
import inspect
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import types

from autograder.grading.sandbox import cgroups, isolation
from autograder.grading.sandbox.isolation import IsolationRecord, Plan
from autograder.grading.sandbox.protocol import (MESSAGE_CHARS, CannotCross, Channel, Op,
                                                 ProtocolError, Reply, decode, encode)
from autograder.otter_format import plain_python

WORKDIR_PREFIX = "advopt-sandbox-"  # working folders in the temporary folder (not sealed)
PRELOAD = ("numpy", "torch", "matplotlib", "matplotlib.pyplot", "pandas",
           "IPython.core.inputtransformer2")
CELL_MAGICS_RUN = ("time", "capture")  # cell magics whose body runs; others are skipped
MAX_HANDLES = 100_000
OUTPUT_TAIL = 64 << 10


# ----------------------------------------------------------------------------- fork server
def preload() -> None:
    """Import what student notebooks use, once, before any fork."""
    import importlib

    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
        _warm_up(sys.modules["torch"], sys.modules.get("pandas"))


def _warm_up(torch, pandas) -> None:
    """A first optimizer step and DataFrame sort import more modules lazily (torch._dynamo,
    ...), some of which write caches: do it now, before sandboxes make files read-only."""
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    optimizer = torch.optim.Adam(model.parameters())
    torch.nn.functional.cross_entropy(model(torch.zeros(2, 2)), torch.zeros(2).long()).backward()
    optimizer.step()
    if pandas is not None:
        pandas.DataFrame({"a": [1.0, 0.0]}).sort_values("a").to_dict("list")


def serve_forks(control: socket.socket) -> None:
    """Fork one session per request until the grader closes the control socket. Each
    session gets a working folder made here (used where the filesystem is not sealed),
    removed here once the session ended, whatever happened in it."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # sessions are reaped automatically
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    control.send(b'{"ready": true}')
    sessions: dict[int, tuple] = {}  # pidfd of a live session -> (its cgroups, its folder)
    try:
        while True:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 2)
            if not message:
                return
            _release_ended(sessions)
            plan = json.loads(message)["plan"]
            group = _session_group(plan)
            workdir = tempfile.mkdtemp(prefix=WORKDIR_PREFIX)
            pid = os.fork()
            if pid == 0:
                control.close()
                _session(plan, group, workdir, *fds)
            for fd in fds:
                os.close(fd)
            try:
                pidfds = [os.pidfd_open(pid)]
            except (AttributeError, OSError):
                pidfds = []
            socket.send_fds(control, [json.dumps({"pid": pid, "workdir": workdir}).encode()],
                            pidfds)
            if pidfds:
                sessions[pidfds[0]] = (group, workdir)
    finally:
        _release_ended(sessions, every=True)


def _session_group(plan: Plan) -> cgroups.Group | None:
    """Cgroups capping the memory and processes of the whole submission, where permitted
    (the session parent counts as one process), and giving it one share of the CPU (a
    submission that starts 60 busy processes weighs as much as one that starts none).
    Memory: a quarter above the per-process cap, so one process that allocates too much
    gets a MemoryError, not a kill."""
    if os.geteuid() != 0:
        return None
    return cgroups.Group(memory=plan["memory"] * 5 // 4, pids=plan["processes"] + 1,
                         share=True)


def _release_ended(sessions: dict, every: bool = False) -> None:
    """For each ended session (every session: ``every``, ending those still running):
    kill what is left in its cgroups, remove them and its working folder."""
    ended = list(sessions) if every else select.select(list(sessions), [], [], 0)[0]
    for fd in ended:
        group, workdir = sessions.pop(fd)
        if group is not None:
            group.kill_all()
        try:
            signal.pidfd_send_signal(fd, signal.SIGKILL)  # its student dies with it
        except OSError:  # ended already
            pass
        select.select([fd], [], [], 5)
        if group is not None:
            group.close()
        os.close(fd)
        isolation.remove_folder(workdir)


def _session(plan: Plan, group, folder: str, data_fd: int, status_fd: int) -> None:
    """Session parent: enter the submission's cgroups, confine, fork the student process
    (working in ``folder`` where the filesystem is not sealed), report how it ended."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        isolation.set_parent_death_signal()
        _close_fds_except(data_fd, status_fd)
        if group is not None:
            group.enter()
        info = isolation.confine(plan)
        info["cgroup"] = ", ".join(group.capped) if group is not None and group.capped \
            else "none"
        sealed = info["filesystem"] == "sealed"
        workdir = isolation.WORKDIR if sealed else folder
        pid = os.fork()
        if pid == 0:
            os.close(status_fd)
            _student(plan, info, workdir, data_fd)
        os.close(data_fd)
        _, status = os.waitpid(pid, 0)
        if not sealed:
            shutil.rmtree(workdir, ignore_errors=True)
        report: dict[str, int | str] = {"exit": os.waitstatus_to_exitcode(status)}
        code = 0
    except BaseException as e:  # setup failed: say why instead of a silent EOF
        report = {"setup_error": f"{type(e).__name__}: {e}"}
    os.write(status_fd, json.dumps(report).encode())
    os._exit(code)


RANDOM_SEED = 0  # every student process starts its randomness here


def reproducible_randomness(seed: int = RANDOM_SEED) -> None:
    """The same notebook draws the same numbers in every student process: the global
    generators (random, numpy, torch) seeded, and numpy's fresh entropy
    (``np.random.default_rng()``, a SeedSequence without a seed) drawn from a seeded
    stream, so calls still differ from each other but not from run to run or machine to
    machine (a wrong function must not pass by chance on one run and fail on the next).
    Only the student process: the checks draw their inputs in the grader."""
    import random

    random.seed(seed)
    stream = random.Random(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(seed)
        bit_generator = sys.modules.get("numpy.random.bit_generator")
        if bit_generator is not None and hasattr(bit_generator, "randbits"):
            bit_generator.randbits = stream.getrandbits
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def _close_fds_except(*keep: int) -> None:
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def _student(plan: Plan, info: IsolationRecord, workdir: str, data_fd: int) -> None:
    code = 0
    try:
        isolation.enter(plan, info, workdir)
        reproducible_randomness()
        channel = Channel(socket.socket(fileno=data_fd))
        channel.send({"isolation": info})  # before any student code exists
        StudentServer(channel).serve()
    except BaseException:
        code = 1
    finally:
        os._exit(code)


# ----------------------------------------------------------------------------- requests
def _nothing(*args, **kwargs):
    return None


class _Anything:
    """Stands in for ``otter.Notebook(...)`` and the IPython shell: every method is a no-op."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return _nothing


def _otter_stub() -> types.ModuleType:
    module = types.ModuleType("otter", "Grading stub: checks and exports do nothing here.")
    module.Notebook = _Anything
    module.__getattr__ = _otter_attribute
    return module


def _otter_attribute(name: str):
    if name.startswith("__"):  # __file__, __path__, ...: libraries scanning sys.modules
        raise AttributeError(name)
    return _Anything


class _Shell(_Anything):
    """``get_ipython()`` in cells: magics and shell commands do nothing, except that the
    body of %%time and %%capture cells runs."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def run_cell_magic(self, magic, line, cell):
        if magic in CELL_MAGICS_RUN:
            exec(compile(cell, f"<%%{magic} cell>", "exec"), self.namespace)


def _describe_exception(e: BaseException) -> dict:
    builtin = next((c.__name__ for c in type(e).__mro__
                    if getattr(builtins, c.__name__, None) is c), "BaseException")
    try:
        message = str(e)[:MESSAGE_CHARS]
    except Exception:
        message = "(message unavailable)"
    try:
        blobs: list = []
        args = encode(list(e.args), blobs, _refuse)
        args = None if blobs else args  # only arguments that are plain JSON
    except Exception:
        args = None
    return {"type": type(e).__name__[:100], "builtin": builtin, "message": message,
            "args": args}


def _refuse(value, child):
    raise CannotCross(type(value).__name__)


# ----------------------------------------------------------------------------- frozen state
HELD_SWITCH_S = 1000.0   # the interpreter's thread switch interval during a frozen call


def prepare_device(device: str) -> None:
    """Initialize ``device`` for timed work: on CUDA its context and cuBLAS handle."""
    torch = sys.modules.get("torch")
    if torch is not None and device.startswith("cuda") and torch.cuda.is_available():
        torch.ones(2, 2, device=device).matmul(torch.ones(2, 2, device=device))
        torch.cuda.synchronize(device)


class StateUnreadable(Exception):
    """The model's state could not be read after the call returned."""


def frozen_call(function, args: list, kwargs: dict, model: int | None, blobs: list):
    """``function(*args, **kwargs)``, then the state of a model at its return: ``args[model]``,
    or the result when ``model`` is None. Returns (result, encoded state: {name: tensor}),
    the state's arrays appended to ``blobs`` (empty when called).

    The state is read in a copy of this process forked at the return, and fork copies only
    the calling thread: no other thread runs in the copy. Nor can one run in this process
    between the return and the fork: while the call runs the interpreter never forces a
    thread switch (HELD_SWITCH_S), so other threads run only where this one waits (a torch
    op, a lock, a sleep), and it waits nowhere between the two (the socket pair the copy
    answers on is made before the call). On CUDA the state is first copied to host memory
    here (a forked copy cannot use CUDA), after the device finished the call's work;
    another thread can run while those copies wait on the device.
    Raises what the call raised, or StateUnreadable."""
    ours, theirs = socket.socketpair()
    held = sys.getswitchinterval()
    sys.setswitchinterval(HELD_SWITCH_S)
    try:
        result = function(*args, **kwargs)
        read = _state_reader(result if model is None else args[model])
        try:
            pid = os.fork()
        except OSError as e:
            raise StateUnreadable(f"no copy of the process to read it in ({e})") from None
        if pid == 0:  # the copy: only this thread
            _send_state(read, ours, theirs)
    except BaseException:
        ours.close()
        raise
    finally:
        sys.setswitchinterval(held)
        theirs.close()
    try:
        reply, state_blobs = Channel(ours).recv()
    except ProtocolError:
        reply, state_blobs = {Reply.FAIL: "the copy of the process that reads it ended"}, []
    finally:
        ours.close()
        os.waitpid(pid, 0)
    if Reply.OK not in reply:
        raise StateUnreadable(str(reply.get(Reply.FAIL))[:MESSAGE_CHARS])
    blobs.extend(state_blobs)
    return result, reply[Reply.OK]


def _state_reader(model):
    """What the forked copy calls: ``model.state_dict`` or, on CUDA, host copies of it
    made now."""
    torch = sys.modules.get("torch")
    try:
        if torch is None or not torch.cuda.is_initialized():
            return model.state_dict
        torch.cuda.synchronize()
        copies = {k: v.detach().to("cpu") if isinstance(v, torch.Tensor) else v
                  for k, v in model.state_dict().items()}
    except Exception as e:
        raise StateUnreadable(f"{type(e).__name__}: {e}"[:MESSAGE_CHARS]) from None
    return lambda: copies


def _send_state(read, ours: socket.socket, theirs: socket.socket) -> None:
    """In the forked copy: send ``encode(dict(read()))`` (no handles) over ``theirs``, exit."""
    code = 1
    try:
        ours.close()
        blobs: list = []
        try:
            reply = {Reply.OK: encode(dict(read()), blobs, _refuse)}
        except BaseException as e:
            info = _describe_exception(e)
            reply, blobs = {Reply.FAIL: f"{info['type']}: {info['message']}"}, []
        Channel(theirs).send(reply, blobs)
        code = 0
    finally:
        os._exit(code)


class StudentServer:
    """Answers the requests of one grader connection inside the student process."""

    def __init__(self, channel: Channel):
        self.channel = channel
        self.workdir = os.getcwd()
        self.namespace = {"__name__": "__main__", "__builtins__": builtins,
                          "display": _nothing}
        self.namespace["get_ipython"] = lambda: _Shell(self.namespace)
        self.handles: dict[int, object] = {}
        self.staged: set[int] = set()  # ids of values kept by op_stage (never written back)
        self.watched: dict[int, list] = {}  # iterator handle -> arguments to write back
        self.operations = {Op.EXEC: self.op_exec, Op.DESCRIBE: self.op_describe,
                           Op.CALL: self.op_call, Op.NEXT: self.op_next,
                           Op.GETATTR: self.op_getattr, Op.PREPARE: self.op_prepare,
                           Op.STAGE: self.op_stage, Op.SNAPSHOT: self.op_snapshot,
                           Op.OUTPUT: self.op_output}

    def serve(self) -> None:
        sys.modules["otter"] = _otter_stub()
        while True:
            header, blobs = self.channel.recv()
            op = header.get("op")
            if op == Op.CLOSE:
                return
            out: list = []
            try:
                if op not in self.operations:
                    raise ValueError(f"unknown operation {str(op)[:50]!r}")
                reply = self.operations[op](header, blobs, out)
            except _StudentRaised as raised:
                reply = {Reply.RAISE: _describe_exception(raised.error),
                         Reply.WRITEBACK: raised.writeback}
            except Exception as e:  # a value that cannot cross, a bad handle, ...
                out = []
                reply = {Reply.FAIL: f"{type(e).__name__}: {e}"[:MESSAGE_CHARS]}
            self.channel.send(reply, out)

    # -- handles
    def keep(self, value) -> int:
        if len(self.handles) >= MAX_HANDLES:
            raise CannotCross("too many student objects kept for the grader")
        self.handles[len(self.handles)] = value
        return len(self.handles) - 1

    def to_ref(self, value, child):
        kind = next((t for t in (tuple, list, dict) if isinstance(value, t)), None)
        if kind is dict:
            return {"D": [[child(k), child(v)] for k, v in value.items()], "ref": self.keep(value)}
        if kind is not None:
            return {"T" if kind is tuple else "L": [child(v) for v in value],
                    "ref": self.keep(value)}
        if isinstance(value, collections.abc.Iterator):
            return {"I": self.keep(value)}
        return {"H": self.keep(value), "type": type(value).__qualname__[:100]}

    def from_ref(self, tag, child):
        handle = tag.get("H")
        if type(handle) is not int or handle not in self.handles or len(tag) != 1:
            raise ValueError(f"unknown student object {handle!r}")
        return self.handles[handle]

    def encode(self, value, blobs: list):
        return encode(value, blobs, self.to_ref)

    def decode(self, value, blobs: list):
        return decode(value, blobs, self.from_ref)

    # -- write-back: arguments the student changed in place travel back to the grader
    def _snapshot(self, args: list, kwargs: dict) -> list:
        watched = []
        for path, value in [(["a", i], v) for i, v in enumerate(args)] + \
                           [(["k", k], v) for k, v in kwargs.items()]:
            if id(value) in self.staged:
                continue
            try:
                watched.append([path, value, self._plain(value)])
            except Exception:
                pass
        return watched

    @staticmethod
    def _plain(value):
        blobs: list = []
        return json.dumps(encode(value, blobs, _refuse)), blobs

    def _writeback(self, watched: list, out: list) -> list:
        changed = []
        for entry in watched:
            path, value, before = entry
            try:
                now = self._plain(value)
            except Exception:
                continue
            if now != before:
                entry[2] = now
                changed.append({"path": path, "value": encode(value, out, _refuse)})
        return changed

    # -- operations
    def op_exec(self, header, blobs, out) -> dict:
        """Write support files, run the cells in order; errors are recorded, not fatal.
        As in a notebook kernel, the working directory (with the support files) is
        importable."""
        for name, text in header.get("files", {}).items():
            with open(os.path.basename(name), "w") as f:
                f.write(text)
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        errors = []
        for cell in header["cells"]:
            self.channel.send({Reply.PROGRESS: cell["number"]})
            try:
                code = compile(plain_python(cell["source"]), f"<cell {cell['number']}>", "exec")
                exec(code, self.namespace)
            except BaseException as e:  # SystemExit and KeyboardInterrupt included
                info = _describe_exception(e)
                errors.append({"cell": cell["number"],
                               "error": f"{info['type']}: {info['message']}"})
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
        return {Reply.OK: {"errors": errors}}

    def op_describe(self, header, blobs, out) -> dict:
        found = {}
        for name in header["names"]:
            if name not in self.namespace:
                found[name] = {"kind": "missing"}
                continue
            value = self.namespace[name]
            if callable(value):
                label = getattr(value, "__name__", name)
                found[name] = {"kind": "generator" if inspect.isgeneratorfunction(value)
                               else "function", "name": label if type(label) is str else name}
            else:
                found[name] = {"kind": "data", "value": self.encode(value, out)}
        return {Reply.OK: found}

    def _target(self, header):
        target = header["target"]
        if type(target) is str:
            return self.namespace[target]
        return self.from_ref(target, None)

    def op_call(self, header, blobs, out) -> dict:
        function = self._target(header)
        args = self.decode(header["args"], blobs)
        kwargs = self.decode(header["kwargs"], blobs)
        watched = self._snapshot(args, kwargs)
        try:
            result = function(*args, **kwargs)
        except BaseException as e:
            raise _StudentRaised(e, self._writeback(watched, out))
        value = self.encode(result, out)
        if type(value) is dict and "I" in value:
            self.watched[value["I"]] = watched
        return {Reply.OK: value, Reply.WRITEBACK: self._writeback(watched, out)}

    def op_next(self, header, blobs, out) -> dict:
        handle = header["iterator"]
        iterator = self.from_ref({"H": handle}, None)
        watched = self.watched.get(handle, [])
        try:
            item = next(iterator)
        except StopIteration as stop:
            return {Reply.STOP: self.encode(stop.value, out),
                    Reply.WRITEBACK: self._writeback(watched, out)}
        except BaseException as e:
            raise _StudentRaised(e, self._writeback(watched, out))
        return {Reply.OK: self.encode(item, out), Reply.WRITEBACK: self._writeback(watched, out)}

    def op_prepare(self, header, blobs, out) -> dict:
        """Initialize the device for timed work before any of the grader's data is here."""
        prepare_device(str(header.get("device", "cpu")))
        return {Reply.OK: None}

    def op_stage(self, header, blobs, out) -> dict:
        """Keep the grader's values here (tensors moved to ``device``); answer with handles."""
        values = self.decode(header["values"], blobs)
        device = str(header.get("device", "cpu"))
        torch = sys.modules.get("torch")
        if torch is not None and device != "cpu":
            values = [v.to(device) if isinstance(v, torch.Tensor) else v for v in values]
        handles = [{"H": self.keep(v), "type": type(v).__qualname__[:100]} for v in values]
        self.staged.update(id(v) for v in values)
        return {Reply.OK: {"L": handles}}

    def op_snapshot(self, header, blobs, out) -> dict:
        """Call the target; answer with its result and a model's state at its return,
        read in a frozen copy of this process (:func:`frozen_call`)."""
        function = self._target(header)
        args = self.decode(header["args"], blobs)
        kwargs = self.decode(header["kwargs"], blobs)
        model = header.get("model")
        if model is not None and (type(model) is not int or not 0 <= model < len(args)):
            raise ValueError(f"no argument {model!r} to read a state from")
        try:
            result, state = frozen_call(function, args, kwargs, model, out)
        except StateUnreadable as e:
            return {Reply.FAIL: f"the model's state could not be read: {e}"}
        except BaseException as e:
            raise _StudentRaised(e, [])
        return {Reply.OK: {"T": [self.encode(result, out), state]}}

    def op_output(self, header, blobs, out) -> dict:
        """The tail of what the student's code printed (for the course staff only)."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        try:
            with open(os.path.join(self.workdir, "output.txt"), "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - OUTPUT_TAIL))
                text = f.read().decode(errors="replace")
        except OSError:
            text = ""
        return {Reply.OK: text}

    def op_getattr(self, header, blobs, out) -> dict:
        try:
            value = getattr(self._target(header), str(header["name"]))
        except BaseException as e:
            raise _StudentRaised(e, [])
        return {Reply.OK: self.encode(value, out)}


class _StudentRaised(Exception):
    def __init__(self, error: BaseException, writeback: list):
        self.error, self.writeback = error, writeback


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    control = socket.socket(fileno=int(argv[0]))
    preload()
    serve_forks(control)
    return 0


if __name__ == "__main__":
    sys.exit(main())
