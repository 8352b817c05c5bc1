"""grader.check shows a failed check's message first, then the check's call: on the reports
Otter 7 itself writes (otter.test_files.ok_test), for every kind of failure."""
import pytest
from otter.test_files.abstract_test import TestFile
from otter.test_files.ok_test import OKTestFile

from autograder import otter_messages

CHECKS = '''
import numpy as np
from autograder.optimization.public import all_of, call

def single(f):
    assert f(2) == 4, f"f(2) should be 4, got {f(2)}"

def several(f):
    all_of(lambda: single(f), lambda: single(lambda x: 0))

def silent(f):
    assert f(2) == 4

def calls_the_student(f):
    call(f, np.zeros(3))

def nested(f):
    def deeper():
        def deepest():
            raise ValueError("a value the check did not expect")
        deepest()
    deeper()

def chained(f):
    try:
        {}["k"]
    except KeyError as e:
        raise RuntimeError("while reading the results") from e
'''


def student_function(x):
    raise IndexError("index 3 is out of bounds")


FAILURES = {  # check call -> the message the student must see first
    "single(lambda x: x + 1)": "f(2) should be 4, got 3",
    "several(lambda x: x + 1)": "f(2) should be 4, got 3\nf(2) should be 4, got 0",
    "silent(lambda x: x)": "the check failed (it gives no message)",
    "calls_the_student(student)": "IndexError: index 3 is out of bounds (raised by "
                                  "student_function(argument 1) with argument 1 of shape "
                                  "(3,) float64)",
    "nested(None)": "ValueError: a value the check did not expect",
    "chained(None)": "RuntimeError: while reading the results",
    "undefined_function(1)": "NameError: name 'undefined_function' is not defined",
}


def otter_result(call: str):
    """The test file Otter builds and runs for one public test cell ``call``."""
    spec = {"name": "q1", "points": None, "suites": [{"cases": [{
        "code": f">>> from checks import *\n>>> {call}\n", "hidden": False, "locked": False,
        "points": 1}], "scored": True, "setup": "", "teardown": "", "type": "doctest"}]}
    test = OKTestFile.from_spec(spec)
    test.run({"student": student_function})
    return test


@pytest.fixture(autouse=True)
def checks_module(tmp_path, monkeypatch):
    (tmp_path / "checks.py").write_text(CHECKS)
    monkeypatch.syspath_prepend(str(tmp_path))
    originals = {name: getattr(TestFile, name) for name in ("summary", "_repr_html_")}
    otter_messages.install()
    otter_messages.install()  # twice: wrapped once
    yield
    for name, method in originals.items():
        setattr(TestFile, name, method)


@pytest.mark.parametrize("call, message", FAILURES.items())
def test_a_failure_shows_its_message_first_then_the_call(call, message):
    test = otter_result(call)
    raw = test.test_case_results[0].message
    assert raw.startswith("❌ Test case failed\nTrying:") and "Traceback" in raw  # Otter's
    text = test.summary()
    result = text.split("q1 - 1 result:\n", 1)[1].split("\n")
    shown = [line.strip() for line in result]
    expected = message.split("\n")
    assert shown[0] == f"❌ {expected[0]}" and shown[1:len(expected)] == expected[1:]
    assert shown[len(expected):] == [f"check: {call}"]  # one more line, then nothing
    html = test._repr_html_()  # what Jupyter shows (Otter puts the message in a <pre>)
    assert "Traceback" not in html and "Trying:" not in html
    assert html.index(f"❌ {expected[0]}") < html.index(f"check: {call}")


def test_a_passing_case_and_other_reports_are_shown_as_otter_writes_them():
    test = otter_result("single(lambda x: 2 * x)")
    assert test.test_case_results[0].passed and "All test cases passed" in test.summary()
    printed = "❌ Test case failed\nTrying:\n    print(1)\nExpecting nothing\n***\n" \
              "Failed example:\n    print(1)\nExpected nothing\nGot:\n    1\n"
    assert otter_messages.message_first(printed) == printed
    shown = otter_messages.message_first(otter_result("single(lambda x: 0)").test_case_results[
        0].message)
    assert otter_messages.message_first(shown) == shown  # idempotent


def test_without_otter_install_does_nothing(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_otter(name, *args, **kwargs):
        if name.startswith("otter"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_otter)
    otter_messages.install()  # no error
