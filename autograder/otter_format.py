"""The Otter-Grader 7 notebook format, known in one place.

Master notebook (Otter Assign format): raw cells whose first line is a marker::

    # ASSIGNMENT CONFIG          (first cell, YAML below the marker)
    # BEGIN QUESTION             (YAML below: name, and for written answers manual, points)
      <prompt cells>
      # BEGIN SOLUTION ... # END SOLUTION     (solution cells; markdown for written answers)
      # BEGIN TESTS ... # END TESTS           (one code cell per test case)
    # END QUESTION

Inside code cells, ``# BEGIN SOLUTION`` / ``# END SOLUTION`` lines bracket solution code,
a line ending in ``# SOLUTION`` is one, and a test cell starts with a ``TEST CONFIG``
docstring. Cells tagged ``otter_ignore`` are skipped when grading.

Student notebook (what ``otter assign`` writes): each solution becomes an answer cell
tagged ``otter_answer_cell`` (code: the stub; markdown: ``ANSWER_PLACEHOLDER``); a manual
question is delimited by HTML comments, ``<!-- BEGIN QUESTION -->`` at the top of its
prompt cell and ``<!-- END QUESTION -->`` at the top of the first cell after it. The
question's name is not in the student notebook: the k-th such block is the master's
k-th manual question, whose prompt it repeats.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import yaml

ASSIGNMENT_CONFIG = "# ASSIGNMENT CONFIG"
BEGIN_QUESTION, END_QUESTION = "# BEGIN QUESTION", "# END QUESTION"
BEGIN_SOLUTION, END_SOLUTION = "# BEGIN SOLUTION", "# END SOLUTION"
BEGIN_TESTS, END_TESTS = "# BEGIN TESTS", "# END TESTS"
SOLUTION_LINE = "# SOLUTION"           # suffix of a one-line solution in a code cell
ANSWER_TAG = "otter_answer_cell"       # student notebook: a cell the student fills in
IGNORE_TAG = "otter_ignore"            # skipped by every grader
ANSWER_PLACEHOLDER = "_Type your answer here, replacing this text._"
STUDENT_BEGIN_QUESTION = re.compile(r"<!--\s*BEGIN QUESTION\s*-->", re.IGNORECASE)
STUDENT_END_QUESTION = re.compile(r"<!--\s*END QUESTION\s*-->", re.IGNORECASE)
DOCTEST_PROMPT = re.compile(r"^\s*(>>>|\.\.\.) ")   # Otter's prompts in the notebook metadata
SOLUTION_ASSIGNMENT = re.compile(  # Otter's: a one-line solution that assigns, and its target
    r"(\s*(?:[\w.]+(?=[^\w.])(?:\[['\"]?.*['\"]?\])*(?:,\s*)?)+\s*=).* ?# ?SOLUTION")


def public_module_name(assignment: str) -> str:
    """Name under which ``autograder/<a>/public.py`` is shipped next to the notebook."""
    return f"{assignment}_public"


def source(cell) -> str:
    """A cell's source as one string (notebook JSON may hold a list of lines)."""
    text = cell.get("source", "")
    return "".join(map(str, text)) if isinstance(text, list) else str(text)


def plain_python(code: str) -> str:
    """A code cell's source with IPython syntax (magics, ``!cmd``) turned into plain Python
    (calls of ``get_ipython()``); unchanged when IPython cannot transform it. Text only.
    Python that parses as it is, from its first character on, is returned as it is (IPython
    would only end it with a newline), without the cost of IPython's tokenizer."""
    if code[:1].strip():
        try:
            ast.parse(code)
            return code
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(code)
    except Exception:
        return code


def tags(cell) -> list:
    metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
    found = metadata.get("tags")
    return found if isinstance(found, list) else []


def marker(cell) -> str:
    """First line of a raw cell, upper case ("# BEGIN QUESTION"); "" for other cells."""
    if cell.get("cell_type") != "raw":
        return ""
    return source(cell).strip().split("\n")[0].upper()


def block_config(cell) -> dict:
    """The YAML below a raw cell's marker (``name``, ``manual``, ``points`` ...)."""
    config = yaml.safe_load(source(cell).split("\n", 1)[1]) if "\n" in source(cell) else None
    return config if isinstance(config, dict) else {}


def test_cell(points: float, hidden: bool, body: str) -> str:
    """An Otter test cell: ``TEST CONFIG`` docstring (points, visibility), then ``body``."""
    config = f"points: {points:g}" + ("\nhidden: true" if hidden else "")
    return f'""" # BEGIN TEST CONFIG\n{config}\n""" # END TEST CONFIG\n{body}'


def split_solution_code(code: str) -> tuple[list[str], list[str]]:
    """(solution lines, stub lines) of a master code cell: solution lines lie between
    ``# BEGIN SOLUTION`` and ``# END SOLUTION`` lines or end in ``# SOLUTION``; the stub
    lines (signature, docstring) are what the student notebook keeps."""
    solution, stub, inside = [], [], False
    for line in code.split("\n"):
        if line.strip().startswith(BEGIN_SOLUTION):
            inside = True
        elif line.strip().startswith(END_SOLUTION):
            inside = False
        elif inside or line.rstrip().endswith(SOLUTION_LINE):
            solution.append(line)
        else:
            stub.append(line)
    return solution, stub


def student_code(code: str) -> str:
    """A master code cell as Otter Assign writes it into the student notebook: each
    ``# BEGIN SOLUTION`` block becomes ``...`` at its indentation, a one-line solution
    ``target = ...`` when it assigns, else ``...``."""
    out, inside = [], False
    for line in code.split("\n"):
        indent = line[:len(line) - len(line.lstrip())]
        if line.strip().startswith(BEGIN_SOLUTION):
            inside = True
            out.append(f"{indent}...")
        elif line.strip().startswith(END_SOLUTION):
            inside = False
        elif not inside and line.rstrip().endswith(SOLUTION_LINE):
            assignment = SOLUTION_ASSIGNMENT.match(line)
            out.append(f"{assignment[1]} ..." if assignment else f"{indent}...")
        elif not inside:
            out.append(line)
    return "\n".join(out)


def student_code_cells(nb) -> list[str]:
    """The code cells of the student notebook made from the master ``nb`` (test cells
    dropped; Otter's own init, check and export cells not included)."""
    return [student_code(source(cell)) for cell, _, block in walk(nb)
            if cell.get("cell_type") == "code" and block != "tests"]


def solution_code_lines(code: str) -> list[str]:
    """Lines of a master code cell that are solution (see ``split_solution_code``)."""
    return split_solution_code(code)[0]


def defined_names(code: str) -> set[str]:
    """Names a cell defines at top level (functions and plain assignments); an answer
    cell is found by what it defines. Empty for code that does not parse."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return set()
    names = {n.name for n in body if isinstance(n, ast.FunctionDef)}
    return names | {t.id for n in body if isinstance(n, ast.Assign) for t in n.targets
                    if isinstance(t, ast.Name)}


def answer_cells(nb) -> list:
    """The cells of a student notebook that students fill in (tagged ``otter_answer_cell``)."""
    return [cell for cell in nb["cells"] if ANSWER_TAG in tags(cell)]


# ----------------------------------------------------------------------------- questions
@dataclass(frozen=True)
class ManualQuestion:
    """A written (manually graded) question of the master: ``points`` from its config,
    ``prompt``: its markdown before the solution block."""

    name: str
    points: float
    prompt: str


def walk(nb):
    """(cell, enclosing question config or None, innermost block) for every non-marker
    cell of a master notebook; block is "question", "solution", "tests" or None."""
    question, blocks = None, []
    for cell in nb["cells"]:
        mark = marker(cell)
        if mark.startswith(BEGIN_QUESTION):
            question, blocks = block_config(cell), ["question"]
        elif mark.startswith((BEGIN_SOLUTION, BEGIN_TESTS)):
            blocks.append("solution" if mark.startswith(BEGIN_SOLUTION) else "tests")
        elif mark.startswith((END_SOLUTION, END_TESTS)):
            blocks = blocks[:-1]
        elif mark.startswith(END_QUESTION):
            question, blocks = None, []
        elif not mark.startswith(ASSIGNMENT_CONFIG):
            yield cell, question, (blocks[-1] if blocks else None)


def manual_questions(nb) -> list[ManualQuestion]:
    """The master's manual questions, in notebook order."""
    prompts: dict[str, list[str]] = {}
    configs: dict[str, dict] = {}
    for cell, question, block in walk(nb):
        if question and question.get("manual"):
            name = str(question["name"])
            configs[name] = question
            prompts.setdefault(name, [])
            if block == "question" and cell.get("cell_type") == "markdown":
                prompts[name].append(source(cell))
    return [ManualQuestion(name, float(configs[name].get("points", 0)), "\n\n".join(texts))
            for name, texts in prompts.items()]


def student_manual_blocks(nb) -> list[tuple[str, list]]:
    """(prompt text, answer cells) of each ``<!-- BEGIN QUESTION -->`` block of a student
    notebook, in order. The prompt is the marked cell without its marker; the answer is
    every cell after it up to the cell holding ``<!-- END QUESTION -->`` (or the end)."""
    blocks, current = [], None
    for cell in nb["cells"]:
        if not isinstance(cell, dict):  # a submission is untrusted JSON
            continue
        text = source(cell) if cell.get("cell_type") == "markdown" else ""
        if current is not None and STUDENT_END_QUESTION.search(text):
            blocks.append(current)
            current = None
        if STUDENT_BEGIN_QUESTION.search(text):
            if current is not None:
                blocks.append(current)
            current = (STUDENT_BEGIN_QUESTION.sub("", text).strip(), [])
        elif current is not None:
            current[1].append(cell)
    if current is not None:
        blocks.append(current)
    return blocks
