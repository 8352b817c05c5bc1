"""The sandbox boundary: what checks see of student objects, and what student code sees
of the machine."""
import inspect
import json
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.grading.sandbox import isolation
from autograder.grading.sandbox.process import GraderError, SandboxLost, TimeBudget
from autograder.grading.sandbox.proxy import Remote, StudentError
from autograder.grading.runner import Limits

ROOT = Path(__file__).resolve().parents[2]




def test_generator_functions_stay_generator_functions(run):
    ns, _ = run("def batches(n, size):\n"
                "    if size < 1:\n        raise ValueError('size')\n"
                "    for i in range(0, n, size):\n        yield list(range(i, min(i + size, n)))\n"
                "def listed(n):\n    return [1, 2]", "batches", "listed")
    assert inspect.isgeneratorfunction(ns["batches"])
    assert not inspect.isgeneratorfunction(ns["listed"])
    assert list(ns["batches"](5, 2)) == [[0, 1], [2, 3], [4]]
    bad = ns["batches"](5, 0)  # raised when first advanced, as with a real generator
    with pytest.raises(ValueError):
        next(bad)


def test_exceptions_keep_their_builtin_type(run):
    ns, _ = run("class Mine(ValueError):\n    pass\n"
                "def raises(kind):\n"
                "    if kind == 'key': raise KeyError('k')\n"
                "    if kind == 'mine': raise Mine('custom')\n"
                "    if kind == 'exit': raise SystemExit(3)\n", "raises")
    with pytest.raises(KeyError) as info:
        ns["raises"]("key")
    assert str(info.value) == str(KeyError("k"))
    with pytest.raises(ValueError) as info:  # a subclass of ValueError is still caught
        ns["raises"]("mine")
    assert isinstance(info.value, StudentError) and type(info.value).__name__ == "Mine"
    with pytest.raises(StudentError):  # never a SystemExit in the grader
        ns["raises"]("exit")


def test_values_cross_with_their_types(run):
    ns, _ = run("import numpy as np, torch\n"
                "def echo(x):\n    return x\n"
                "def make():\n    return (np.float32(1.5), 3, 2.0, [1, (2,)], {1: 'a'}, None, ...,"
                " torch.ones(2, dtype=torch.float64, requires_grad=True), b'x', 1 + 2j)\n",
                "echo", "make")
    f32, i, f, nested, mapping, none, ellipsis, tensor, raw, z = ns["make"]()
    assert type(f32) is np.float32 and type(i) is int and type(f) is float
    assert nested == [1, (2,)] and mapping == {1: "a"} and none is None and ellipsis is ...
    assert tensor.dtype == torch.float64 and tensor.requires_grad and raw == b"x" and z == 1 + 2j
    x = np.arange(6, dtype=np.float32).reshape(2, 3)[:, ::2]
    assert np.array_equal(ns["echo"](x), x) and ns["echo"](x).dtype == np.float32
    assert torch.equal(ns["echo"](torch.arange(4)), torch.arange(4))


def test_in_place_changes_are_written_back(run):
    ns, _ = run("def mutate(x, items, rng):\n"
                "    x += 1\n    items.append(4)\n    rng.random(3)\n    return None\n"
                "def gen(x):\n    x[0] = 99\n    yield 1\n", "mutate", "gen")
    x, items, rng = np.zeros(3), [1], np.random.default_rng(0)
    ns["mutate"](x, items, rng)
    expected = np.random.default_rng(0)
    expected.random(3)
    assert np.array_equal(x, np.ones(3)) and items == [1, 4]
    assert rng.bit_generator.state == expected.bit_generator.state
    y = np.zeros(2)
    list(ns["gen"](y))
    assert y[0] == 99


def test_objects_that_are_not_data_stay_in_the_sandbox(run):
    ns, _ = run("import collections\nPair = collections.namedtuple('Pair', 'a b')\n"
                "class Cache:\n    def __init__(self, v):\n        self.v = v\n"
                "def forward(v):\n    return v * 2, Cache(v)\n"
                "def backward(cache):\n    return isinstance(cache, Cache) and cache.v\n"
                "def pair():\n    return Pair(1, 2)\n"
                "def is_pair(p):\n    return type(p) is Pair\n",
                "forward", "backward", "pair", "is_pair")
    out, cache = ns["forward"](3)
    assert out == 6 and isinstance(cache, Remote) and cache.v == 3
    assert ns["backward"](cache) == 3  # passed back as the original object
    a, b = ns["pair"]()
    assert (a, b) == (1, 2) and ns["pair"]().a == 1 and ns["is_pair"](ns["pair"]())
    with pytest.raises(TypeError):  # a check cannot hand its own objects to student code
        ns["backward"](object())


def test_time_limit_and_death_end_the_student_process(run):
    ns, process = run("import time, os\ndef hang():\n    time.sleep(60)\n"
                      "def die():\n    os._exit(3)\n", "hang", "die", deadline=2)
    started = time.monotonic()
    with pytest.raises(SandboxLost) as lost:
        ns["hang"]()
    assert lost.value.kind == "timeout" and lost.value.target == "hang"
    assert time.monotonic() - started < 30  # the deadline (2 s) ended it, not the 60 s sleep
    ns, _ = run("import os\ndef die():\n    os._exit(3)\n", "die")
    with pytest.raises(SandboxLost) as lost:
        ns["die"]()
    assert lost.value.kind == "died" and "exited with code 3" in lost.value.staff
    assert lost.value.detail == ""  # students never read how it ended


def test_student_time_is_charged_to_an_explicit_budget(server):
    """Only the time the student process takes is spent, and a request needs a budget."""
    process = server.spawn(isolation.make_plan([ROOT], Limits(timeout=20, memory_mb=512),
                                               None))
    try:
        with pytest.raises(GraderError, match="outside any time budget"):
            process.execute([], {})
        with process.charged_to(TimeBudget(20)) as budget:
            process.execute([{"number": 1, "source": "import time\ntime.sleep(0.5)\n"
                                                    "def nap(s):\n    time.sleep(s)\n"}], {})
            nap = process.describe(["nap"])["nap"]
            time.sleep(0.5)  # the grader's own time: not spent
            nap(0.3)
        assert 0.8 <= budget.spent < 1.3, budget.spent
        with process.charged_to(TimeBudget(0.2)) as short, pytest.raises(SandboxLost):
            nap(5)
        assert short.left <= 0
    finally:
        process.close()


PROBE = f"""
import os, socket, json
def probe():
    seen = {{}}
    for path in {[str(ROOT / 'autograder/optimization/hidden/q5_optimizers.py'),
                  str(ROOT / 'solutions/optimization/optimizers.py'), '/root', '/home']!r}:
        try:
            seen[path] = 'file' if open(path).read() else 'empty'
        except IsADirectoryError:
            seen[path] = os.listdir(path)
        except OSError as e:
            seen[path] = type(e).__name__
    try:
        socket.create_connection(('1.1.1.1', 53), timeout=2)
        seen['network'] = 'open'
    except OSError:
        seen['network'] = 'closed'
    try:
        open('/usr/advopt-probe', 'w')
        seen['write'] = 'yes'
    except OSError:
        seen['write'] = 'no'
    seen['pids'] = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
    seen['uid'] = os.getuid()
    return json.dumps(seen)
"""


def test_student_code_sees_no_secrets_no_network_no_other_processes(run):
    ns, process = run(PROBE, "probe")
    seen = json.loads(ns["probe"]())
    info = process.execute([], {})["isolation"]
    if info.get("filesystem") != "sealed":
        pytest.skip(f"namespaces not permitted here: {info}")
    for path in (ROOT / "autograder/optimization/hidden/q5_optimizers.py",
                 ROOT / "solutions/optimization/optimizers.py"):
        assert seen[str(path)] == "FileNotFoundError", seen
    installed = {Path(p).parts[2] for p in isolation.make_plan([], Limits(), None)["expose"]
                 if p.startswith("/root/")}  # the Python installation may live under /root
    assert set(seen["/root"]) <= installed and seen["/home"] == [] and seen["write"] == "no"
    assert seen["pids"] == [1]
    if info["network"] == "none":
        assert seen["network"] == "closed"
    if isolation.os.geteuid() == 0:
        assert seen["uid"] != 0


def test_randomness_is_the_same_in_every_student_process(run):
    """Fresh generators (rng=None), the global ones and torch's draw the same numbers in
    every student process, so a notebook gets one score; calls still differ."""
    code = ("import random, numpy as np, torch\n"
            "def draw():\n"
            "    return [float(np.random.default_rng().random()), float(np.random.rand()),\n"
            "            random.random(), float(torch.rand(1))]")
    first, _ = run(code, "draw")
    second, _ = run(code, "draw")
    drawn = first["draw"]()
    assert drawn == second["draw"]()
    assert first["draw"]() != drawn
