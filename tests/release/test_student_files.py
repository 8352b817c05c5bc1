"""What students get: a light requirements.txt per assignment that covers everything their
notebook imports, the exact install commands in the README, one Submission section that
states where the written answers go, and a notebook whose checks and export run headless
with short failure messages and no alarming warnings."""
import ast
import dataclasses
import importlib
import importlib.metadata
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import otter_format as fmt
from autograder.release import requirements
from autograder.assignment import Assignment

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ("optimization", "mnist")


def _name(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def installed(assignment: Assignment) -> set[str]:
    """Distribution names a student's environment gets from the assignment's two commands."""
    return {requirements._name(line) for line in requirements.requirements(assignment)} \
        | {requirements._name(line) for line in requirements._otter()[2]} | {"otter-grader"}


def closure(names: set[str]) -> set[str]:
    """``names`` and every distribution they require, extras asked for included (this
    environment's metadata), with what a new virtual environment holds (pip, setuptools)."""
    seen, todo = {"pip", "setuptools"}, [(name, ()) for name in names]
    while todo:
        name, extras = todo.pop()
        if name in seen and not extras:
            continue
        seen.add(name)
        if name in {"otter-grader", *requirements.NO_DEPS}:
            continue  # installed without their dependencies
        try:
            lines = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for line in lines:
            marker = re.search(r"extra == [\"']([^\"']+)", line)
            if marker is None or marker.group(1) in extras:
                asked = re.match(r"[A-Za-z0-9._-]+\[([^\]]+)\]", line)
                todo.append((requirements._name(line),
                             tuple(asked.group(1).split(",")) if asked else ()))
    return seen


def student_imports(assignment: str) -> set[str]:
    """Top-level modules imported by what students run: Otter's init cell, the master's
    cells outside solutions and tests (answer stubs included), every shipped file."""
    a = Assignment.in_repo(assignment)
    sources = ["import otter"]
    for cell, _, block in fmt.walk(nbformat.read(a.release_sources().master, as_version=4)):
        if cell.cell_type == "code" and block != "tests":
            sources.append("\n".join(fmt.split_solution_code(cell.source)[1]))
    sources += [path.read_text() for path in a.student_files().values()]
    local = {Path(name).stem for name in a.student_files()}
    found = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - local


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_requirements_cover_every_import_of_the_student_files(assignment):
    module = Assignment.in_repo(assignment)
    owners = importlib.metadata.packages_distributions()
    needed = {_name(d) for m in student_imports(assignment) for d in owners.get(m, [m])}
    assert "otter-grader" in needed and "numpy" in needed
    assert needed <= installed(module), needed - installed(module)
    assert {"ipykernel", "notebook"} <= installed(module)  # a kernel and a way to open it


def test_optimization_needs_no_torch_and_no_pdf_browser():
    everything = closure(installed(Assignment.in_repo("optimization")))
    assert "torch" not in everything and "playwright" not in everything
    assert "sphinx" not in everything
    assert "torch" in installed(Assignment.in_repo("mnist"))


def test_the_readme_gives_the_exact_commands_and_the_pytorch_way():
    readme = (ROOT / "README.md").read_text()
    students = readme[readme.index("## Students"):readme.index("## TAs")]
    for command in requirements.commands():
        assert f"   {command}\n" in students, command
    assert "PyTorch's \"Get started\" page" in students and "CPU build" in students
    assert "jupyter notebook <name>.ipynb" in students
    assert "://" not in students  # no host names


def test_student_packages_must_be_project_requirements():
    checks = dataclasses.replace(Assignment.in_repo("optimization"),
                                 student_packages=("numpy", "scikit-learn"))
    with pytest.raises(ValueError, match="scikit-learn"):
        requirements.requirements(checks)


# ----------------------------------------------------------------------------- released
WRONG_MINIBATCHES = '''
def minibatches(X, y, batch_size, shuffle=True, rng=None):
    X, y = np.asarray(X), np.asarray(y)
    order = (rng or np.random.default_rng()).permutation(len(X)) if shuffle else np.arange(len(X))
    for i in range(0, len(X) - batch_size + 1, batch_size):   # drops the last batch
        yield X[order[i:i + batch_size]], y[order[i:i + batch_size]]
'''
# packages_distributions reads every distribution's metadata on sys.path; a wheel being built
# beside this test (another worker's release) can leave one half-written for a moment
TRACE = ('import sys, json, time, importlib.metadata as md\n'
         'for attempt in range(5):\n'
         '    try:\n'
         '        owners = md.packages_distributions()\n'
         '        break\n'
         '    except Exception:\n'
         '        time.sleep(1)\n'
         'print("IMPORTED", json.dumps(sorted({d for m in list(sys.modules) '
         'for d in owners.get(m.split(".")[0], [])})))')


def run_headless(student: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The released notebook with ``answers`` (function name -> code) in its answer cells
    and a cell reporting what the kernel imported, run top to bottom in a fresh kernel."""
    from nbclient import NotebookClient

    nb = nbformat.read(student / "optimization.ipynb", as_version=4)
    for cell in fmt.answer_cells(nb):
        for name, code in answers.items():
            if name in fmt.defined_names(cell.source):
                cell.source = code
    nb.cells.append(nbformat.v4.new_code_cell(TRACE))
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(student)}}).execute()
    return nb


def outputs(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts += [out.get("text", ""), out.get("data", {}).get("text/plain", ""),
                  out.get("data", {}).get("text/html", ""), "\n".join(out.get("traceback", []))]
    return "\n".join(parts)


@pytest.mark.slow
def test_released_student_folder_runs_headless_with_short_messages(released, tmp_path):
    student = tmp_path / "student"
    shutil.copytree(released / "student", student)
    assignment = Assignment.in_repo("optimization")
    assert (student / "requirements.txt").read_text() == requirements.text(assignment)
    nb = run_headless(student, {"minibatches": WRONG_MINIBATCHES})
    checks = [c for c in nb.cells if c.cell_type == "code" and c.source == 'grader.check("q1")']
    shown = next(o["data"]["text/plain"] for o in checks[0].outputs if "data" in o)
    result = [line.strip() for line in shown.split("q1 - 1 result:\n", 1)[1].split("\n")]
    # the message first (the same mistake may show on the list form too), then the check
    assert result[0] == ("❌ minibatches(X, y, 4, shuffle=False) with 10 samples: batch sizes "
                         "should be [4, 4, 2], got [4, 4]")
    assert result[-1] == "check: minibatches_cover_the_data(minibatches)" and len(result) <= 4
    everything = "\n".join(outputs(c) for c in nb.cells)
    for alarming in ("TCP", "eavesdropping", "Traceback", "RuntimeWarning"):
        assert alarming not in everything, alarming
    assert list(student.glob("optimization_*.zip")), "the export cell wrote no zip"
    imported = json.loads(outputs(nb.cells[-1]).split("IMPORTED ", 1)[1].split("\n")[0])
    missing = {_name(d) for d in imported} - closure(installed(assignment))
    assert not missing, f"the kernel imported what requirements.txt does not install: {missing}"


@pytest.mark.slow
def test_one_submission_section_says_where_the_written_answers_go(released):
    nb = nbformat.read(released / "student/optimization.ipynb", as_version=4)
    headings = [c for c in nb.cells if c.cell_type == "markdown"
                and re.search(r"^#+\s*Submission", c.source, re.M)]
    assert len(headings) == 1
    text = re.sub(r"\s+", " ", headings[0].source)
    assert "written" in text and "PDF" in text and "zip" in text
    export = [c for c in nb.cells if c.cell_type == "code" and "grader.export(" in c.source]
    assert len(export) == 1 and "run_tests=True" not in export[0].source  # no 2nd kernel
