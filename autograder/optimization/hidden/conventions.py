"""Hidden checks of docs/spec.md's conventions for every numpy stub, on drawn inputs.

Each stub's case judges its space's form edges (space.py: the same call as float64, float32
and float16 arrays with numpy-scalar hyperparameters, as Python lists; integer arrays where
the prompt names the rule) and a few calls drawn in such forms. Every call is judged as its
values case judges it (the same
``judge_<stub>`` of its question's module) and, on top of that, for the conventions:

- dtype: a float result has the dtype of the input SPEC names (all arrays alike in a drawn
  call; dropout's ``dout``, batch norm's ``x``), float64 for integer inputs and lists, also
  when a hyperparameter is a numpy scalar (``np.float64(0.9) * float32_array`` is float64);
- types: results are numpy arrays (numbers where SPEC returns a scalar), minibatches'
  batches arrays for arrays and lists, tensors for tensors;
- in place: no argument, state arrays and lists included, differs after the call.

A placeholder (``return np.zeros_like(x)``) follows every convention, so the values are
judged too: the conventions are credited only to a function whose values are right.
Stubs without array inputs have their conventions in their own cases (init_layer,
training_memory, the samplers, lr_decay).
"""
from functools import partial

from autograder.drawn import search
from autograder.optimization.hidden import (
    q1_minibatches as q1, q3_dropout as q3, q4_batchnorm as q4, q5_optimizers as q5,
    q6_softmax as q6,
)
from autograder.optimization.hidden.space import SPACES

JUDGES = {
    "minibatches": q1.judge_epoch, "dropout_mask": q3.judge_mask,
    "dropout_forward": q3.judge_forward, "dropout_backward": q3.judge_backward,
    "batchnorm_forward": q4.judge_forward, "batchnorm_backward": q4.judge_backward,
    "momentum_step": q5.judge_momentum, "rmsprop_step": q5.judge_rmsprop,
    "adam_step": q5.judge_adam, "ema": q5.judge_ema, "softmax": q6.judge_softmax,
    "softmax_jacobian": q6.judge_softmax_jacobian, "cross_entropy": q6.judge_cross_entropy,
    "cross_entropy_grad": q6.judge_cross_entropy_grad,
}


FORM_EXAMPLES = 3   # drawn forms per stub on top of its form edges (one per form)


def conventions(name, *functions):
    """Judge ``name``'s form edges and a few drawn forms with the conventions."""
    judge = partial(JUDGES[name], *functions, conventions=True)
    search(f"{name}.conventions", SPACES[name].forms, judge, SPACES[name].form_edges,
           examples=FORM_EXAMPLES)


def minibatches_follows_the_conventions(minibatches):
    """Lists give array batches; X's and y's dtypes kept (float16, integers); labels with
    several columns; numpy-int batch sizes; X and y untouched."""
    conventions("minibatches", minibatches)


def dropout_forward_follows_the_conventions(dropout_forward):
    """float x keeps its dtype, integer or list x gives float64 out; numpy-scalar p; x
    untouched."""
    conventions("dropout_forward", dropout_forward)


def dropout_backward_follows_the_conventions(dropout_backward):
    """dout decides dx's dtype, whatever the mask's; lists accepted; inputs untouched."""
    conventions("dropout_backward", dropout_backward)


def batchnorm_forward_follows_the_conventions(batchnorm_forward):
    """x decides out's dtype (integers: float64), the running statistics theirs, also with
    numpy-scalar momentum and eps; lists accepted; inputs and running statistics untouched."""
    conventions("batchnorm_forward", batchnorm_forward)


def batchnorm_backward_follows_the_conventions(batchnorm_forward, batchnorm_backward):
    """float32 forward and dout give float32 gradients; lists accepted; dout untouched."""
    conventions("batchnorm_backward", batchnorm_forward, batchnorm_backward)


def momentum_step_follows_the_conventions(momentum_step):
    """w, v keep the arrays' dtype, also with numpy-scalar lr and beta; no input or state
    changed in place; lists accepted."""
    conventions("momentum_step", momentum_step)


def rmsprop_step_follows_the_conventions(rmsprop_step):
    """w, s keep the arrays' dtype, also with numpy-scalar lr, beta, eps; no input or state
    changed in place; lists accepted."""
    conventions("rmsprop_step", rmsprop_step)


def adam_step_follows_the_conventions(adam_step):
    """w, m, v keep the arrays' dtype, also with a numpy t (np.power(beta1, t) is a float64
    scalar) and numpy-scalar hyperparameters; no input or state changed in place; lists
    accepted."""
    conventions("adam_step", adam_step)


def ema_follows_the_conventions(ema):
    """float values keep their dtype, integers and lists give float64; values untouched."""
    conventions("ema", ema)


def softmax_follows_the_conventions(softmax):
    """float z keeps its dtype, integers and lists give float64; z untouched."""
    conventions("softmax", softmax)


def softmax_jacobian_follows_the_conventions(softmax_jacobian):
    """float s keeps its dtype; s untouched; a list accepted."""
    conventions("softmax_jacobian", softmax_jacobian)


def cross_entropy_follows_the_conventions(cross_entropy):
    """The loss is a number for every form of z and y; z and y untouched; lists accepted."""
    conventions("cross_entropy", cross_entropy)


def cross_entropy_grad_follows_the_conventions(cross_entropy_grad):
    """float z keeps its dtype, integers and lists give float64; z and y untouched."""
    conventions("cross_entropy_grad", cross_entropy_grad)
