"""Where the inputs of one assignment's release live.

In this repository (``Assignment.in_repo(name)``)::

    assignments/<name>/<name>.ipynb     master notebook (Otter Assign format)
    autograder/<name>/public.py         public checks, shipped as <name>_public.py
    autograder/<name>/__init__.py       CASES registry (public and hidden checks)
    solutions/<name>/*.py               reference solutions

Tests release a small fixture project with the same roles under other paths.
"""
from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.notebooks import ROOT, support_files
from autograder.otter_format import public_module_name


@dataclass(frozen=True)
class Assignment:
    """The inputs of one release.

    checks: import path of the module whose ``CASES`` lists every check;
    project: folder with the pyproject.toml whose wheel the autograder installs (it must
    package the hidden checks and everything they import).
    """

    name: str
    master: Path
    public: Path
    solutions: Path
    checks: str
    project: Path

    @classmethod
    def in_repo(cls, name: str, root: Path = ROOT) -> "Assignment":
        return cls(name=name,
                   master=root / "assignments" / name / f"{name}.ipynb",
                   public=root / "autograder" / name / "public.py",
                   solutions=root / "solutions" / name,
                   checks=f"autograder.{name}",
                   project=root)

    @property
    def solutions_package(self) -> str:
        """Top-level package of the reference solutions in ``project`` (kept out of the
        grading wheel)."""
        return self.solutions.resolve().relative_to(self.project.resolve()).parts[0]

    @property
    def public_file(self) -> str:
        """File name of the public checks next to the student notebook."""
        return public_module_name(self.name) + ".py"

    def checks_module(self):
        """The checks module (imported from ``project`` when it is not importable yet)."""
        if str(self.project) not in sys.path:
            sys.path.append(str(self.project))
        return importlib.import_module(self.checks)

    def cases(self) -> tuple:
        """The CASES registry."""
        return self.checks_module().CASES

    def support_files(self) -> dict[str, Path]:
        """Files shipped next to the notebook besides the public checks (SUPPORT_FILES)."""
        return support_files(self.checks_module())

    def student_files(self) -> dict[str, Path]:
        """Every file shipped next to the notebook: the public checks, SUPPORT_FILES and
        otter_messages.py (grader.check shows a failed check's message first)."""
        from autograder import otter_messages

        return {self.public_file: self.public, **self.support_files(),
                "otter_messages.py": Path(otter_messages.__file__)}


def repo_assignments(root: Path = ROOT) -> list[str]:
    """Every folder under assignments/ that holds a master notebook of its own name."""
    return sorted(p.name for p in (root / "assignments").iterdir()
                  if (p / f"{p.name}.ipynb").exists())
