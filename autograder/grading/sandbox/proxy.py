"""What checks get in place of student objects (the grader side of the sandbox; the
requests themselves are ``process.StudentProcess``'s).

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
style checks behave as with direct calls, and marked as the student's
(``autograder.cases.mark_student``): an error the check raises itself is reported as the
check's.
"""
from __future__ import annotations

import builtins
import sys

import numpy as np

from autograder.cases import mark_student
from autograder.grading.sandbox.protocol import (MESSAGE_CHARS, CannotCross, ProtocolError,
                                                 decode, encode)

BUILTIN_EXCEPTIONS = {name: cls for name, cls in vars(builtins).items()
                      if isinstance(cls, type) and issubclass(cls, Exception)}
MAX_ITEMS = 100_000        # items one call of a student generator may yield to the grader
MAX_CLASSES = 1_000        # student exception classes rebuilt here (kept for reuse)


class StudentError(Exception):
    """Student code raised a non-builtin exception, or gave something that cannot be checked."""

    def __init__(self, *args):
        super().__init__(*args)
        mark_student(self)


# ----------------------------------------------------------------------------- values
def encode_request(process, value, blobs: list):
    """``value`` for a request to ``process``: data, or handles of its own objects."""
    def to_ref(obj, child):
        remote = obj if isinstance(obj, Remote) else \
            obj.__dict__.get("_advopt_remote") if isinstance(obj, _Ref) else None
        if remote is None:
            raise CannotCross(f"a {type(obj).__name__} cannot be passed to student code")
        if object.__getattribute__(remote, "_process") is not process:
            raise StudentError("a student object from an earlier run of the notebook")
        return {"H": object.__getattribute__(remote, "_id")}
    return encode(value, blobs, to_ref)


def decode_reply(process, value, blobs: list, label: str = "", call_args=((), {})):
    """A value from ``process``: handles become :class:`Remote`, iterators proxy generators."""
    def from_ref(tag, child):
        handle = tag.get("ref", tag.get("H", tag.get("I")))
        if type(handle) is not int:
            raise ProtocolError("bad handle")
        if "I" in tag:
            return _iterate(process, handle, label, call_args)
        kind = next((k for k in ("T", "L", "D") if k in tag), None)
        type_name = str(tag.get("type", "object"))[:100] if kind is None else \
            {"T": "tuple", "L": "list", "D": "dict"}[kind]
        remote = Remote(process, handle, type_name)
        if kind is None:
            return remote
        obj = _REF_TYPES[kind](child({kind: tag[kind]}))
        obj._advopt_remote = remote
        return obj
    return decode(value, blobs, from_ref)


def write_back(entries, blobs: list, call_args) -> None:
    """Apply a reply's write-back entries to the arguments of the call, here; anything
    malformed raises ProtocolError."""
    args, kwargs = call_args
    for entry in entries if type(entries) is list else ():
        path = entry.get("path") if type(entry) is dict else None
        try:
            where, key = path
            original = args[key] if where == "a" else kwargs[key]
        except (TypeError, ValueError, IndexError, KeyError):
            raise ProtocolError("bad write-back path") from None
        new = decode(entry.get("value"), blobs, _no_refs)
        try:
            update_in_place(original, new)
        except Exception as e:  # values that do not fit the argument (dtype, kind)
            raise ProtocolError(f"bad write-back value ({type(e).__name__})") from None


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
def function_proxy(process, name: str, label: str):
    """A function that calls the student's global ``name`` in ``process``."""
    def proxy(*args, **kwargs):
        return process.call(name, args, kwargs, name)
    proxy.__name__ = proxy.__qualname__ = label
    proxy._advopt_process = process  # checks stage data through it (StudentProcess.stage)
    proxy._advopt_target = name      # and call it with a snapshot (StudentProcess.snapshot)
    return proxy


def generator_proxy(process, name: str, label: str):
    """A generator function that advances the student's generator in ``process``."""
    def proxy(*args, **kwargs):
        return (yield from process.call(name, args, kwargs, name))
    proxy.__name__ = proxy.__qualname__ = label
    return proxy


def _iterate(process, handle: int, label: str, call_args):
    """The items of the student's iterator; past MAX_ITEMS it fails (StudentError): a
    generator that never ends must not grow the grader."""
    for _ in range(MAX_ITEMS):
        done, value = process.advance(handle, label, call_args)
        if done:
            return value
        yield value
    raise StudentError(f"{label} yielded more than {MAX_ITEMS} items: stopped there")


class Remote:
    """A student object that stays in the student process: callable, attributes readable,
    and passed back as itself to student functions."""

    __slots__ = ("_process", "_id", "_type")

    def __init__(self, process, handle: int, type_name: str):
        self._process, self._id, self._type = process, handle, type_name

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._process.attribute(self._id, name, self._type)

    def __call__(self, *args, **kwargs):
        return self._process.call({"H": self._id}, args, kwargs, self._type)

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
    """The student's exception, rebuilt here from its description (never unpickled) and
    marked as the student's (``autograder.cases.mark_student``), so that a check's own
    error is never reported as the student's; a description that is not one raises
    ProtocolError."""
    if type(info) is not dict:
        raise ProtocolError("bad exception description")
    try:
        error = _rebuilt(info)
    except Exception as e:
        raise ProtocolError(f"bad exception description ({type(e).__name__})") from None
    return mark_student(error)


def _rebuilt(info: dict) -> Exception:
    name, base = str(info.get("type", "Exception"))[:100], str(info.get("builtin"))[:100]
    message = str(info.get("message", ""))[:MESSAGE_CHARS]
    try:
        args = decode(info.get("args"), [], _no_refs) if info.get("args") is not None else None
    except ProtocolError:
        args = None
    base_class = BUILTIN_EXCEPTIONS.get(base)
    if base_class is not None and name == base:
        try:
            return base_class(*(args if type(args) is list else [message]))
        except Exception:
            pass
    key = (name, base_class)
    cls = _student_classes.get(key)
    if cls is None:
        bases = (StudentError,) if base_class in (None, Exception) else (StudentError, base_class)
        try:
            cls = type(name, bases, {"__module__": "student"})
        except TypeError:
            cls = type(name, (StudentError,), {"__module__": "student"})
        if len(_student_classes) < MAX_CLASSES:
            _student_classes[key] = cls
    return cls(message)
