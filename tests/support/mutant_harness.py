"""Load the mutant corpus (tests/mutants/) and turn variants into student code.

A variant is a function ``correct_<style>`` or ``wrong_<mistake>`` in
``tests/mutants/<function>.py``; renamed to ``<function>`` it becomes a student's answer.
The numeric answers of Q7 are pairs in ``tests/mutants/megabytes.py: VARIANTS``.
"""
from __future__ import annotations

import ast
import copy
import importlib
import inspect
import pkgutil
import textwrap
from contextlib import contextmanager

import numpy as np
import numpy.random.bit_generator as bit_generator
from dataclasses import dataclass

import solutions.optimization as reference
from autograder.cases import run_case
from autograder.grading.sandbox.server import reproducible_randomness
from autograder.optimization import CASES
from autograder.otter_format import defined_names

import mutants


@dataclass(frozen=True)
class Variant:
    function: str      # student name it replaces ("adam_step", or "megabytes")
    name: str          # "wrong_eps_inside_sqrt"
    source: str        # student code defining ``function`` (or megabytes_1/2)

    @property
    def correct(self) -> bool:
        return self.name.startswith("correct_")

    @property
    def id(self) -> str:
        return f"{self.function}.{self.name}"

    @property
    def question(self) -> str:
        needs = "megabytes_1" if self.function == "megabytes" else self.function
        return next(c.question for c in CASES if needs in c.needs)


def _renamed_source(fn, new_name: str) -> str:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    tree.body[0].name = new_name
    return ast.unparse(tree)


def load_variants() -> list[Variant]:
    """Every variant of the corpus, in a stable order."""
    out = []
    for info in sorted(pkgutil.iter_modules(mutants.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"mutants.{info.name}")
        if info.name == "megabytes":
            out += [Variant("megabytes", name, f"megabytes_1 = {m1!r}\nmegabytes_2 = {m2!r}")
                    for name, (m1, m2) in module.VARIANTS.items()]
            continue
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith(("correct_", "wrong_")) and fn.__module__ == module.__name__:
                out.append(Variant(info.name, name, _renamed_source(fn, info.name)))
    return out


def student_namespace(variant: Variant) -> dict:
    """The reference answers with ``variant`` in place of its function, all defined in one
    namespace as in a notebook (a reference sample_beta calls the variant sample_log_uniform)."""
    namespace = {"np": np}
    for name in reference.__all__:
        value = getattr(reference, name)
        if inspect.isfunction(value):
            exec(compile(textwrap.dedent(inspect.getsource(value)), f"<{name}>", "exec"),
                 namespace)
        else:
            namespace[name] = value
    exec(compile(variant.source, f"<{variant.id}>", "exec"), namespace)
    return namespace


def replace_answers(nb, variants):
    """Copy of the solution notebook ``nb`` with each variant's cell replaced by it."""
    nb = copy.deepcopy(nb)
    for variant in variants:
        for cell in nb.cells:
            name = "megabytes_1" if variant.function == "megabytes" else variant.function
            if cell.cell_type == "code" and name in defined_names(cell.source):
                cell.source = variant.source
                break
        else:
            raise LookupError(f"no answer cell for {variant.function}")
    return nb


def rounds(variants, key: str = "question"):
    """Groups holding at most one variant per ``key`` ("question" or "function"; one
    notebook each), largest first."""
    groups: dict[str, list[Variant]] = {}
    for v in variants:
        groups.setdefault(getattr(v, key), []).append(v)
    depth = max(len(vs) for vs in groups.values())
    return [[vs[i] for vs in groups.values() if i < len(vs)] for i in range(depth)]


def score(variant):
    """(points, max points, failure messages) of ``variant`` on its question."""
    namespace = student_namespace(variant)
    results = [run_case(c, namespace) for c in CASES if c.question == variant.question]
    return (sum(r.score for r in results), sum(r.case.points for r in results),
            [f"{r.case.name}: {r.message}" for r in results if not r.passed])


@contextmanager
def seeded_randomness(seed: int):
    """This process draws from seeded generators and fresh entropy as a student process
    does (sandbox.server.reproducible_randomness), then as before."""
    randbits = bit_generator.randbits
    reproducible_randomness(seed)
    try:
        yield
    finally:
        bit_generator.randbits = randbits
