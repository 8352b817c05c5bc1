"""The wire format: values survive the trip with their types; nothing is unpickled;
malformed or oversized messages are rejected, never trusted."""
import io
import pickle
import socket
import struct
import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.grading.sandbox.protocol import (CannotCross, Channel, ChannelClosed,
                                                 ChannelTimeout, ProtocolError, decode, encode)


def refuse(value, child):
    raise CannotCross(type(value).__name__)


def no_refs(tag, child):
    raise ProtocolError("handle")


def roundtrip(value):
    blobs = []
    return decode(encode(value, blobs, refuse), blobs, no_refs)


plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.integers() | st.text(), inner, max_size=4), max_leaves=20)


@settings(max_examples=60, deadline=None)
@given(plain)
def test_plain_values_roundtrip_with_their_types(value):
    assert roundtrip(value) == value
    assert type(roundtrip(value)) is type(value)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)))
def test_arrays_roundtrip_bit_for_bit(array):
    back = roundtrip(array)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert back.tobytes() == array.tobytes() and back.flags.writeable


def test_scalars_tensors_generators_keep_their_kind():
    assert type(roundtrip(np.float32(2.5))) is np.float32
    tensor = roundtrip(torch.arange(6, dtype=torch.bfloat16).reshape(2, 3).requires_grad_())
    assert tensor.dtype == torch.bfloat16 and tensor.requires_grad and tensor.shape == (2, 3)
    rng = np.random.default_rng(5)
    rng.random(7)
    copy = roundtrip(rng)
    assert np.array_equal(copy.random(4), rng.random(4))
    readonly = np.arange(3)
    readonly.flags.writeable = False
    assert not roundtrip(readonly).flags.writeable


def test_objects_that_are_not_data_go_through_the_hook():
    class Opaque:
        pass
    for value in (Opaque(), np.array([object()]), lambda: 1):
        with pytest.raises(CannotCross):
            encode(value, [], refuse)
    nested = []
    for _ in range(100):
        nested = [nested]
    with pytest.raises(CannotCross):
        encode(nested, [], refuse)


def npy_with_pickle() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


@pytest.mark.parametrize("tag, blobs", [
    ({"A": 0}, [npy_with_pickle()]),
    ({"A": 0}, [pickle.dumps([1, 2])]),
    ({"A": 0}, [b"\x93NUMPY\x01\x00" + struct.pack("<H", 60) + b"{'descr': '<f8', "
                b"'fortran_order': False, 'shape': (1000,), }" + b" " * 15 + b"\n"]),
    ({"A": 3}, []),
    ({"Z": 0}, []),
    ({"R": {"D": [["bit_generator", "os.system"]]}}, []),
    ({"X": 0, "dtype": "Tensor"}, [b""]),
    ([1, 2], []),
])
def test_malformed_values_are_rejected(tag, blobs):
    with pytest.raises(ProtocolError):
        decode(tag, blobs, no_refs)


def test_channel_limits_and_deadlines():
    a, b = socket.socketpair()
    sender, receiver = Channel(a), Channel(b, limit=1000)
    sender.send({"x": 1}, [b"12345"])
    header, blobs = receiver.recv(time.monotonic() + 1)
    assert header["x"] == 1 and bytes(blobs[0]) == b"12345"
    with pytest.raises(ChannelTimeout):
        receiver.recv(time.monotonic() + 0.1)
    sender.send({}, [bytes(2000)])
    with pytest.raises(ProtocolError):
        receiver.recv(time.monotonic() + 1)
    c, d = socket.socketpair()
    c.sendall(struct.pack("<I", 10) + b'{"blobs"')  # cut short
    c.close()
    with pytest.raises(ChannelClosed):
        Channel(d).recv(time.monotonic() + 1)
    e, f = socket.socketpair()
    e.sendall(struct.pack("<I", 5) + b"{nope")
    with pytest.raises(ProtocolError):
        Channel(f).recv(time.monotonic() + 1)


def test_every_operation_is_tabled_and_served(monkeypatch):
    """Each Op has a row in protocol's table and a handler in the student process; an
    unknown operation gets a ``fail`` reply, not a crash of the student process."""
    import sys

    from autograder.grading.sandbox import protocol
    from autograder.grading.sandbox.server import StudentServer

    ops = {v for k, v in vars(protocol.Op).items() if k.isupper()}
    table = protocol.__doc__.split("op           request fields")[1]
    assert all(f"\n    {op} " in table for op in ops), "a request missing from the table"
    ours, theirs = socket.socketpair()
    server = StudentServer(Channel(theirs))
    assert set(server.operations) == ops - {protocol.Op.CLOSE}
    monkeypatch.setitem(sys.modules, "otter", None)  # serve() installs its otter stub
    grader = Channel(ours)
    grader.send({"op": "unlink"})
    grader.send({"op": protocol.Op.CLOSE})
    server.serve()
    reply, _ = grader.recv(time.monotonic() + 5)
    assert list(reply) == [protocol.Reply.FAIL, "blobs"] and "unknown operation" in reply["fail"]
