"""One assignment as every tool sees it: its checks, what its checks module declares, and
(for a release) where its sources live. ``load_assignment(name)`` is the one way in.

An assignment's checks module (``autograder.<name>``, or any importable dotted path)
declares, at module level:

    CASES              tuple[Case, ...], every check (required)
    NAME               the assignment's name (default: the module's last dotted part)
    GPU_QUESTIONS      questions graded only by ``advopt grade --gpu``
    SUPPORT_FILES      {file name: module import path}: shipped next to the student
                       notebook and written into the bulk grader's sandbox
    GRADESCOPE_LIMITS  {"cpus", "memory_mb"}: the Gradescope container the release
                       measures grading in (default 0.5 CPU / 768 MB)
    GRADESCOPE_ENV     exported before Otter in a zip built with ``--engine otter``
    GRADESCOPE_AFTER   run after Otter in such a zip
    MEASUREMENT        the benchmark's measurement file (its name is kept under the
                       results folder of ``python -m autograder.gradescope``)
    BENCHMARK          (question, read): read(namespace) -> the measured run, or {}
    STUDENT_PACKAGES   what students install beside Otter and Jupyter (their
                       requirements.txt: release/requirements.py)

and, beside it in its package, modules found by name:

    public.py          public checks, shipped as <name>_public.py
    mistakes.py        MISTAKES, replayed on failed cases (grading/diagnosis.py)
    leaderboard.py     entries(measurement) -> Gradescope's leaderboard
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, NamedTuple, TypedDict

from autograder.cases import Case
from autograder.grading.submissions import InputError
from autograder.otter_format import public_module_name

ROOT = Path(__file__).resolve().parent.parent


class GradescopeLimits(TypedDict, total=False):
    """The Gradescope container an assignment is graded in."""

    cpus: float
    memory_mb: int


class Sources(NamedTuple):
    """Where a release's inputs live (``Assignment.release_sources``)."""

    master: Path      # master notebook (Otter Assign format)
    public: Path      # public checks
    solutions: Path   # reference solutions (a package of ``project``)
    project: Path     # the folder whose pyproject.toml the grading wheel is built from


@dataclass(frozen=True)
class Assignment:
    """What an assignment's checks module declares (see the module docstring), read once.

    checks: import path of the checks module; folder: the folder holding it (secret to
    student code). Release sources (None where unknown): master notebook, solutions
    folder, project (the folder whose pyproject.toml the grading wheel is built from).
    """

    name: str
    checks: str
    folder: Path
    cases: tuple[Case, ...]
    gpu_questions: tuple[str, ...] = ()
    support_modules: dict[str, str] = field(default_factory=dict)
    gradescope_limits: GradescopeLimits = field(default_factory=lambda: GradescopeLimits())
    gradescope_env: dict[str, str] = field(default_factory=dict)
    gradescope_after: str = ""
    measurement: str | None = None
    benchmark: tuple[str, Callable[[dict], dict]] | tuple[()] = ()
    student_packages: tuple[str, ...] = ()
    public: Path | None = None
    master: Path | None = None
    solutions: Path | None = None
    project: Path | None = None

    @classmethod
    def of(cls, module: ModuleType, **sources: Any) -> "Assignment":
        """The contract of a checks module (every optional declaration read here, once);
        ``sources``: master, solutions, project, public (default: the sibling public.py)."""
        public = sources.pop("public", None) or _sibling_path(module, "public")
        return cls(name=getattr(module, "NAME", module.__name__.rsplit(".", 1)[-1]),
                   checks=module.__name__, folder=Path(module.__file__ or ".").parent,
                   cases=tuple(module.CASES),
                   gpu_questions=tuple(getattr(module, "GPU_QUESTIONS", ())),
                   support_modules=dict(getattr(module, "SUPPORT_FILES", {})),
                   gradescope_limits=GradescopeLimits(**getattr(module, "GRADESCOPE_LIMITS", {})),
                   gradescope_env=dict(getattr(module, "GRADESCOPE_ENV", {})),
                   gradescope_after=getattr(module, "GRADESCOPE_AFTER", ""),
                   measurement=getattr(module, "MEASUREMENT", None),
                   benchmark=tuple(getattr(module, "BENCHMARK", ())),  # type: ignore[arg-type]
                   student_packages=tuple(getattr(module, "STUDENT_PACKAGES", ())),
                   public=public, **sources)

    @classmethod
    def in_repo(cls, name: str, root: Path = ROOT) -> "Assignment":
        """An assignment of this repository, with its release sources::

            assignments/<name>/<name>.ipynb     master notebook (Otter Assign format)
            autograder/<name>/                  checks (public.py, CASES in __init__.py)
            solutions/<name>/                   reference solutions
        """
        return cls.from_project(name, f"autograder.{name}", root,
                                master=root / "assignments" / name / f"{name}.ipynb",
                                public=root / "autograder" / name / "public.py",
                                solutions=root / "solutions" / name)

    @classmethod
    def from_project(cls, name: str, checks: str, project: Path, master: Path,
                     public: Path, solutions: Path) -> "Assignment":
        """Assignment ``name`` whose checks are imported from ``project`` (put on sys.path
        when they are not importable yet; tests release a fixture project this way)."""
        if str(project) not in sys.path:
            sys.path.append(str(project))
        contract = cls.of(importlib.import_module(checks), master=master, public=public,
                          solutions=solutions, project=project)
        return replace(contract, name=name)

    # ------------------------------------------------------------------ files
    @property
    def public_file(self) -> str:
        """File name of the public checks next to the student notebook."""
        return public_module_name(self.name) + ".py"

    def support_files(self) -> dict[str, Path]:
        """SUPPORT_FILES as paths: shipped next to the notebook besides the public checks."""
        return {name: _module_path(module) for name, module in self.support_modules.items()}

    def student_files(self) -> dict[str, Path]:
        """Every file shipped next to the student notebook: the public checks, the
        SUPPORT_FILES and otter_messages.py (grader.check shows a failed check's message
        first)."""
        from autograder import otter_messages

        return {self.public_file: self.release_sources().public, **self.support_files(),
                "otter_messages.py": Path(otter_messages.__file__)}

    def shipped_files(self) -> dict[str, str]:
        """File name -> text of every file students have next to their notebook, as
        released: the public checks and the SUPPORT_FILES (written into the sandbox)."""
        files = {name: path.read_text() for name, path in self.support_files().items()}
        if self.public is None:
            return files
        return {self.public_file: self.public.read_text(), **files}

    def release_sources(self) -> Sources:
        """The release inputs; ValueError for an assignment loaded without them
        (``load_assignment``: grading needs none)."""
        if self.master is None or self.public is None or self.solutions is None \
                or self.project is None:
            raise ValueError(f"assignment {self.name!r}: no release sources")
        return Sources(self.master, self.public, self.solutions, self.project)

    @property
    def solutions_package(self) -> str:
        """Top-level package of the reference solutions in ``project`` (kept out of the
        grading wheel)."""
        sources = self.release_sources()
        return sources.solutions.resolve().relative_to(sources.project.resolve()).parts[0]

    # ------------------------------------------------------------------ siblings
    def leaderboard_entries(self, measurement: dict) -> list[dict]:
        """Gradescope leaderboard entries of a measurement (sibling leaderboard.py)."""
        module = sibling(self.checks, "leaderboard")
        if module is None:
            raise InputError(f"assignment {self.name!r} has no leaderboard module")
        return module.entries(measurement)


def load_assignment(name: str) -> Assignment:
    """The assignment ``name`` (``autograder.<name>``) or a dotted module path; an
    InputError of one line when there is none or it defines no CASES."""
    module_name = name if "." in name else f"autograder.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            raise InputError(f"unknown assignment {name!r} (no module {module_name})") from None
        raise
    if not getattr(module, "CASES", None):
        raise InputError(f"assignment {name!r} defines no CASES")
    return Assignment.of(module)


def repo_assignments(root: Path = ROOT) -> list[str]:
    """Every folder under assignments/ that holds a master notebook of its own name."""
    return sorted(p.name for p in (root / "assignments").iterdir()
                  if (p / f"{p.name}.ipynb").exists())


def sibling(package: str, name: str) -> ModuleType | None:
    """Module ``name`` of the package ``package`` (e.g. ``autograder.mnist`` and
    ``leaderboard``), or None when it has none."""
    try:
        if importlib.util.find_spec(f"{package}.{name}") is None:
            return None
    except (ImportError, ValueError):
        return None
    return importlib.import_module(f"{package}.{name}")


def _sibling_path(module: ModuleType, name: str) -> Path | None:
    """The file of module ``name`` beside a checks package, without importing it."""
    if not hasattr(module, "__path__"):
        return None
    spec = importlib.util.find_spec(f"{module.__name__}.{name}")
    return Path(spec.origin) if spec is not None and spec.origin else None


def _module_path(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        raise InputError(f"SUPPORT_FILES: no module {module}")
    return Path(spec.origin)
