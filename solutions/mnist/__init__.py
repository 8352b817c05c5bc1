"""Reference solutions of assignment 2, ``mnist`` (docs/spec.md, "Assignment 2")."""
from solutions.optimization.minibatch import minibatches
from .model import build_model
from .train import fit
from .search import random_search, BEST_HPARAMS

__all__ = ["minibatches", "build_model", "fit", "random_search", "BEST_HPARAMS"]
