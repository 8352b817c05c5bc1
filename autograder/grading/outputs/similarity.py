"""Similarity of the code students wrote, per question, across the submissions of a run.

``OUT/similarity.csv``: ``student_a,student_b,question,score,others``, highest first, per
question: one line per group of students whose code is the same (score 1; ``others``:
the group's members beyond the two named, ``; ``-separated), then the pairs of different
code scoring at least FLOOR, at most PARTNERS per student (its most similar; a group's
first student stands for the group). A class of n copies is one line, not n(n - 1)/2;
lines grow as PARTNERS * n at most. ``report.html`` shows the most similar side by side.

The code of a question (``question_code``): in a student's code cells, read as text (never
run or imported), the top-level definitions of the names the question owns, from their
last definition on, then, transitively, the student's top-level definitions they use that
no other question owns (helpers). A question owns the names its cases need
(``Case.needs``) that no earlier question needs (mnist's ``build_model`` is q2's, not q3's).

Normal form (``normal_form``), what is compared: the AST in preorder, one token per node;
comments, docstrings and placeholders (``...``, ``pass``) dropped; the names a student
chooses (variables, parameters, functions) and strings reduced to one token each, as
copydetect does; attribute names (library calls), numbers, keywords and operators kept.
The statements of every block are sorted by their normal form, and so are the helpers:
renaming, re-printing, comments and reordering leave the normal form unchanged.

Fingerprints (winnowing, Schleimer, Wilkerson and Aiken 2003): every K consecutive tokens
hashed (a stable 64-bit hash: a run gives the same scores every time), the minimum of
every WINDOW consecutive hashes kept, minus every K-gram of the released starter code (the
stubs and the other code cells of the student notebook): starter code alone has none.

Score of a pair: Jaccard ``|A & B| / |A | B|`` of their fingerprint sets. Code with fewer
than MIN_PRINTS fingerprints (nothing written, a one-line answer) is not compared. A
question's pairs are scored all at once from an index of who holds each fingerprint
(``shared_counts``, over one member per group of equal fingerprint sets), never by
comparing two texts.
"""
from __future__ import annotations

import ast
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from autograder.grading.outputs import files
from autograder.grading.outputs.files import cell
from autograder.grading.outputs.run import Run
from autograder.otter_format import plain_python, student_code_cells

K = 8            # tokens per hashed K-gram
WINDOW = 4       # K-grams per winnowing window: any common run of K + WINDOW - 1 tokens counts
FLOOR = 0.2      # pairs scoring below this are not written (honest pairs score up to ~0.25)
MIN_PRINTS = 5   # question code with fewer fingerprints is not compared: too short to tell
                 # a copy from the same one-line answer
DENSE_FROM = 64  # fingerprints held by more submissions are counted by a matrix product
PARTNERS = 10    # pairs of different code kept per student: its most similar
HEADER = ("student_a", "student_b", "question", "score", "others")
DEFINES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True, slots=True)
class SimilarPair:
    """Two students' code for one question (``code_a``, ``code_b``: their source of it)
    and its ``score`` in [0, 1]; ``student_a`` < ``student_b``. ``others``: further
    students whose code is the same as both (a group: score 1)."""

    student_a: str
    student_b: str
    question: str
    score: float
    code_a: str
    code_b: str
    others: tuple[str, ...] = ()


# ----------------------------------------------------------------------------- the code
def question_names(cases) -> dict[str, tuple[str, ...]]:
    """Question -> the names it owns (needed by its cases, by no earlier question)."""
    owned: dict[str, list[str]] = {}
    seen: set[str] = set()
    for case in cases:
        names = owned.setdefault(case.question, [])
        names += [n for n in case.needs if n not in seen]
        seen |= set(case.needs)
    return {question: tuple(names) for question, names in owned.items()}


@dataclass(frozen=True, slots=True)
class Definition:
    """A top-level statement binding a name: ``text``, its source lines; ``tokens`` and
    ``uses``, its ``normal_form``; ``anew``: it binds the name anew (not ``+=``)."""

    text: str
    tokens: tuple[str, ...]
    uses: frozenset[str]
    anew: bool


Definitions = dict  # name -> [Definition], in cell order


def definitions(cells: list[str], cache: dict | None = None) -> Definitions:
    """Name -> the top-level statements of code ``cells`` binding it, in cell order. IPython
    syntax is allowed; cells that do not parse are skipped (running them defines nothing).
    ``cache``: cell source -> its statements, shared by calls (equal cells read once)."""
    out: Definitions = {}
    for text in cells:
        found = cache.get(text) if cache is not None else None
        if found is None:
            found = _cell_definitions(text)
            if cache is not None:
                cache[text] = found
        for names, definition in found:
            for name in names:
                out.setdefault(name, []).append(definition)
    return out


def _cell_definitions(text: str) -> list[tuple[list[str], Definition]]:
    try:
        try:
            code, body = text, ast.parse(text).body
        except SyntaxError:  # IPython syntax (magics, !cmd) is not Python
            code = plain_python(text)
            body = ast.parse(code).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    lines = code.split("\n")
    out = []
    for stmt in body:
        names = _bound_names(stmt)
        if not names:
            continue
        try:
            tokens, uses = normal_form(stmt)
        except RecursionError:  # nested too deep to read: nothing to compare
            tokens, uses = [], set()
        start = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
        out.append((names, Definition("\n".join(lines[start - 1:stmt.end_lineno]),
                                      tuple(tokens), frozenset(uses),
                                      not isinstance(stmt, ast.AugAssign))))
    return out


def _bound_names(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, DEFINES):
        return [stmt.name]
    targets = stmt.targets if isinstance(stmt, ast.Assign) else \
        [stmt.target] if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) else []
    return list(dict.fromkeys(n.id for t in targets for n in ast.walk(t)
                              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)))


def _last_binding(found: list[Definition]) -> list[Definition]:
    """The statements from the last one that binds the name anew on."""
    anew = [i for i, d in enumerate(found) if d.anew]
    return found[anew[-1] if anew else 0:]


def question_code(defined: Definitions, names, others=()) -> list[Definition]:
    """The code of the question owning ``names``: their definitions in ``defined``, then
    the helpers they use (transitively), sorted by normal form; names in ``others`` (other
    questions') are not helpers."""
    own = [d for name in names for d in _last_binding(defined.get(name, []))]
    helpers: list[Definition] = []
    seen, todo = set(names) | set(others), list(own)
    while todo:
        for name in sorted(todo.pop().uses - seen):
            if name in defined:
                seen.add(name)
                helpers += _last_binding(defined[name])
                todo += _last_binding(defined[name])
    return _unique(own) + sorted(_unique(helpers), key=lambda d: d.tokens)


def _unique(found: list[Definition]) -> list[Definition]:
    """``found`` without repeats (``a, b = ...`` binds two names), in order."""
    return list({id(d): d for d in found}.values())


def code_text(code: list[Definition]) -> str:
    return "\n\n".join(d.text for d in code)


def code_tokens(code: list[Definition]) -> list[str]:
    return [token for d in code for token in d.tokens]


# ----------------------------------------------------------------------------- normal form
def normal_form(stmt: ast.stmt) -> tuple[list[str], set[str]]:
    """(tokens, uses) of a top-level statement, in one pass over its AST.

    tokens: the AST in preorder, one token per node (its type name); the names a student
    chooses left out (``V`` for a variable, nothing for a parameter or a function name),
    strings ``S``; attribute, keyword and imported names and numbers kept; the statements
    of every block sorted, placeholders (docstrings, ``...``, ``pass``) dropped.
    uses: the names it reads and does not bind itself (parameters, locals, inner defs).
    """
    loads: set[str] = set()
    bound: set[str] = set()

    def tokens(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else bound).add(node.id)
            return ["V"]
        if isinstance(node, ast.Constant):
            return ["S"] if isinstance(node.value, (str, bytes)) else [repr(node.value)]
        out = [type(node).__name__]
        if isinstance(node, ast.Attribute):
            out.append(node.attr)
        elif isinstance(node, ast.keyword):
            out.append(node.arg or "**")
        elif isinstance(node, ast.alias):
            out.append(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, DEFINES) and node is not stmt:
            bound.add(node.name)
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                for part in sorted(tokens(s) for s in value if not _placeholder(s)):
                    out += part
                out.append("End")
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        out += tokens(item)
            elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
                out += tokens(value)
        return out

    return tokens(stmt), loads - bound


def _placeholder(stmt: ast.stmt) -> bool:
    """A statement that stands for code: a bare constant (a docstring, a string comment,
    ``...``), ``pass``, ``raise NotImplementedError``."""
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        error = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(error, ast.Name) and error.id == "NotImplementedError"
    return isinstance(stmt, ast.Pass) or \
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


# ----------------------------------------------------------------------------- fingerprints
@lru_cache(maxsize=1 << 16)
def _token_hash(token: str) -> int:
    return zlib.crc32(token.encode())


def kgram_hashes(tokens) -> np.ndarray:
    """Stable 64-bit hash of every K consecutive ``tokens`` (uint64, len(tokens) - K + 1)."""
    values = np.fromiter(map(_token_hash, tokens), np.uint64, len(tokens))
    n = len(values) - K + 1
    if n <= 0:
        return np.zeros(0, np.uint64)
    hashes = np.zeros(n, np.uint64)
    for j in range(K):  # polynomial hash modulo 2**64, then mixed (splitmix64's finalizer)
        hashes = hashes * np.uint64(0x100000001B3) + values[j:j + n]
    hashes ^= hashes >> np.uint64(31)
    hashes *= np.uint64(0x94D049BB133111EB)
    return hashes ^ (hashes >> np.uint64(29))


def winnow(hashes: np.ndarray) -> np.ndarray:
    """The minimum (rightmost when tied) of every WINDOW consecutive ``hashes``, as a
    sorted set; one window when there are fewer."""
    if len(hashes) == 0:
        return hashes
    width = min(WINDOW, len(hashes))
    windows = np.lib.stride_tricks.sliding_window_view(hashes, width)
    chosen = np.arange(len(windows)) + width - 1 - np.argmin(windows[:, ::-1], axis=1)
    return np.unique(hashes[chosen])


def fingerprints(tokens, boilerplate: np.ndarray) -> np.ndarray:
    """Winnowed K-gram hashes of ``tokens`` that are not in ``boilerplate`` (sorted)."""
    return np.setdiff1d(winnow(kgram_hashes(tokens)), boilerplate, assume_unique=True)


def boilerplate(cells: list[str], cases) -> np.ndarray:
    """Every K-gram hash of the starter ``cells``: of each question's code and of each
    top-level statement, in normal form (sorted set)."""
    defined = definitions(cells)
    runs = [code_tokens(question_code(defined, names)) for names in question_names(cases).values()]
    runs += [d.tokens for found in defined.values() for d in found]
    return np.unique(np.concatenate([np.zeros(0, np.uint64), *map(kgram_hashes, runs)]))


# ----------------------------------------------------------------------------- pairs
def shared_counts(sets: list[np.ndarray]) -> np.ndarray:
    """(n, n) matrix whose entry (i, j), i < j, is how many fingerprints ``sets`` i and j
    share. From the index fingerprint -> holders: a fingerprint held by m <= DENSE_FROM
    sets adds 1 to each of its m (m - 1) / 2 pairs; the others, at most
    total / DENSE_FROM of them, go through one matrix product."""
    n = len(sets)
    holder = np.repeat(np.arange(n), [len(s) for s in sets])
    values = np.concatenate([np.zeros(0, np.uint64), *sets])
    order = np.argsort(values, kind="stable")  # holders stay ascending within a fingerprint
    values, holder = values[order], holder[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if n else np.zeros(0, int)
    sizes = np.diff(np.r_[starts, len(values)])
    cells = [np.zeros(0, np.int64)]
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= DENSE_FROM)]):
        members = holder[starts[sizes == size][:, None] + np.arange(size)]
        first, second = np.triu_indices(size, 1)
        cells.append((members[:, first] * n + members[:, second]).ravel())
    shared = np.bincount(np.concatenate(cells), minlength=n * n).reshape(n, n)
    heavy = np.flatnonzero(sizes > DENSE_FROM)
    if len(heavy):
        incidence = np.zeros((n, len(heavy)), np.float32)
        for column, start in enumerate(starts[heavy]):
            incidence[holder[start:start + sizes[heavy[column]]], column] = 1.0
        shared += np.rint(incidence @ incidence.T).astype(np.int64)
    return shared


def question_pairs(question: str, codes: list[tuple[str, str]], sets: list[np.ndarray],
                   floor: float = FLOOR, partners: int = PARTNERS) -> list[SimilarPair]:
    """Among students with (student, code text) ``codes`` and fingerprint ``sets``: one
    pair per group of equal sets (the rest of the group in ``others``), then the pairs of
    groups scoring at least ``floor`` that are among the ``partners`` best of either
    (a group named by its first student)."""
    groups: dict[bytes, list[int]] = {}
    for i, prints in enumerate(sets):
        groups.setdefault(prints.tobytes(), []).append(i)
    members = [sorted(group, key=lambda i: codes[i]) for group in groups.values()]
    out = [_pair(question, codes, group[0], group[1], 1.0, tuple(codes[i][0] for i in group[2:]))
           for group in members if len(group) > 1]
    heads = [group[0] for group in members]
    shared = np.triu(shared_counts([sets[i] for i in heads]), 1).astype(np.float32)
    shared += shared.T
    sizes = np.array([len(sets[i]) for i in heads], np.float32)
    scores = shared / (sizes[:, None] + sizes[None, :] - shared)
    np.fill_diagonal(scores, -1.0)
    scores[scores < floor] = -1.0
    best = np.zeros(scores.shape, bool)
    if len(heads) > 1:
        top = np.argpartition(-scores, min(partners, len(heads) - 1) - 1, axis=1)[:, :partners]
        best[np.arange(len(heads))[:, None], top] = True
    first, second = np.nonzero(np.triu((best | best.T) & (scores >= 0), 1))
    out += [_pair(question, codes, heads[i], heads[j], float(scores[i, j]))
            for i, j in zip(first, second)]
    return out


def _pair(question: str, codes, i: int, j: int, score: float,
          others: tuple[str, ...] = ()) -> SimilarPair:
    (a, code_a), (b, code_b) = sorted([codes[i], codes[j]])
    return SimilarPair(a, b, question, round(score, 4), code_a, code_b, others)


def similar_pairs(submissions, cases, starter=(), floor: float = FLOOR) -> list[SimilarPair]:
    """The pairs of ``submissions`` (``student``, code ``cells``) scoring at least ``floor``
    on a question of ``cases`` (``question_pairs``: groups of the same code, at most
    PARTNERS others per student), highest score first; ``starter``: the code cells of the
    released student notebook."""
    owned = question_names(cases)
    removed = boilerplate(list(starter), cases)
    cache: dict = {}
    defined = [(s.student, definitions([c["source"] for c in s.cells], cache))
               for s in submissions]
    pairs = []
    for question, names in owned.items():
        others = {n for q, ns in owned.items() if q != question for n in ns}
        codes, sets = [], []
        for student, found in defined:
            code = question_code(found, names, others)
            prints = fingerprints(code_tokens(code), removed)
            if len(prints) >= MIN_PRINTS:
                codes.append((student, code_text(code)))
                sets.append(prints)
        pairs += question_pairs(question, codes, sets, floor)
    return sorted(pairs, key=lambda p: (-p.score, p.question, p.student_a, p.student_b))


def starter_cells(master: Path | None) -> list[str]:
    """The code cells of the student notebook released from the master notebook ``master``
    (none when there is no master: a fixture assignment)."""
    import nbformat

    if master is None or not Path(master).is_file():
        return []
    return student_code_cells(nbformat.read(master, as_version=4))


def write(out: Path, run: Run) -> None:
    """``out/similarity.csv``: the run's similar pairs (``Run.similar``, from
    ``similar_pairs``), highest score first; nothing when the run computed none."""
    if run.similar is None:
        return
    files.write_csv(Path(out) / "similarity.csv",
                    [HEADER, *([cell(p.student_a), cell(p.student_b), p.question,
                                f"{p.score:.4f}", "; ".join(map(cell, p.others))]
                               for p in run.similar)])
