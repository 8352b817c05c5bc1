"""``dist/<name>/student/requirements.txt``: what a student installs for one assignment.

A light environment, with nothing a student does not use:

- Otter's own requirements, read from its installed metadata, less what only Otter's
  other tools use: the PDF-through-a-browser extra of nbconvert (``nbconvert[webpdf]``:
  playwright, 165 MB; ``grader.export(pdf=False)`` never uses it) and the Sphinx
  extension of its config library fica (Sphinx and docutils, 30 MB). Otter and fica are
  therefore installed last, without their dependencies (``NO_DEPS``);
- a Jupyter kernel (ipykernel) and a way to open the notebook (Jupyter Notebook);
- the assignment's own packages, ``STUDENT_PACKAGES`` of its checks module (e.g.
  ``("numpy", "matplotlib")``: no PyTorch for optimization), with the version bounds this
  project requires of them.

``commands`` are the exact install commands (README, Students); ``--no-compile`` leaves
the byte code of the modules never imported unwritten (about 140 MB). PyTorch is named
without a build: on Linux pip resolves plain ``torch`` to a CUDA build of several GB, so
students install it first as PyTorch's "Get started" page shows for their system, which
the line then accepts.
"""
from __future__ import annotations

import importlib.metadata
import re

from autograder.assignment import Assignment

PROJECT = "advopt"
OTTER = "otter-grader"
NO_DEPS = ("fica",)                      # with Otter: their own dependencies left out
UNUSED_EXTRAS = {"nbconvert[webpdf]": "nbconvert"}
FRONTEND = "notebook>=7"                 # `jupyter notebook <name>.ipynb`


def _name(requirement: str) -> str:
    """Normalised distribution name of a requirement line (PEP 503)."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _runtime(distribution: str) -> list[str]:
    """A distribution's requirement lines without extras' lines and markers, ``name (spec)``
    written ``name spec``."""
    lines = importlib.metadata.requires(distribution) or []
    return [re.sub(r"\s*\((.*)\)", r"\1", line.split(";")[0].strip())
            for line in lines if "extra ==" not in line]


def _otter() -> tuple[str, list[str], list[str]]:
    """(this project's Otter pin, Otter's requirements installed with their dependencies,
    those installed without: NO_DEPS)."""
    pin = next(line for line in _runtime(PROJECT) if _name(line) == OTTER)
    lines = []
    for line in _runtime(OTTER):
        for extra, plain in UNUSED_EXTRAS.items():
            line = line.replace(extra, plain)
        lines.append(line)
    return (pin, [line for line in lines if _name(line) not in NO_DEPS],
            [line for line in lines if _name(line) in NO_DEPS])


def requirements(assignment: Assignment) -> list[str]:
    """The lines of one assignment's requirements.txt (Otter and NO_DEPS aside)."""
    bounds = {_name(line): line for line in _runtime(PROJECT)}
    wanted = ["ipykernel", *assignment.student_packages]
    unknown = [n for n in wanted if _name(n) not in bounds]
    if unknown:
        raise ValueError(f"{assignment.checks}: STUDENT_PACKAGES {unknown} are not "
                         f"requirements of {PROJECT} (pyproject.toml)")
    own = {_name(n): bounds[_name(n)] for n in wanted}
    otters = [line for line in _otter()[1] if _name(line) not in own]
    return sorted(otters, key=_name) + [FRONTEND] + sorted(own.values(), key=_name)


def commands() -> list[str]:
    """The install commands, in a fresh virtual environment in the assignment's folder."""
    pin, _, no_deps = _otter()
    quoted = " ".join(f'"{line}"' if set(line) & set("<>") else line
                      for line in [pin, *no_deps])
    return ["pip install --no-compile -r requirements.txt",
            f"pip install --no-compile --no-deps {quoted}"]


def text(assignment: Assignment) -> str:
    """requirements.txt of one assignment: how to install it, then its lines."""
    head = ["# In a fresh virtual environment (Python 3.10+; see the README, Students):",
            *(f"#   {c}" for c in commands()),
            "# (Otter last, without dependencies: those it needs are listed here, less the",
            "# browser for PDFs and the documentation tools, which students never use.)"]
    lines = requirements(assignment)
    if any(_name(line) == "torch" for line in lines):
        head += ["# PyTorch: install it first, as PyTorch's \"Get started\" page shows for your",
                 "# system (the CPU build unless you have an NVIDIA GPU): plain `pip install",
                 "# torch` on Linux downloads a CUDA build of several GB."]
    return "\n".join([*head, *lines]) + "\n"
