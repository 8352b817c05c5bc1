"""runner.grade against an in-process stand-in for the student process (support/stand_in):
time budgets, restarts, poisoned functions and blocked cases, without a fork server.
Student time is simulated (``spend``), so nothing here depends on the machine's speed."""
import json

import pytest

from autograder.cases import Case
from autograder.grading import results
from autograder.grading.runner import MAX_STARTS, Job, Limits, grade
from autograder.grading.sandbox.process import SETUP_FAILED, GraderError
from autograder.grading.submissions import Submission
from stand_in import StandInServer

LIMITS = Limits(timeout=40.0)   # a case may use a quarter: 10 s


def double_is_right(double):
    assert double(2) == 4, "double(2) should be 4"


def double_of_three(double):
    assert double(3) == 6, "double(3) should be 6"


def square_is_right(square):
    assert square(3) == 9, "square(3) should be 9"


def hidden_square(square):
    assert square(4) == 16


def hidden_double(double):
    assert double(5) == 10


CASES = (Case("q1", double_is_right), Case("q1", double_of_three),
         Case("q2", square_is_right), Case("q2", hidden_square, hidden=True),
         Case("q1", hidden_double, 2.0, hidden=True))
GOOD = {"double": "def double(x):\n    return 2 * x",
        "square": "def square(x):\n    return x * x"}


def submission(*sources, error="") -> Submission:
    cells = [{"number": i, "source": s} for i, s in enumerate(sources)]
    return Submission("alice", "alice.ipynb", "sha", cells, error=error)


def run(*sources, cases=CASES, limits=LIMITS, server=None, error=""):
    server = server or StandInServer()
    job = Job(cases, {}, {}, limits, "fingerprint")
    result = grade(submission(*sources, error=error), job, server)
    return result, server, {c["id"]: c for c in result.cases}


def test_a_right_submission_gets_every_point_in_one_process():
    result, server, _ = run(GOOD["double"], GOOD["square"])
    assert result.status == "graded" and result.detail == ""
    assert result.total == sum(c.points for c in CASES)
    assert len(server.spawned) == 1 and server.spawned[0].closed
    assert result.staff_only["output"] == "printed"


def test_public_cases_run_before_hidden_ones():
    _, server, _ = run(GOOD["double"], GOOD["square"])
    arguments = [args for _, args in server.spawned[0].calls]
    assert arguments == [(2,), (3,), (3,), (4,), (5,)]


def test_a_hung_function_costs_its_cases_and_one_restart_never_the_others():
    hangs = "def double(x):\n    spend(1e6)\n    return 2 * x"
    result, server, cases = run(hangs, GOOD["square"])
    first = cases["q1.double_is_right"]
    assert not first["passed"]
    assert first["message"] == \
        f"time limit: double did not finish within {LIMITS.case_timeout:g} s per case"
    for later in ("q1.double_of_three", "q1.hidden_double"):
        assert cases[later]["message"] == \
            "not run: double ran out of time in q1.double_is_right"
    assert cases["q2.square_is_right"]["passed"] and cases["q2.hidden_square"]["passed"]
    assert len(server.spawned) == 2, "the process is replaced once"
    assert result.status == "timeout" and "q1.double_is_right" in result.detail


def test_a_function_that_ends_the_process_is_poisoned_the_same_way():
    dies = "def square(x):\n    die()"
    result, server, cases = run(GOOD["double"], dies)
    assert cases["q2.square_is_right"]["message"].startswith(
        "the student process ended during square")
    assert cases["q2.hidden_square"]["message"] == \
        "not run: square ended the student process in q2.square_is_right"
    assert all(cases[c]["passed"] for c in cases if c.startswith("q1."))
    assert result.status == "error" and len(server.spawned) == 2


def test_a_function_that_exhausts_memory_costs_its_later_cases_and_no_more_time():
    hoards = "def square(x):\n    spend(3)\n    raise MemoryError()"
    result, server, cases = run(GOOD["double"], hoards)
    assert cases["q2.square_is_right"]["message"] == "MemoryError: "
    assert cases["q2.hidden_square"]["message"] == \
        "not run: square ran out of memory in q2.square_is_right"
    assert [name for name, _ in server.spawned[0].calls].count("square") == 1
    assert all(cases[c]["passed"] for c in cases if c.startswith("q1."))
    assert result.status == "graded" and len(server.spawned) == 1


def test_the_process_is_started_a_bounded_number_of_times():
    checks = []
    for i in range(MAX_STARTS + 2):  # a function per case, each ends the process
        exec(f"def kills_{i}(f{i}):\n    f{i}()", globals())
        checks.append(Case(f"q{i}", globals()[f"kills_{i}"]))
    sources = [f"def f{i}():\n    die()" for i in range(MAX_STARTS + 2)]
    result, server, cases = run(*sources, cases=tuple(checks))
    assert len(server.spawned) == MAX_STARTS
    blocked = [c for c in cases.values() if c["message"].startswith("not run: the student")]
    assert [c["id"] for c in blocked] == [f"q{i}.kills_{i}" for i in range(MAX_STARTS,
                                                                           MAX_STARTS + 2)]
    assert blocked[0]["message"] == f"not run: the student process ended {MAX_STARTS} times"


def test_the_submission_budget_covers_every_case():
    """Each call takes 9 s of the 40 s: the fifth case has 4 s left, not enough."""
    slow = {name: f"def {name}(x):\n    spend(9)\n    return {body}"
            for name, body in (("double", "2 * x"), ("square", "x * x"))}
    result, server, cases = run(slow["double"], slow["square"],
                                limits=Limits(timeout=40.0, case_seconds=39.0))
    assert [c["passed"] for c in result.cases[:4]] == [True] * 4
    last = cases["q1.hidden_double"]
    assert not last["passed"] and "time limit" in last["message"]
    assert result.status == "timeout" and len(server.spawned) == 1


def test_a_notebook_past_the_budget_fails_every_case_with_the_reason():
    result, server, cases = run("spend(1e6)", GOOD["double"])
    assert result.status == "timeout" and result.total == 0
    assert {c["message"] for c in result.cases} == {
        "not run: time limit: the notebook (cell 0) did not finish within "
        f"{LIMITS.timeout:g} s per submission"}
    assert len(server.spawned) == 1, "a notebook that hangs is not run again"


def test_notebook_errors_of_the_first_run_are_the_students_later_ones_staff_only():
    dies = "def square(x):\n    die()"
    result, _, _ = run("raise ValueError('oops')", GOOD["double"], dies)
    assert result.notebook_errors == [{"cell": 0, "error": "ValueError: oops"}]
    assert result.staff_only["later_notebook_errors"] == [
        [{"cell": 0, "error": "ValueError: oops"}]]
    assert "1 cell(s) raised errors, first: cell 0: ValueError: oops" in result.detail


def test_a_sandbox_that_cannot_be_set_up_is_graded_again_next_run():
    server = StandInServer()
    server.setup_error = "no memory"
    result, _, cases = run(GOOD["double"], GOOD["square"], server=server)
    assert result.final is False and result.status == "error"
    assert cases["q1.double_is_right"]["message"] == f"not run: {SETUP_FAILED}"
    assert "no memory" in str(result.staff_only["process_ends"])


def test_an_invalid_submission_is_never_run():
    server = StandInServer()
    result, _, _ = run(server=server, error="not a Jupyter notebook")
    assert result.status == "invalid" and server.spawned == []
    assert {c["message"] for c in result.cases} == {"not graded: not a Jupyter notebook"}


@pytest.mark.parametrize("missing", ["double", "square"])
def test_an_undefined_function_fails_only_its_cases(missing):
    result, server, _ = run(GOOD["square" if missing == "double" else "double"])
    for case in result.cases:
        needs = next(c for c in CASES if c.id == case["id"]).needs
        assert case["passed"] == (missing not in needs)
        if missing in needs:
            assert case["message"] == f"not defined: {missing}"
    assert len(server.spawned) == 1


def test_a_death_says_the_process_ended_never_how():
    """Its exit code or signal is a function of what the student's code computed (hidden
    inputs included): staff only."""
    result, _, cases = run(GOOD["double"], "def square(x):\n    die()")
    shown = json.dumps([result.detail, [c["message"] for c in result.cases]])
    assert "SIGKILL" not in shown and "code" not in shown
    assert result.staff_only["process_ends"] == [
        "q2.square_is_right: square: died: killed by SIGKILL"]


def test_time_limit_texts_state_the_limits_not_the_time_left():
    """What was left of the submission's time depends on the hidden cases before: the
    text names the configured limit only."""
    texts = set()
    for first in (9, 17):  # the hidden square case takes this long, then double hangs
        sources = (f"def square(x):\n    spend({first} if x == 4 else 0)\n    return x * x",
                   "def double(x):\n    spend(0 if x != 5 else 1e6)\n    return 2 * x")
        result, _, cases = run(*sources, limits=Limits(timeout=40.0, case_seconds=39.0))
        texts.add((result.detail, cases["q1.hidden_double"]["message"]))
    assert texts == {("q1.hidden_double: time limit: double did not finish within 40 s per "
                      "submission", "time limit: double did not finish within 40 s per "
                      "submission")}


def _raises(namespace):
    raise KeyError("a bug of the grader's own")


@pytest.mark.parametrize("read", [_raises, lambda ns: {"accuracy": float("nan")}])
def test_a_failure_of_the_grader_becomes_the_submissions_error(read):
    """A measurement that raises, or a result that does not check, is this submission's
    error, named, never an exception out of grade(); it is graded again next run."""
    server = StandInServer()
    job = Job(CASES, {}, {}, LIMITS, "fingerprint", benchmark=("q1", read))
    result = grade(submission(GOOD["double"], GOOD["square"]), job, server)
    assert result.status == "error" and result.final is False and result.total == 0
    assert result.detail.startswith("the grader failed while grading alice (")
    assert "grader_error" in result.staff_only and server.spawned[0].closed
    results.check(result)


def test_the_grader_losing_its_sandbox_server_still_stops_the_run():
    class Gone(StandInServer):
        def spawn(self, plan):
            raise GraderError("the sandbox server stopped")
    with pytest.raises(GraderError):
        run(GOOD["double"], server=Gone())
