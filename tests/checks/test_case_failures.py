"""What a failed case says (autograder/cases.py run_case), directly and through the sealed
grader's proxies: the student's exception as theirs, an error the check raises itself on
a value it cannot use as the check's (with the student's value), an untouched stub as
"not implemented yet"."""
import numpy as np
import pytest
import torch

from autograder.cases import Case, run_case


def mean_loss(loss):
    """A check that converts the student's result itself (as checks of a scalar do)."""
    value = float(loss(np.array([[0.0, 1.0], [2.0, 0.5]]), np.array([0, 1])))
    assert abs(value - 1.0) < 10, f"loss(z, y) = {value}"


def model_outputs(build):
    """A check calling a method of the object the student returned (an nn.Module)."""
    model = build()
    out = model(torch.zeros(2, 3))
    assert tuple(out.shape) == (2, 1)


PER_SAMPLE = "import numpy as np\ndef loss(z, y):\n    return -np.asarray(z)[np.arange(2), y]\n"
RAISES = "def loss(z, y):\n    raise KeyError('boom')\n"
STUB = "def loss(z, y):\n    '''doc'''\n    ...\n"
UNFINISHED = "def loss(z, y):\n    raise NotImplementedError\n"
FORWARD_RAISES = ("import torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
                  "        return x @ torch.zeros(4, 1)\ndef build():\n    return Net()\n")
CASES = {"loss": Case("q1", mean_loss), "build": Case("q1", model_outputs)}


def direct(source, name):
    namespace = {}
    exec(compile(source, "<student>", "exec"), namespace)
    return run_case(CASES[name], namespace)


@pytest.fixture(params=["direct", "sealed"])
def outcome(request):
    if request.param == "direct":
        return direct
    sandbox = request.getfixturevalue("run")
    return lambda source, name: run_case(CASES[name], sandbox(source, name)[0])


def test_an_error_in_the_check_names_the_students_value_not_their_exception(outcome):
    result = outcome(PER_SAMPLE, "loss")
    assert not result.passed and not result.message.startswith("TypeError")
    assert result.message.startswith("loss returned an array of shape (2,) float64, a value "
                                     "the check could not use (TypeError: "), result.message
    assert "raised in the check, not in your code" in result.message


def test_the_students_exception_is_theirs(outcome):
    assert outcome(RAISES, "loss").message == "KeyError: 'boom'"
    message = outcome(FORWARD_RAISES, "build").message
    assert message.startswith("RuntimeError: ") and "shapes cannot be multiplied" in message


def test_an_untouched_stub_is_not_implemented_yet(outcome):
    assert outcome(STUB, "loss").message == \
        "loss is not implemented yet: it returned None (or its return statement is missing)"
    assert outcome(UNFINISHED, "loss").message == \
        "loss is not implemented yet (it raises NotImplementedError)"
