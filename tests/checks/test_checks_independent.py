"""The checks judge by docs/spec.md alone: no module of the two assignments' checks imports
``solutions`` (the grading wheel does not ship the reference solutions)."""
import ast
from pathlib import Path

import pytest

import autograder

CHECK_PACKAGES = ("optimization", "mnist")
MODULES = sorted(path for package in CHECK_PACKAGES
                 for path in (Path(autograder.__file__).parent / package).rglob("*.py"))


def imported_modules(path):
    """Top-level names of every module that ``path`` imports."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def test_every_check_package_is_scanned():
    assert len(MODULES) >= 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_checks_do_not_import_solutions(path):
    assert "solutions" not in set(imported_modules(path)), f"{path} imports solutions"
