"""Reference solutions of assignment 1, ``optimization`` (docs/spec.md, Q1-Q8)."""
from .minibatch import minibatches
from .init import init_layer
from .dropout import dropout_mask, dropout_forward, dropout_backward
from .batchnorm import batchnorm_forward, batchnorm_backward
from .optimizers import momentum_step, rmsprop_step, adam_step, ema
from .softmax import softmax, softmax_jacobian, cross_entropy, cross_entropy_grad
from .memory import training_memory, megabytes_1, megabytes_2
from .search import sample_log_uniform, sample_beta, lr_decay

__all__ = [
    "minibatches", "init_layer", "dropout_mask", "dropout_forward", "dropout_backward",
    "batchnorm_forward", "batchnorm_backward", "momentum_step", "rmsprop_step", "adam_step",
    "ema", "softmax", "softmax_jacobian", "cross_entropy", "cross_entropy_grad",
    "training_memory", "megabytes_1", "megabytes_2", "sample_log_uniform", "sample_beta",
    "lr_decay",
]
