"""Similarity across submissions (autograder/grading/outputs/similarity.py).

The class: notebooks made from the released starter notebook with its stubs filled by
independent implementations of every function: the correct variants of the mutant corpus
(tests/mutants/, written separately and self-contained) and the reference solutions. Each
student takes one implementation per function; two students are an honest pair on a
question when they took different implementations of every function of it. Planted
copies: a student's answers with local variables renamed, re-printed (layout, comments
and docstrings changed), reordered (independent statements swapped, functions in reverse
order in one cell), all three, and all three plus a debug print in every function. Every
planted pair must score above every honest pair; starter code alone scores 0.
"""
from __future__ import annotations

import ast
import csv
import importlib
import inspect
import io
import itertools
import pkgutil
import random
import subprocess
import sys
import textwrap
import tokenize
from functools import lru_cache
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest

import grading_notebooks as nbs
import mutants
from autograder import mnist, optimization
from autograder.grading.outputs import report, similarity
from autograder.grading.batch import grade_folder
from autograder.grading.outputs.run import Run
from autograder.grading.runner import Limits
from autograder.notebooks import master_path
from autograder.otter_format import defined_names, source, student_code, student_code_cells, walk


# ----------------------------------------------------------------------------- the class
@lru_cache(maxsize=None)
def starter(assignment: str = "optimization") -> tuple[str, ...]:
    return tuple(student_code_cells(nbformat.read(master_path(assignment), as_version=4)))


def implementations() -> dict[str, list[tuple[str, str]]]:
    """Function -> [(name, source)]: its correct variants in tests/mutants and the reference
    solution, each as a student would write it (the function's own name, original layout)."""
    import solutions.optimization as reference
    import solutions.optimization.memory as memory

    out: dict[str, list[tuple[str, str]]] = {}
    for info in pkgutil.iter_modules(mutants.__path__):
        module = importlib.import_module(f"mutants.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("correct_") and fn.__module__ == module.__name__:
                source = textwrap.dedent(inspect.getsource(fn))
                out.setdefault(info.name, []).append(
                    (name, source.replace(f"def {name}(", f"def {info.name}(", 1)))
        if info.name != "megabytes":
            out[info.name].append(
                ("solution", textwrap.dedent(inspect.getsource(getattr(reference, info.name)))))
    helper = next(line for line in inspect.getsource(memory).split("\n")
                  if line.startswith("P_784_128_10 ="))
    out["megabytes"] = [("solution", f"{helper}\nmegabytes_1 = 3 * P_784_128_10 * 4 / 1e6\n"
                                     "megabytes_2 = megabytes_1 + 50 * P_784_128_10 * 4 / 1e6"),
                        ("rounded", "megabytes_1 = 1.22  # MB\nmegabytes_2 = 21.6")]
    return out


def answer_name(function: str) -> str:
    return "megabytes_1" if function == "megabytes" else function


def notebook_cells(answers: dict[str, str], merged: bool = False,
                   assignment: str = "optimization") -> list[dict]:
    """The starter's code cells with each stub replaced by the answer defining its name;
    ``merged``: every question's answers in one cell, in reverse order, instead."""
    cells = list(starter(assignment))
    stubs = {f: next(i for i, c in enumerate(cells) if answer_name(f) in defined_names(c))
             for f in answers}
    if not merged:
        for function, answer in answers.items():
            cells[stubs[function]] = answer
    else:
        owner = {n: q for q, names in similarity.question_names(optimization.CASES).items()
                 for n in names}
        groups: dict[str, list[str]] = {}
        for function in answers:
            groups.setdefault(owner[answer_name(function)], []).append(function)
        for functions in groups.values():
            for function in functions:
                cells[stubs[function]] = ""
            cells[stubs[functions[0]]] = "\n\n".join(answers[f] for f in reversed(functions))
    return [{"index": i, "source": c} for i, c in enumerate(cells)]


# ----------------------------------------------------------------------------- copiers
def _local_names(tree: ast.AST) -> set[str]:
    """Names assigned inside functions that are not parameters (what a copier renames)."""
    params, stored = set(), set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.Lambda)):
            params |= {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
            stored |= {n.id for n in ast.walk(fn)
                       if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return stored - params


def renamed(source: str) -> str:
    """Every local variable renamed; layout and comments untouched (token positions)."""
    names = _local_names(ast.parse(source))
    lines = source.split("\n")
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for i in reversed(range(len(tokens))):
        token = tokens[i]
        if token.type == tokenize.NAME and token.string in names \
                and not (i and tokens[i - 1].string == "."):
            (row, start), (_, end) = token.start, token.end
            line = lines[row - 1]
            lines[row - 1] = f"{line[:start]}my_{token.string}_2{line[end:]}"
    return "\n".join(lines)


def reprinted(source: str) -> str:
    """Printed anew: other layout, quotes and parentheses, docstrings replaced, comments
    added above loops, conditions and returns."""
    tree = ast.parse(source)
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and ast.get_docstring(fn):
            fn.body[0].value.value = "My own work, written from scratch."
    out = []
    for line in ast.unparse(tree).split("\n"):
        code = line.lstrip()
        indent = line[:len(line) - len(code)]
        if code.startswith(("return", "for ", "if ")):
            out.append(f"{indent}# {code.split()[0]} step")
        tight = not code.startswith(("def ", '"', "'"))
        out.append(line.replace(" = ", "=").replace(", ", ",") if tight else line)
    return "\n".join(out) + "\n"


def _independent(a: ast.stmt, b: ast.stmt) -> bool:
    """Two assignments neither of which reads or writes what the other writes."""
    def names(stmt, context):
        return {n.id for n in ast.walk(stmt)
                if isinstance(n, ast.Name) and isinstance(n.ctx, context)}

    plain = all(isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign)) for s in (a, b))
    writes_a, writes_b = names(a, ast.Store), names(b, ast.Store)
    return plain and not writes_a & (names(b, ast.Load) | writes_b) \
        and not writes_b & names(a, ast.Load)


def reordered(source: str) -> str:
    """Independent neighbouring statements swapped in every block; top-level definitions
    in reverse order."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            i = 0
            while isinstance(block, list) and i + 1 < len(block):
                if isinstance(block[i], ast.stmt) and _independent(block[i], block[i + 1]):
                    block[i], block[i + 1] = block[i + 1], block[i]
                    i += 1
                i += 1
    tree.body.reverse()
    return ast.unparse(tree)


def with_prints(source: str) -> str:
    """A debug print at the start of every top-level function: an edit, not a re-print."""
    tree = ast.parse(source)
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef):
            fn.body.insert(1 if ast.get_docstring(fn) else 0,
                           ast.parse("print('got here', locals())").body[0])
    return ast.unparse(tree)


COPIERS = {
    "renamed": renamed,
    "re-printed": reprinted,
    "reordered": reordered,
    "all three": lambda s: reordered(reprinted(renamed(s))),
    "all three, prints added": lambda s: with_prints(reordered(reprinted(renamed(s)))),
}
HONEST_STUDENTS = 6
COPIED = ("s0", "s1", "s2")


def build_class() -> tuple[list, dict, dict]:
    """(submissions; choices: student -> function -> implementation; copies: planted
    student -> (original, copier)). Two untouched notebooks are in the class too."""
    corpus = implementations()
    rng = random.Random(17)
    shift = {f: rng.randrange(len(options)) for f, options in corpus.items()}
    choices, answers = {}, {}
    for i in range(HONEST_STUDENTS):
        picked = {f: options[(i + shift[f]) % len(options)] for f, options in corpus.items()}
        choices[f"s{i}"] = {f: name for f, (name, _) in picked.items()}
        answers[f"s{i}"] = {f: source for f, (_, source) in picked.items()}
    submissions = [SimpleNamespace(student=s, cells=notebook_cells(a)) for s, a in answers.items()]
    copies = {}
    for original in COPIED:
        for copier, rewrite in COPIERS.items():
            student = f"{original} {copier}"
            copies[student] = (original, copier)
            submissions.append(SimpleNamespace(student=student, cells=notebook_cells(
                {f: rewrite(s) for f, s in answers[original].items()},
                merged=copier.startswith(("reordered", "all three")))))
    submissions += [SimpleNamespace(student=f"untouched{i}", cells=notebook_cells({}))
                    for i in (1, 2)]
    return submissions, choices, copies


@pytest.fixture(scope="module")
def school():
    """(pairs of the whole class scored down to 0, choices, copies): see build_class."""
    submissions, choices, copies = build_class()
    pairs = similarity.similar_pairs(submissions, optimization.CASES, starter(), floor=0.0)
    return pairs, choices, copies


def honest_scores(pairs, choices) -> list:
    functions = {q: [f for f in implementations() if answer_name(f) in names]
                 for q, names in similarity.question_names(optimization.CASES).items()}
    return [p for p in pairs if p.student_a in choices and p.student_b in choices
            and all(choices[p.student_a][f] != choices[p.student_b][f]
                    for f in functions[p.question])]


def test_planted_copies_score_above_every_honest_pair(school):
    pairs, choices, copies = school
    honest = honest_scores(pairs, choices)
    assert len({(p.student_a, p.student_b, p.question) for p in honest}) >= 30
    highest = max(p.score for p in honest)
    planted = {(a, b, p.question): p.score for p in pairs  # a group: each two of it
               for a, b in itertools.permutations((p.student_a, p.student_b, *p.others), 2)
               if copies.get(b, ("",))[0] == a}
    for student, (original, copier) in copies.items():
        for question in ("q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8"):
            score = planted.get((original, student, question), 0.0)
            assert score > highest, f"{copier} copy of {question}: {score} <= {highest}"
            if "prints" not in copier:
                assert score == 1.0, f"{copier} copy of {question}: {score}"


def test_starter_code_alone_scores_0_against_everyone(school):
    pairs, _, _ = school
    assert not [p for p in pairs if "untouched" in p.student_a + p.student_b]
    # not because nothing was found: without the starter as boilerplate they are equal
    untouched = [SimpleNamespace(student=s, cells=notebook_cells({})) for s in "ab"]
    same = similarity.similar_pairs(untouched, optimization.CASES, starter=[])
    assert same and {p.score for p in same} == {1.0}  # the stubs with code enough to compare


def test_a_question_left_as_the_starter_scores_0_beside_answered_ones():
    answers = {f: options[0][1] for f, options in implementations().items()}
    partial = {f: s for f, s in answers.items() if f != "init_layer"}
    submissions = [SimpleNamespace(student="a", cells=notebook_cells(answers)),
                   SimpleNamespace(student="b", cells=notebook_cells(partial)),
                   SimpleNamespace(student="c", cells=notebook_cells(partial))]
    pairs = similarity.similar_pairs(submissions, optimization.CASES, starter(), floor=0.0)
    assert not [p for p in pairs if p.question == "q2"]
    assert {p.question for p in pairs if {"b", "c"} <= {p.student_a, p.student_b, *p.others}} \
        == {"q1", "q3", "q4", "q5", "q6", "q7", "q8"}


@pytest.mark.parametrize("placeholder", ["pass", "raise NotImplementedError",
                                         "raise NotImplementedError('todo')", "'todo'"])
def test_placeholders_and_one_line_answers_are_not_evidence(placeholder):
    """Functions left with a placeholder in place of Otter's ``...`` are starter code; a
    one-line answer (the formula of the docstring) is too short to compare."""
    stubs = {f: re_stubbed(f, placeholder) for f in implementations() if f != "megabytes"}
    one_line = {"lr_decay": "def lr_decay(lr0, epoch, decay_rate):\n"
                            "    return lr0 / (1 + decay_rate * epoch)\n"}
    submissions = [SimpleNamespace(student=s, cells=notebook_cells({**stubs, **one_line}))
                   for s in "ab"]
    assert similarity.similar_pairs(submissions, optimization.CASES, starter(), 0.0) == []


def re_stubbed(function: str, body: str) -> str:
    """The starter's stub of ``function`` with ``body`` in place of ``...``."""
    stub = next(c for c in starter() if function in defined_names(c))
    assert stub.rstrip().endswith("...")
    return stub.rstrip()[:-3] + body + "\n"


@pytest.mark.parametrize("assignment", ["optimization", "mnist"])
def test_starter_code_is_what_otter_assign_writes(assignment):
    """Every master code cell rendered as Otter's own solution remover renders it (the
    grader renders it without Otter, which GPU machines lack)."""
    from otter.assign.solutions import replace_solutions

    master = nbformat.read(master_path(assignment), as_version=4)
    cells = [source(c) for c, _, block in walk(master) if c.cell_type == "code"
             and block != "tests"]
    assert sum("SOLUTION" in c for c in cells) >= 5
    for cell in cells + ["    x, y[0] = 1, 2  # SOLUTION\nprint(x)  # SOLUTION\n"]:
        assert student_code(cell) == "\n".join(replace_solutions(cell.split("\n"), "python"))


def test_similarity_needs_neither_otter_nor_ipython(tmp_path):
    """GPU machines have neither (docs/gpu.md); a ``--gpu`` run still writes the output."""
    code = ("import sys\n"
            "sys.modules['otter'] = sys.modules['IPython'] = None  # imports fail\n"
            "from types import SimpleNamespace as S\n"
            "from autograder.grading.outputs import similarity\n"
            "from autograder.notebooks import master_path\n"
            "from autograder.optimization import CASES\n"
            "cells = [{'source': 'def lr_decay(a, b, c):\\n'\n"
            "          '    return a / (1.0 + b * c) + 0 * a * b * c - 0.0 * c'}]\n"
            "from autograder.grading.outputs.run import Run\n"
            "pairs = similarity.similar_pairs([S(student=s, cells=cells) for s in 'ab'], CASES,\n"
            "    similarity.starter_cells(master_path('optimization')))\n"
            "similarity.write(sys.argv[1], Run([], {}, similar=tuple(pairs)))\n"
            "print([(p.question, p.score) for p in pairs])\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=600)
    assert done.stdout.strip() == "[('q8', 1.0)]", done.stderr[-2000:]
    assert (tmp_path / "similarity.csv").read_text().splitlines()[1] == "a,b,q8,1.0000,"


# ----------------------------------------------------------------------------- the code
def test_a_question_owns_the_names_no_earlier_question_needs():
    assert similarity.question_names(optimization.CASES)["q7"] == \
        ("training_memory", "megabytes_1", "megabytes_2")
    owned = similarity.question_names(mnist.CASES)
    assert owned["q2"] == ("build_model",) and owned["q3"] == ("fit",)
    # q6's cases take the grader's measurement ("benchmark"), no student name of their own
    assert owned["q5"] == ("BEST_HPARAMS",) and owned["q6"] == ("benchmark",)


HELPERS = '''
%matplotlib inline
import numpy as np

def _shift(z):  # a helper of a helper
    return z - z.max(axis=-1, keepdims=True)

def _exp(z):
    return np.exp(_shift(z))

@staticmethod
def softmax(z):
    """Student's softmax."""
    e = _exp(z)
    return e / e.sum(axis=-1, keepdims=True)

def cross_entropy(z, y):
    return -np.log(softmax(z)[np.arange(len(y)), y]).mean()

def unrelated(x):
    return _shift(x)
'''


def test_the_code_of_a_question_is_its_names_and_the_helpers_they_use():
    cells = ["def softmax(z):\n    return z\n", HELPERS, "def softmax_jacobian(s) :\n    broken("]
    defined = similarity.definitions(cells)
    code = similarity.question_code(defined, ("softmax", "cross_entropy"))
    texts = [d.text for d in code]
    assert texts[0].startswith("@staticmethod\ndef softmax(z):")  # the last one: what runs
    assert texts[1].startswith("def cross_entropy(z, y):")
    assert sorted(t.split("(")[0] for t in texts[2:]) == ["def _exp", "def _shift"]
    assert "def unrelated" not in similarity.code_text(code)
    assert "softmax_jacobian" not in defined  # a cell that does not parse defines nothing
    # a helper another question owns stays with that question
    code = similarity.question_code(defined, ("cross_entropy",), others=("softmax",))
    assert [d.text.split("(")[0] for d in code] == ["def cross_entropy"]
    # a later definition replaces the earlier one and its helpers
    code = similarity.question_code(similarity.definitions(cells[1::-1]), ("softmax",))
    assert [d.text for d in code] == ["def softmax(z):\n    return z"]


def test_answer_names_assigned_at_top_level_bring_their_helpers():
    cells = ["P = 784 * 128 + 128 + 128 * 10 + 10", "megabytes_1 = 3 * P * 4 / 1e6",
             "megabytes_2 = megabytes_1 + 50 * P * 4 / 1e6\nmegabytes_2 += 0.0",
             "megabytes_1, megabytes_2"]
    code = similarity.question_code(similarity.definitions(cells),
                                    ("training_memory", "megabytes_1", "megabytes_2"))
    assert [d.text for d in code] == [cells[1], "megabytes_2 = megabytes_1 + 50 * P * 4 / 1e6",
                                      "megabytes_2 += 0.0", cells[0]]


@pytest.mark.parametrize("seed", range(4))
def test_normal_form_ignores_names_layout_comments_and_statement_order(seed):
    """Every implementation of the corpus: random names for its locals and a random order
    of the statements of every block leave the normal form as it was."""
    rng = random.Random(seed)
    for function, options in implementations().items():
        for name, source in options:
            tree = ast.parse(source)
            fresh = {n: f"v{rng.randrange(10**6)}" for n in _local_names(tree)}
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and node.id in fresh:
                    node.id = fresh[node.id]
                for field in ("body", "orelse", "finalbody"):
                    block = getattr(node, field, None)
                    if isinstance(block, list):
                        rng.shuffle(block)
            before = [d.tokens for found in similarity.definitions([source]).values()
                      for d in found]
            after = [d.tokens for found in similarity.definitions([ast.unparse(tree)]).values()
                     for d in found]
            assert sorted(before) == sorted(after), f"{function}.{name}"


def test_different_code_has_a_different_normal_form():
    forms = {tuple(similarity.normal_form(ast.parse(code).body[0])[0]) for code in (
        "x = a + b", "x = a - b", "x = a.sum()", "x = a.mean()", "x = f(a, axis=0)",
        "x = f(a, axis=1)", "x = [a, b]", "x = (a, b)", "x = 'a'", "x = 1")}
    assert len(forms) == 10


def test_student_code_is_only_read():
    """Cells that would act when run are only parsed: nothing is written, nothing raised."""
    marker = f"/tmp/similarity-ran-{random.randrange(10**9)}"
    cells = [f"open({marker!r}, 'w').write('ran')\nraise SystemExit(3)",
             "import os\nos._exit(4)\ndef lr_decay(lr0, epoch, decay_rate):\n"
             "    return lr0 / (1.0 + decay_rate * epoch) * 1.0 + 0.0 - 0.0\n",
             "!rm -rf /\n%time x = 1"]
    submissions = [SimpleNamespace(student=s, cells=[{"source": c} for c in cells]) for s in "ab"]
    pairs = similarity.similar_pairs(submissions, optimization.CASES, starter())
    assert [(p.question, p.score) for p in pairs] == [("q8", 1.0)]
    assert not __import__("os").path.exists(marker)


# ----------------------------------------------------------------------------- fingerprints
def test_shared_counts_match_set_intersections_for_rare_and_common_fingerprints():
    rng = np.random.default_rng(0)
    common = rng.integers(0, 2**63, 20).astype(np.uint64)  # some held by > DENSE_FROM sets
    sets = []
    for _ in range(150):
        own = rng.integers(0, 400, rng.integers(0, 40)).astype(np.uint64)
        picked = common[rng.random(len(common)) < 0.6]
        sets.append(np.unique(np.concatenate([own, picked])))
    shared = similarity.shared_counts(sets)
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            assert shared[i, j] == len(np.intersect1d(sets[i], sets[j])), (i, j)


def test_winnowing_keeps_a_fingerprint_of_every_long_enough_common_run():
    rng = random.Random(1)
    vocabulary = [f"t{i}" for i in range(30)]
    run = [rng.choice(vocabulary) for _ in range(similarity.K + similarity.WINDOW - 1)]
    for _ in range(50):
        a = [rng.choice(vocabulary) for _ in range(rng.randrange(60))] + run
        b = run + [rng.choice(vocabulary) for _ in range(rng.randrange(60))]
        empty = np.zeros(0, np.uint64)
        assert len(np.intersect1d(similarity.fingerprints(a, empty),
                                  similarity.fingerprints(b, empty)))


def test_fingerprints_are_the_same_in_every_process():
    """Stable hashes: a second interpreter with another hash seed gets the same ones."""
    tokens = similarity.normal_form(ast.parse(inspect.getsource(renamed)).body[0])[0]
    here = similarity.fingerprints(tokens, np.zeros(0, np.uint64)).tolist()
    code = ("import ast, inspect, sys, numpy as np\n"
            "from autograder.grading.outputs import similarity\n"
            "tokens = sys.stdin.read().split()\n"
            "print(similarity.fingerprints(tokens, np.zeros(0, np.uint64)).tolist())")
    there = subprocess.run([sys.executable, "-c", code], input=" ".join(tokens), text=True,
                           capture_output=True, env={"PYTHONHASHSEED": "12345"}, check=True)
    assert here and there.stdout.strip() == str(here)


# ----------------------------------------------------------------------------- outputs
def test_similarity_csv_and_report_section_from_a_grading_run(tmp_path):
    """``make grade`` writes similarity.csv (every pair from FLOOR up, highest first) and a
    report section with the code side by side, escaped."""
    double = ("def _twice(value):\n    result = value + value  # </pre><script>alert(1)</script>\n"
              "    return result * 1 + 0 - 0\n\n"
              "def double(x):\n    return _twice(x) if x is not None else None\n")
    folder, out = tmp_path / "submissions", tmp_path / "graded"
    folder.mkdir()
    (folder / "alice.ipynb").write_bytes(nbs.notebook(["%matplotlib inline\n!echo hi\n" + double]))
    (folder / "bob.ipynb").write_bytes(nbs.notebook([renamed(reordered(double))]))
    (folder / "@carol.ipynb").write_bytes(nbs.notebook([double]))
    (folder / "dave.ipynb").write_bytes(nbs.notebook(["def double(x):\n    return 2 * x"]))
    grade_folder(folder, out, "tests.support.grading_fixture", Limits(timeout=30, memory_mb=1024),
                 progress=False)
    with open(out / "similarity.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["student_a", "student_b", "question", "score", "others"]
    assert rows[1:] == [["'@carol", "alice", "q1", "1.0000", "bob"]]  # the same code: a group
    with open(out / "gradebook.csv", newline="") as f:  # IPython syntax runs in the sandbox
        assert {r["student"]: r["q1"] for r in csv.DictReader(f)} == \
            {"'@carol": "1", "alice": "1", "bob": "1", "dave": "1"}
    page = (out / "report.html").read_text()
    assert "<h2 id=similarity>Similar code</h2>" in page and "#pair-1" in page
    assert "alice (the same as 1 others: bob)" in page
    assert page.count("<script>") == 1  # the table sorter only
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<pre>") == 2


def test_report_says_when_no_code_is_similar(tmp_path):
    report.write(tmp_path, Run([], {"q1": 1.0}, similar=()))
    page = (tmp_path / "report.html").read_text()
    assert "No pair of students wrote similar code." in page


def test_mnist_starter_scores_0_and_a_copied_model_1():
    import solutions.mnist as reference

    model = textwrap.dedent(inspect.getsource(reference.build_model))
    cells = list(starter("mnist"))
    stub = next(i for i, c in enumerate(cells) if "build_model" in defined_names(c))
    answered = cells[:stub] + [model] + cells[stub + 1:]
    copied = cells[:stub] + [reprinted(renamed(model))] + cells[stub + 1:]
    submissions = [SimpleNamespace(student=s, cells=[{"source": c} for c in cs])
                   for s, cs in (("a", answered), ("b", copied), ("c", cells), ("d", cells))]
    pairs = similarity.similar_pairs(submissions, mnist.CASES, starter("mnist"), floor=0.0)
    assert [(p.student_a, p.student_b, p.question, p.score) for p in pairs] == \
        [("a", "b", "q2", 1.0)]


@pytest.mark.slow
def test_the_rendered_starter_is_the_released_student_notebook(released):
    """The boilerplate is the code of the notebook students get: the released one defines
    the same names in the same normal form (and Otter's ``grader``), and two untouched
    copies of it score 0."""
    nb = nbformat.read(released / "student/optimization.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    shipped, rendered = similarity.definitions(cells), similarity.definitions(list(starter()))
    assert shipped.pop("grader")[0].text == 'grader = otter.Notebook("optimization.ipynb")'
    assert {name: [d.tokens for d in found] for name, found in shipped.items()} == \
        {name: [d.tokens for d in found] for name, found in rendered.items()}
    untouched = [SimpleNamespace(student=s, cells=[{"source": c} for c in cells]) for s in "ab"]
    assert similarity.similar_pairs(untouched, optimization.CASES, starter(), floor=0.0) == []


# ----------------------------------------------------------------------------- scale
def lr_decay_cells(terms) -> list[dict]:
    """A student's cells: ``lr_decay`` (q8) with extra terms ``+ 0 * a * t`` for t in
    ``terms`` (different terms, different fingerprints; shared terms, shared ones)."""
    extra = "".join(f" + 0 * a * b * c * {t}" for t in terms)
    return [{"source": f"def lr_decay(a, b, c):\n    return a / (1.0 + b * c){extra}"}]


def test_a_class_of_identical_copies_is_one_line_per_question(tmp_path):
    """2,000 copies of one answer: one group (not 2,000 * 1,999 / 2 pairs), the others
    named once; similarity.csv stays two lines."""
    cells = lr_decay_cells(range(3))
    students = [SimpleNamespace(student=f"s{i:04d}", cells=cells) for i in range(2000)]
    pairs = similarity.similar_pairs(students, optimization.CASES)
    assert [(p.question, p.student_a, p.student_b, p.score, len(p.others)) for p in pairs] == \
        [("q8", "s0000", "s0001", 1.0, 1998)]
    assert set(pairs[0].others) == {f"s{i:04d}" for i in range(2, 2000)}
    similarity.write(tmp_path, Run([], {}, similar=tuple(pairs)))
    assert len((tmp_path / "similarity.csv").read_text().splitlines()) == 2


@pytest.mark.parametrize("seed", range(3))
def test_each_student_keeps_its_most_similar_partners_and_no_more(seed):
    """Many similar but different answers (and some groups of copies): every student's
    best partner is kept, a student's lines are bounded by PARTNERS of its own plus those
    that rank it among theirs, and nothing above the floor is invented."""
    rng = random.Random(seed)
    pool = [rng.sample(range(40), rng.randint(3, 12)) for _ in range(120)]
    students = [SimpleNamespace(student=f"s{i:03d}", cells=lr_decay_cells(terms))
                for i, terms in enumerate(pool + pool[:10])]  # s120.. copy s000..
    partners = 3
    sets = {s.student: similarity.fingerprints(
        similarity.code_tokens(similarity.question_code(
            similarity.definitions([c["source"] for c in s.cells]), ("lr_decay",))),
        np.zeros(0, np.uint64)) for s in students}
    codes = [(name, "") for name in sets]
    pairs = similarity.question_pairs("q8", codes, list(sets.values()), 0.2, partners)
    same: dict[bytes, list[str]] = {}  # students with equal fingerprint sets
    for name, prints in sets.items():
        same.setdefault(prints.tobytes(), []).append(name)
    groups = [p for p in pairs if p.score == 1.0]
    assert sorted((p.student_a, p.student_b, *p.others) for p in groups) == \
        sorted(tuple(g) for g in same.values() if len(g) > 1)
    assert len(groups) >= 10  # the copies at least
    different = [p for p in pairs if p.score < 1.0]
    heads = [g[0] for g in same.values()]
    assert len(different) <= partners * len(heads)

    def score(a, b):
        common = len(np.intersect1d(sets[a], sets[b]))
        return common / (len(sets[a]) + len(sets[b]) - common)
    for p in different:
        assert p.student_b not in [g.student_b for g in groups]  # a group's first stands for it
        assert p.score == round(score(p.student_a, p.student_b), 4) >= 0.2
    for a in heads:
        best = max(score(a, b) for b in heads if b != a)
        if best >= 0.2:
            kept = [p.score for p in different if a in (p.student_a, p.student_b)]
            assert round(best, 4) in kept, a
