"""Drawn checks (autograder/drawn.py) are reproducible and report the smallest failure:
the same search draws the same inputs whatever the process imported before it, a failure
shrinks to the smallest failing input and names its seed, a failing function costs at most
``CALLS`` calls, and named edges come first."""
import sys

import pytest
from hypothesis import strategies as st

from autograder import drawn

SIZES = st.integers(0, 2**16)


def draws(what="test_drawn.sizes", strategy=SIZES, examples=40) -> list:
    seen: list = []
    drawn.search(what, strategy, seen.append, examples=examples)
    return seen


def test_a_search_draws_the_same_inputs_every_time():
    first = draws()
    assert len(first) == 40 and len(set(first)) > 30
    assert draws() == first
    assert draws("test_drawn.other") != first   # each search has its own seed


def test_importing_a_module_does_not_change_what_is_drawn(tmp_path, monkeypatch):
    """Hypothesis mixes constants of loaded local modules into its draws unless drawn.py
    turns that off: a module full of in-range constants must change nothing."""
    before = draws()
    constants = [40_000 + 7 * i for i in range(300)]
    (tmp_path / "drawn_constants_module.py").write_text(f"VALUES = {constants}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "drawn_constants_module", raising=False)
    __import__("drawn_constants_module")
    after = draws()
    assert after == before
    assert not set(after) & set(constants)


def test_a_failure_shrinks_to_the_smallest_failing_input_and_names_its_seed():
    def judge(x):
        if x >= 1000:   # raised, not asserted: pytest would add its own explanation
            raise AssertionError(f"x = {x} is too large")

    with pytest.raises(AssertionError) as failure:
        drawn.search("test_drawn.shrinks", SIZES, judge)
    message = str(failure.value)
    assert message.startswith("x = 1000 is too large\n(smallest failing input")
    assert f"seed {drawn.seed_of('test_drawn.shrinks')}" in message
    with pytest.raises(AssertionError) as again:
        drawn.search("test_drawn.shrinks", SIZES, judge)
    assert str(again.value) == message


def test_a_failing_function_costs_at_most_calls_judged_inputs():
    calls = []

    def judge(x):
        calls.append(x)
        raise AssertionError("never holds")

    with pytest.raises(AssertionError, match="never holds"):
        drawn.search("test_drawn.bounded", st.lists(SIZES, min_size=5), judge)
    assert 1 <= len(calls) <= drawn.CALLS


def test_named_edges_come_first_and_stop_the_search():
    judged = []

    def judge(x):
        judged.append(x)
        if x == "edge b":
            raise AssertionError("edge b fails")

    with pytest.raises(AssertionError, match=r"^edge b fails\n\(a named edge of 'test_drawn"):
        drawn.search("test_drawn.edges", SIZES, judge, edges=["edge a", "edge b", "edge c"])
    assert judged == ["edge a", "edge b"]


@pytest.mark.parametrize("value, shown", [
    (None, "None"), (3, "3"), (drawn.np.float32(0.5), "np.float32(0.5)"),
    ([1.0, 2.0], "a list [1., 2.] float64"),
    (drawn.np.zeros((30, 2)), "an array of shape (30, 2) float64 (values from 0 to 0)"),
])
def test_show_describes_a_drawn_value(value, shown):
    assert drawn.show(value) == shown
