"""Generative tests of the grader: whatever a submission sends, the run completes and it
can only change its own row.

Hostile values are drawn for every field a student controls (Hypothesis, derandomized:
the same examples on every run): text of every Unicode category with lone surrogates
and control characters, huge and non-finite numbers, deep and huge containers, tagged
values that lie (a Generator whose state is not one, numbers beyond a float, handles,
write-backs and exception descriptions that are not), corrupt archives of every
compression a zip may use, file names that are not UTF-8. They are fed to

- the protocol decoder and the grader's end of a student process (forged replies);
- the submission reader (notebooks, zips, folders and file names);
- every output writer (gradebook, exports, feedback, report, written pages, leaderboard,
  similarity) and the results store;
- ``grade_folder`` end to end: a few drawn hostile notebooks beside an honest one.
"""
from __future__ import annotations

import io
import json
import math
import os
import socket
import struct
import zipfile
from dataclasses import asdict
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import grading_notebooks as nbs
from autograder.cases import questions as question_points
from autograder.grading import results
from autograder.grading.manual import Marking
from autograder.grading.outputs import (exports, feedback, gradebook, leaderboard, report,
                                        similarity, written)
from autograder.grading.outputs.run import Run
from autograder.grading.results import Result
from autograder.grading.sandbox.process import SandboxLost, StudentProcess, TimeBudget
from autograder.grading.sandbox.protocol import Channel, ProtocolError, Reply
from autograder.grading.sandbox.proxy import (BUILTIN_EXCEPTIONS, StudentError,
                                              decode_reply)
from autograder.grading.submissions import Submission, discover
from autograder.measurement import Measurement
from autograder.optimization import CASES


def fuzz(examples: int):
    """Deterministic (derandomized, no example database) and bounded."""
    return settings(derandomize=True, database=None, deadline=None, max_examples=examples,
                    suppress_health_check=list(HealthCheck))


POINTS = question_points(CASES)

# ----------------------------------------------------------------------------- values
characters = st.characters(exclude_categories=()) | st.characters(categories=["Cs", "Cc", "Cf"])
text = st.text(characters, max_size=40) | st.sampled_from([
    "\ud800", "\x1b]52;c;cm0gLXJmIH4=\x07", "\x1b[2J\x1b]0;owned\x07", "=cmd|' /C calc'!A0",
    "</pre><script>alert(1)</script>", "$$\\frac{a}{b}$$", "a\u202eb", "\x00", "..", "/"])
numbers = (st.integers() | st.floats() | st.sampled_from([10**400, -10**400, 2**63, 1e308])
           | st.just(float("nan")) | st.just(float("inf")))
scalars = st.none() | st.booleans() | numbers | text
TAGS = ("L", "T", "D", "A", "S", "X", "B", "C", "E", "R", "H", "I", "ref", "Z")


def tagged(inner):
    """A tagged value as the wire format writes them, with a body that may lie."""
    extra = st.dictionaries(st.sampled_from(["dtype", "ro", "type", "grad", "param", "device",
                                             "ref"]), inner, max_size=2)
    return st.builds(lambda tag, body, more: {tag: body, **more},
                     st.sampled_from(TAGS), inner, extra)


wire = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | tagged(inner)
                    | st.dictionaries(text, inner, max_size=3), max_leaves=12)


def npy(descr: str, shape: str, data: bytes) -> bytes:
    header = "{'descr': %r, 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    header += " " * (-(12 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data


blob = st.binary(max_size=64) | st.builds(
    npy, st.sampled_from(["<f8", "<i4", "|O", "<U3", "|V8", "garbage", "<f2"]),
    st.sampled_from(["(2,)", "()", "(0, 3)", "(3, -1)", "(99999999999,)"]),
    st.binary(max_size=32))
blobs = st.lists(blob, max_size=3)


def deep(depth: int):
    """A list nested ``depth`` times (the decoder must refuse, not recurse without end)."""
    value: object = 1
    for _ in range(depth):
        value = {"L": [value]}
    return value


def grader_end():
    """The grader's end of a student process whose peer the test plays; kills are no-ops
    (there is no process behind it) and its exit status reads as none."""
    ours, theirs = socket.socketpair()
    read, write = os.pipe()
    os.close(write)
    student = StudentProcess(Channel(ours), 0, None, read)
    return student, Channel(theirs)


@pytest.fixture
def no_kill():
    """No process stands behind ``grader_end``: killing it does nothing."""
    with mock.patch.object(StudentProcess, "kill", lambda self: None):
        yield


# ----------------------------------------------------------------------------- decoder
@fuzz(300)
@given(value=wire | st.sampled_from([deep(80), deep(2000)]), blobs=blobs)
def test_decoding_a_forged_value_raises_only_protocol_errors(value, blobs, no_kill):
    student, _ = grader_end()
    try:
        decode_reply(student, value, blobs, "f")
    except ProtocolError:
        pass
    finally:
        student.close()


replies = st.dictionaries(
    st.sampled_from([Reply.OK, Reply.RAISE, Reply.FAIL, Reply.STOP, Reply.WRITEBACK, "x"]),
    wire | st.builds(lambda t, b, m, a: {"type": t, "builtin": b, "message": m, "args": a},
                     text | st.sampled_from(["KeyError", "ValueError"]),
                     text | st.sampled_from(["KeyError", "ValueError", "BaseException"]),
                     wire, wire),
    max_size=3)
arguments = st.lists(st.sampled_from([np.zeros(3), np.zeros((2, 2), np.float32), [1, 2],
                                      {"a": 1}, 3.0, np.random.default_rng(0)]), max_size=3)


@fuzz(300)
@given(reply=replies, blobs=blobs, args=arguments)
def test_a_forged_reply_is_a_value_or_the_students_exception(reply, blobs, args, no_kill):
    """What a call gives back: a value, or an exception that stands for the student's
    (StudentError, or a builtin type the reply names), never a grader error."""
    student, _ = grader_end()
    try:
        student._result(reply, blobs, "f", (tuple(a.copy() if hasattr(a, "copy") else a
                                                  for a in args), {}))
    except StudentError:
        pass
    except Exception as e:
        assert Reply.RAISE in reply and type(e) in BUILTIN_EXCEPTIONS.values(), repr(e)
    finally:
        student.close()


greetings = st.one_of(st.just({"isolation": {"mode": "root", "filesystem": "sealed"}}),
                      st.dictionaries(text, wire, max_size=2),
                      st.builds(lambda r: {"isolation": r}, wire))


@fuzz(60)
@given(greeting=greetings, reply=st.dictionaries(text | st.sampled_from(
    [Reply.OK, Reply.PROGRESS]), wire, max_size=3), raw=st.sampled_from(
    [b"", b"\xff" * 16, struct.pack("<I", 2**31) + b"{}", struct.pack("<I", 4) + b"[1]x"]))
def test_forged_messages_lose_the_process_or_give_well_formed_data(greeting, reply, raw,
                                                                   no_kill):
    """A student process that answers anything to exec, describe and output: the grader
    gets well-formed data, or SandboxLost (never another exception)."""
    for request in ("execute", "describe", "output"):
        student, peer = grader_end()
        try:
            peer.send(greeting)
            peer.send(reply)
            if raw:
                peer.sock.sendall(raw)
            peer.sock.shutdown(socket.SHUT_WR)  # then end of file: nothing waits
            with student.charged_to(TimeBudget(5)):
                if request == "execute":
                    got = student.execute([{"number": 1, "source": "x = 1"}], {})
                    assert all(type(e["cell"]) is int and type(e["error"]) is str
                               for e in got["errors"])
                    assert all(type(k) is str and type(v) in (str, list)
                               for k, v in got["isolation"].items())
                elif request == "describe":
                    student.describe(["f", "x"])
                else:
                    assert type(student.output()) is str
        except SandboxLost as lost:
            assert lost.kind in ("died", "timeout") and "code" not in lost.detail
        finally:
            student.close()


# ----------------------------------------------------------------------------- submissions
cell_sources = text | st.lists(text | numbers | st.none(), max_size=3) | numbers | wire
attachments = st.dictionaries(text, st.dictionaries(
    st.sampled_from(["image/png", "image/gif", "text/html", "image/svg+xml"]),
    text | st.lists(text | numbers, max_size=3) | numbers | st.none(), max_size=2) | wire,
    max_size=2) | wire
cells = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["code", "markdown", "raw"]) | text | st.none(),
     "source": cell_sources},
    optional={"metadata": st.fixed_dictionaries({}, optional={
        "tags": st.lists(text | st.sampled_from(["otter_ignore", "otter_answer_cell"]),
                         max_size=2) | wire}) | wire,
        "attachments": attachments, "outputs": wire})
written_cells = st.lists(st.sampled_from(["<!-- BEGIN QUESTION -->\n\nprompt",
                                          "<!-- END QUESTION -->"]) | text, max_size=4).map(
    lambda sources: [{"cell_type": "markdown", "source": s} for s in sources])
notebooks = st.builds(lambda cs, extra: {"cells": cs + extra, "nbformat": 4, "metadata": {}},
                      st.lists(cells | wire, max_size=5), written_cells) | wire
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


def zipped(notebook: bytes, compression: int, flips: list[tuple[int, int]], cut: int) -> bytes:
    """A grader.export() zip of ``notebook``, corrupted: bytes flipped, the end cut."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("optimization.ipynb", notebook)
    data = bytearray(buffer.getvalue())
    for at, value in flips:
        data[at % len(data)] ^= value or 1
    return bytes(data[:len(data) - cut % max(len(data) // 2, 1)])


def encoded(value) -> bytes:
    try:
        return json.dumps(value).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):
        return b"{"


submission_files = st.one_of(
    notebooks.map(encoded),
    st.binary(max_size=200),
    st.builds(zipped, notebooks.map(encoded) | st.just(nbs.notebook(nbs.student_cells())),
              st.sampled_from(COMPRESSIONS),
              st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=3),
              st.integers(0, 10**6)))
file_names = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="/\0"), min_size=1, max_size=20),
    st.binary(min_size=1, max_size=20).filter(lambda b: b"/" not in b and b"\0" not in b
                                               and b not in (b".", b"..")).map(os.fsdecode))


@fuzz(60)
@given(files=st.lists(st.tuples(file_names, st.sampled_from([".ipynb", ".zip", ""]),
                                submission_files), min_size=1, max_size=4))
def test_any_folder_of_files_gives_one_submission_each_never_an_exception(files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    written_names = set()
    for name, suffix, data in files:
        path = folder / (name + suffix)
        try:
            path.write_bytes(data)
            written_names.add(path.name)
        except OSError:  # a name the filesystem refuses (too long, ...)
            continue
    candidates = [n for n in written_names if n.endswith((".ipynb", ".zip"))
                  and not n.startswith((".", "__MACOSX"))]
    try:
        found = discover(folder)
    except Exception as e:
        assert not candidates, f"{type(e).__name__}: {e}"
        return
    assert 1 <= len(found) <= len(written_names)   # a row for each person, whatever they sent
    assert len({s.student for s in found}) == len(found)
    for submission in found:
        assert submission.error or submission.cells is not None
        for block in submission.written:
            assert sum(len(c["source"]) for c in block["cells"]) < 30_000
            assert all(isinstance(v, dict) for c in block["cells"]
                       for v in c["attachments"].values())


# ----------------------------------------------------------------------------- outputs
def drawn_result(student, status, detail, messages, errors, finite, benchmark, meta, flags):
    cases = []
    for i, case in enumerate(CASES):
        message = messages[i % len(messages)] if messages else ""
        cases.append(results.case_record(case, type("R", (), {
            "score": case.points if flags[i % len(flags)] else 0.0,
            "passed": flags[i % len(flags)], "message": message, "seed": 2**31 - 1 - i,
            "diagnosis": [{"name": f"{case.name}.{message[:5]}", "explanation": message,
                           **({"general": True} if i % 2 else {})}]
            if message else []})()))
    return Result(student, detail, "0" * 64, "f", status, detail, cases,
                  [{"cell": n, "error": e} for n, e in errors], [], {"filesystem": detail},
                  finite, True, meta, {"output": detail}, benchmark)


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)
benchmarks = st.none() | st.builds(Measurement, finite, st.none() | finite, text, text, finite,
                                   text, text)
metas = st.fixed_dictionaries({}, optional={
    "canvas_user_id": text, "name": text, "submission": text,
    "submitters": st.lists(st.dictionaries(st.sampled_from(["name", "sid", "email"]), text,
                                           max_size=3), max_size=2)})
drawn_results = st.lists(st.builds(
    drawn_result, st.uuids().map(lambda u: f"s{u.hex[:8]}"), st.sampled_from(results.STATUSES),
    text, st.lists(text, min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(-10**6, 10**6), text), max_size=2), finite, benchmarks,
    metas, st.lists(st.booleans(), min_size=1, max_size=4)), min_size=1, max_size=3)


@fuzz(25)
@given(drawn=drawn_results, code=st.lists(text, max_size=3),
       answers=st.lists(text | st.sampled_from(["$" + "x" * 5000 + "$", "$$\\frac{a}{$$",
                                                 "> " * 300 + "deep", "[" * 500]), max_size=2))
def test_every_writer_writes_any_valid_result(drawn, code, answers, tmp_path_factory):
    """Results as the grader keeps them (checked: every field of its type), holding any
    text and number: every output is written, in UTF-8, and reading a result back gives
    it whole."""
    out = tmp_path_factory.mktemp("out")
    for result in drawn:
        results.check(result)
        results.save(out, result)
        assert results.load(out, result.student) == result
    marking = Marking.start("optimization", out, [])
    submissions = tuple(Submission(r.student, r.source, r.sha256, [{"number": 1, "source": c}
                                                                   for c in code],
                                   written=[{"prompt": q.prompt, "cells": [
                                       {"cell_type": "markdown", "source": a, "attachments": {}}
                                       for a in answers]} for q in marking.questions])
                        for r in drawn)
    run = Run(drawn, {**POINTS, **marking.points}, "optimization", True, submissions, marking,
              tuple(similarity.similar_pairs(submissions, CASES)))
    for output in (written, gradebook, exports, feedback, similarity, report, leaderboard):
        output.write(out, run)
    for path in out.rglob("*"):
        if path.is_file() and path.suffix != ".png":
            path.read_bytes().decode("utf-8")  # valid UTF-8, whatever the text was


@fuzz(100)
@given(seed=wire | numbers, general=wire | numbers,
       extra=st.sampled_from(["", "general", "seed", "both"]))
def test_a_case_seed_and_a_general_diagnosis_check_by_type(seed, general, extra):
    """A case's seed is an int and a diagnosis' ``general`` is True; anything else is
    refused by name, as every other field."""
    case = results.case_record(CASES[0], type("R", (), {
        "score": 0.0, "passed": False, "message": "m", "seed": 3,
        "diagnosis": [{"name": "f.compared", "explanation": "e", "general": True}]})())
    if extra in ("seed", "both"):
        case["seed"] = seed
    if extra in ("general", "both"):
        case["diagnosis"][0]["general"] = general
    result = Result("alice", "alice.ipynb", "0" * 64, "f", cases=[case])
    valid = type(case["seed"]) is int and case["diagnosis"][0]["general"] is True
    if valid:
        results.check(result)
    else:
        with pytest.raises(ValueError, match=r"cases\[0\]\.(seed|diagnosis)"):
            results.check(result)


@fuzz(100)
@given(data=st.dictionaries(st.sampled_from([f.name for f in
                                             Result.__dataclass_fields__.values()]),
                            wire | numbers, max_size=8))
def test_a_stored_result_that_does_not_check_is_never_reused(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    base = asdict(Result("alice", "alice.ipynb", "0" * 64, "f"))
    path = results.path(out, "alice")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({**base, **data}, default=repr))
    loaded = results.load(out, "alice")
    if loaded is not None:
        results.check(loaded)
        for number in (loaded.seconds, *(c["score"] for c in loaded.cases)):
            assert math.isfinite(number)


# ----------------------------------------------------------------------------- end to end
HOSTILE_CELLS = {
    "raises": lambda t, n: f"raise ValueError({t!r})",
    "prints": lambda t, n: f"print({t!r})",
    "exits": lambda t, n: f"import os\nos._exit({n % 256})",
    "answer": lambda t, n: f"megabytes_1 = {n!r}\nmegabytes_2 = {t!r}",
    "returns": lambda t, n: f"def softmax(z):\n    return {n!r}",
    "yields": lambda t, n: f"def minibatches(X, y, batch_size, **kw):\n    while True:\n"
                           f"        yield {t!r}, {n!r}",
    "lies": lambda t, n: "import gc\nsrv = next(o for o in gc.get_objects() if type(o).__name__"
                         " == 'StudentServer')\nsrv.operations['call'] = lambda h, b, o: "
                         "{'ok': {'R': {'D': [['bit_generator', 'PCG64'], ['state', "
                         f"{n!r}]]}}}}}}",
}
integers = st.integers(-10**30, 10**30) | st.sampled_from([10**400, 2**64])


@pytest.mark.slow
@settings(derandomize=True, database=None, deadline=None, max_examples=3,
          suppress_health_check=list(HealthCheck))
@given(hostile=st.lists(st.tuples(st.lists(st.tuples(st.sampled_from(sorted(HOSTILE_CELLS)),
                                                      text, integers), min_size=1, max_size=3),
                                  written_cells, file_names),
                        min_size=1, max_size=3))
def test_hostile_notebooks_beside_an_honest_one(hostile, tmp_path_factory):
    """The run completes, every submission has exactly one row, the honest one its score."""
    from autograder.grading.batch import grade_folder
    from autograder.grading.runner import Limits

    folder, out = tmp_path_factory.mktemp("in"), tmp_path_factory.mktemp("out")
    (folder / "honest.ipynb").write_bytes(nbs.notebook(nbs.solution_cells()))
    names = {"honest"}
    for i, (actions, written_block, name) in enumerate(hostile):
        extra = [HOSTILE_CELLS[kind](t, n) for kind, t, n in actions]
        stem = f"h{i}-{name}"
        try:
            (folder / f"{stem}.ipynb").write_bytes(
                nbs.notebook(nbs.solution_cells(), extra, written_block))
        except OSError:
            stem = f"h{i}"
            (folder / f"{stem}.ipynb").write_bytes(
                nbs.notebook(nbs.solution_cells(), extra, written_block))
        names.add(stem)
    grade_folder(folder, out, limits=Limits(timeout=20, memory_mb=1024), jobs=2,
                 progress=False)
    rows = nbs.read_gradebook(out)
    assert len(rows) == len(names) and "honest" in rows
    assert float(rows["honest"]["total"]) == sum(c.points for c in CASES)
    assert rows["honest"]["status"] == "graded"
    assert len(list((out / "feedback").glob("*.html"))) == len(names)
