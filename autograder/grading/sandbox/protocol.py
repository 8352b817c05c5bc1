"""Wire format between the grader and a sandboxed student process. No pickle anywhere.

A message is ``u32 header length | JSON header | blobs``; ``header["blobs"]`` lists the
blob sizes. Values inside a header are JSON with tagged objects:

    {"L": [...]} list   {"T": [...]} tuple   {"D": [[key, value], ...]} dict
    {"A": i} ndarray and {"S": i} numpy scalar: blob i holds .npy bytes (allow_pickle=False)
    {"X": i, "dtype": .., "device": .., "grad": ..} torch tensor (blob i: its values, .npy)
    {"B": i} bytes   {"R": state} numpy Generator (its bit generator's state)
    {"E": 0} Ellipsis   {"C": [re, im]} complex
    {"H": id, "type": name} an object that stays in the sandbox (a handle)
    {"I": id} an iterator that stays in the sandbox
    {"T"/"L"/"D": ..., "ref": id} a tuple/list/dict subclass: its items, plus a handle

What cannot be written as data goes through the ``to_ref`` hook (the sandbox keeps it and
sends a handle; the grader refuses); handles come back through ``from_ref``.

Requests (grader -> student process, ``header["op"]``, constants in :class:`Op`) and the
reply each gets (keys in :class:`Reply`). ``value``: encoded as above; ``writeback``: the
arguments the student changed in place, ``[{"path": ["a", i] | ["k", name], "value": ..}]``.

    op           request fields                 reply
    exec         cells [{number, source}],      {"cell": n} before each cell (progress),
                 files {name: text}             then ok: {errors: [{cell, error}]}
    describe     names [str]                    ok: {name: {kind: "missing" | "data" (+ value)
                                                          | "function" | "generator" (+ name)}}
    call         target (global name or         ok: value, writeback
                 {"H": handle}), args, kwargs   | raise: exception description, writeback
    next         iterator (handle)              ok: item | stop: return value; writeback
    getattr      target {"H": handle}, name     ok: value | raise
    stage        values [value]                 ok: {"L": [{"H": handle, "type": ..}]}
    synchronize  -                              ok: null (the student's GPU work is done)
    output       -                              ok: the tail of the printed output (text)
    close        -                              none: the student process exits

Any request may instead get ``fail: text`` (the request itself could not be served: a
value that cannot cross, an unknown handle or operation). Before the first request, a
student process sends one message of its own, ``{"isolation": record}`` (what its
confinement applied: isolation.IsolationRecord), written before any student code exists:
the grader keeps and prints that record, never what a later message says.
"""
from __future__ import annotations

import io
import json
import re
import socket
import struct
import sys
import time

import numpy as np

HEADER_LIMIT = 64 << 20        # requests carry the notebook (at most 32 MB of it)
REPLY_HEADER_LIMIT = 16 << 20  # replies: JSON the grader parses into Python objects
MESSAGE_LIMIT = 512 << 20
MAX_DEPTH = 64
MESSAGE_CHARS = 2000  # an exception's text: cut by the student process, and again here
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_LENGTH = struct.Struct("<I")
_NPY_MAGIC = b"\x93NUMPY\x01\x00"
_NPY_PREFIX = len(_NPY_MAGIC) + 2
_NPY_HEADER = re.compile(rb"\x93NUMPY\x01\x00..\{'descr': '(?P<descr>[^']+)', "
                         rb"'fortran_order': False, 'shape': \((?P<shape>[0-9, ]*)\), \} *\n",
                         re.DOTALL)


class Op:
    """Request operations (``header["op"]``); the module docstring has the table."""

    EXEC = "exec"
    DESCRIBE = "describe"
    CALL = "call"
    NEXT = "next"
    GETATTR = "getattr"
    STAGE = "stage"
    SYNCHRONIZE = "synchronize"
    OUTPUT = "output"
    CLOSE = "close"


class Reply:
    """Keys of a reply: its outcome, and what travels with it."""

    OK = "ok"                # the request's result
    RAISE = "raise"          # student code raised: a description of the exception
    FAIL = "fail"            # the request could not be served
    STOP = "stop"            # an iterator is exhausted: its return value
    PROGRESS = "cell"        # exec: the number of the cell about to run (not a reply)
    WRITEBACK = "writeback"  # arguments changed in place


class ProtocolError(Exception):
    """A message that is malformed, too large or not decodable."""


class ChannelClosed(ProtocolError):
    """The other end went away (EOF)."""


class ChannelTimeout(Exception):
    """No complete message before the deadline."""


class CannotCross(TypeError):
    """A value that cannot travel as plain data."""


# ----------------------------------------------------------------------------- values
def _npy(array: np.ndarray, blobs: list) -> int:
    """Append ``array`` as .npy bytes (format 1.0, C order); returns the blob index."""
    descr = np.lib.format.dtype_to_descr(array.dtype)
    if isinstance(descr, str):  # the common case, written directly (np.save is slow)
        header = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (descr, array.shape)
        header += " " * (-(len(_NPY_MAGIC) + 2 + len(header) + 1) % 64) + "\n"
        blobs.append(_NPY_MAGIC + struct.pack("<H", len(header)) + header.encode("latin1")
                     + np.ascontiguousarray(array).tobytes())
    else:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        blobs.append(buffer.getvalue())
    return len(blobs) - 1


def _from_npy(blob) -> np.ndarray:
    """Array from .npy bytes; never unpickles (object dtypes are refused)."""
    match = _NPY_HEADER.match(bytes(blob[:_NPY_PREFIX + 256]))
    if match is None:  # other .npy layouts: numpy's own reader, pickles refused
        try:
            return np.load(io.BytesIO(blob), allow_pickle=False)
        except (ValueError, OSError, EOFError) as e:
            raise ProtocolError(f"bad array data ({e})") from None
    try:
        dtype = np.lib.format.descr_to_dtype(match["descr"].decode())
    except (TypeError, ValueError) as e:
        raise ProtocolError(f"bad array dtype ({e})") from None
    if dtype.hasobject:
        raise ProtocolError("object arrays are not accepted")
    shape = tuple(int(n) for n in match["shape"].split(b",") if n.strip())
    offset = _NPY_PREFIX + struct.unpack("<H", blob[len(_NPY_MAGIC):_NPY_PREFIX])[0]
    count = int(np.prod(shape, dtype=np.int64))
    if len(blob) - offset != count * dtype.itemsize:
        raise ProtocolError("array data of the wrong size")
    array = np.frombuffer(blob, dtype, count, offset).reshape(shape)
    return array if array.flags.writeable else array.copy()


def _tensor(value, blobs: list) -> dict:
    torch = sys.modules["torch"]
    data = value.detach().cpu()
    try:
        array = data.numpy()
    except TypeError:  # bfloat16 and other dtypes numpy lacks
        array = data.float().numpy()
    return {"X": _npy(array, blobs), "dtype": str(value.dtype).removeprefix("torch."),
            "device": str(value.device), "grad": bool(value.requires_grad),
            **({"param": True} if isinstance(value, torch.nn.Parameter) else {})}


def _from_tensor(tag: dict, blobs: list):
    import torch

    dtype = getattr(torch, str(tag["dtype"]), None)
    if not isinstance(dtype, torch.dtype):
        raise ProtocolError(f"unknown tensor dtype {tag['dtype']!r}")
    tensor = torch.from_numpy(_from_npy(_blob(blobs, tag["X"])).copy()).to(dtype)
    device = str(tag.get("device", "cpu"))
    if device != "cpu" and device.startswith("cuda") and torch.cuda.is_available():
        tensor = tensor.to(device)
    if tag.get("param"):
        return torch.nn.Parameter(tensor, requires_grad=bool(tag.get("grad")))
    return tensor.requires_grad_(bool(tag.get("grad")))


def _is_tensor(value) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor) \
        and value.layout == torch.strided and not value.is_quantized


def encode(value, blobs: list, to_ref, depth: int = 0):
    """JSON-able form of ``value``; binary parts are appended to ``blobs``."""
    if depth > MAX_DEPTH:
        raise CannotCross("data nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if kind is list:
        return {"L": [encode(v, blobs, to_ref, depth + 1) for v in value]}
    if kind is tuple:
        return {"T": [encode(v, blobs, to_ref, depth + 1) for v in value]}
    if kind is dict:
        return {"D": [[encode(k, blobs, to_ref, depth + 1), encode(v, blobs, to_ref, depth + 1)]
                      for k, v in value.items()]}
    if kind is bytes:
        blobs.append(value)
        return {"B": len(blobs) - 1}
    if kind is complex:
        return {"C": [value.real, value.imag]}
    if value is Ellipsis:
        return {"E": 0}
    if isinstance(value, np.ndarray) and not value.dtype.hasobject:
        return {"A": _npy(value, blobs), **({} if value.flags.writeable else {"ro": True})}
    if isinstance(value, np.generic) and not value.dtype.hasobject:
        return {"S": _npy(np.asarray(value), blobs)}
    if _is_tensor(value):
        return _tensor(value, blobs)
    if isinstance(value, np.random.Generator) and \
            type(value.bit_generator).__name__ in BIT_GENERATORS:
        return {"R": encode(value.bit_generator.state, blobs, to_ref, depth + 1)}
    return to_ref(value, lambda v: encode(v, blobs, to_ref, depth + 1))


def decode(value, blobs: list, from_ref):
    """Inverse of :func:`encode`. Whatever ``value`` and ``blobs`` hold (the peer may send
    anything) and whatever ``from_ref`` raises, the only exception is ProtocolError."""
    try:
        return _decode(value, blobs, from_ref, 0)
    except ProtocolError:
        raise
    except Exception as e:  # a lying state, a number too large, too deep, too big, ...
        raise ProtocolError(f"undecodable value ({type(e).__name__})") from None


def _decode(value, blobs: list, from_ref, depth: int):
    if depth > MAX_DEPTH + 1:
        raise ProtocolError("data nested too deeply")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is not dict or len(value) == 0:
        raise ProtocolError(f"unexpected {type(value).__name__} in a message")
    if "ref" in value or "H" in value or "I" in value:
        return from_ref(value, lambda v: _decode(v, blobs, from_ref, depth + 1))
    tag, body = next(iter(value.items()))
    items = lambda: [_decode(v, blobs, from_ref, depth + 1) for v in _list(body)]  # noqa: E731
    if tag == "L":
        return items()
    if tag == "T":
        return tuple(items())
    if tag == "D":
        return {_decode(k, blobs, from_ref, depth + 1): _decode(v, blobs, from_ref, depth + 1)
                for k, v in (_pair(p) for p in _list(body))}
    if tag == "A":
        array = _from_npy(_blob(blobs, body))
        if value.get("ro"):
            array.flags.writeable = False
        return array
    if tag == "S":
        return _from_npy(_blob(blobs, body))[()]
    if tag == "X":
        return _from_tensor(value, blobs)
    if tag == "B":
        return bytes(_blob(blobs, body))
    if tag == "C":
        re, im = _list(body)
        return complex(float(re), float(im))
    if tag == "E":
        return Ellipsis
    if tag == "R":
        state = _decode(body, blobs, from_ref, depth + 1)
        name = state.get("bit_generator") if isinstance(state, dict) else None
        if name not in BIT_GENERATORS:
            raise ProtocolError(f"unknown bit generator {name!r}")
        bit_generator = getattr(np.random, name)()
        bit_generator.state = state
        return np.random.Generator(bit_generator)
    raise ProtocolError(f"unknown tag {tag!r}")


def _list(body) -> list:
    if type(body) is not list:
        raise ProtocolError("expected a list")
    return body


def _pair(body) -> list:
    if type(body) is not list or len(body) != 2:
        raise ProtocolError("expected a key-value pair")
    return body


def _blob(blobs: list, index):
    if type(index) is not int or not 0 <= index < len(blobs):
        raise ProtocolError(f"bad blob index {index!r}")
    return blobs[index]


# ----------------------------------------------------------------------------- messages
class Channel:
    """Messages over a connected stream socket, with size limits and deadlines."""

    CHUNK = 1 << 16

    def __init__(self, sock: socket.socket, limit: int = MESSAGE_LIMIT,
                 header_limit: int = HEADER_LIMIT):
        self.sock, self.limit, self.header_limit = sock, limit, header_limit
        self.received = 0  # bytes read from the socket so far
        self._buffer = bytearray()

    def send(self, header: dict, blobs: list = (), deadline: float | None = None) -> None:
        """Send one message; ChannelTimeout if the peer stops reading past ``deadline``."""
        header = {**header, "blobs": [len(b) for b in blobs]}
        data = json.dumps(header).encode()
        parts = [_LENGTH.pack(len(data)) + data, *blobs]
        if sum(len(p) for p in parts) <= self.CHUNK:
            parts = [b"".join(parts)]
        try:
            for part in parts:
                self.sock.settimeout(None if deadline is None
                                     else max(deadline - time.monotonic(), 1e-3))
                self.sock.sendall(part)
        except socket.timeout:
            raise ChannelTimeout from None
        except OSError as e:
            raise ChannelClosed(str(e)) from None

    def recv(self, deadline: float | None = None) -> tuple[dict, list]:
        """Next message; ChannelTimeout after ``deadline`` (time.monotonic())."""
        (size,) = _LENGTH.unpack(self._read(_LENGTH.size, deadline))
        if size > self.header_limit:
            raise ProtocolError(f"message header of {size} bytes")
        try:
            header = json.loads(self._read(size, deadline))
            if type(header) is not dict:
                raise TypeError
            sizes = header["blobs"]
            if type(sizes) is not list or any(type(n) is not int or n < 0 for n in sizes):
                raise ValueError
        except (ValueError, KeyError, TypeError, RecursionError) as e:
            raise ProtocolError(f"malformed message header ({type(e).__name__})") from None
        if sum(sizes) > self.limit:
            raise ProtocolError(f"message of {sum(sizes)} bytes (limit {self.limit})")
        return header, [self._read(n, deadline) for n in sizes]

    def _read(self, n: int, deadline: float | None) -> bytearray:
        """Exactly ``n`` bytes: small reads are served from a read-ahead buffer."""
        while len(self._buffer) < n and n - len(self._buffer) < self.CHUNK:
            chunk = bytearray(self.CHUNK)
            chunk = chunk[:self._recv_into(memoryview(chunk), deadline)]
            self._buffer += chunk
        if len(self._buffer) >= n:
            data = self._buffer[:n]
            del self._buffer[:n]
            return data
        data = bytearray(n)
        got = len(self._buffer)
        data[:got] = self._buffer
        self._buffer.clear()
        view = memoryview(data)
        while got < n:
            got += self._recv_into(view[got:], deadline)
        return data

    def _recv_into(self, view: memoryview, deadline: float | None) -> int:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChannelTimeout
            self.sock.settimeout(remaining)
        else:
            self.sock.settimeout(None)
        try:
            count = self.sock.recv_into(view)
        except socket.timeout:
            raise ChannelTimeout from None
        except OSError as e:
            raise ChannelClosed(str(e)) from None
        if count == 0:
            raise ChannelClosed("connection closed")
        self.received += count
        return count
