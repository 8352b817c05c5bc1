"""Time of the similarity output on a large class (speed figures come from here, not tests).

    python -m autograder.grading.similarity_bench [--n 1000] [--assignment optimization]

Builds N synthetic submissions from the master notebook: its code cells (the solutions),
each top-level function perturbed at random (statements dropped, duplicated or added,
numbers changed), so that no two students' code is the same; then times
``similarity.similar_pairs`` on them and prints submissions, questions, pairs at or above
the floor, seconds, CPU seconds and the peak memory of the process.
"""
from __future__ import annotations

import argparse
import ast
import random
import resource
import time
from types import SimpleNamespace

import nbformat

from autograder.assignment import load_assignment
from autograder.grading.outputs import similarity
from autograder.notebooks import master_path
from autograder.otter_format import source, walk


CALLS = ("np.sum", "np.exp", "np.sqrt", "np.maximum", "np.log", "np.where", "np.asarray",
         "np.mean", "np.zeros_like", "np.clip", "float", "len", "abs")
OPERATORS = ("+", "-", "*", "/", "**", "@")


def random_expression(names: list[str], rng: random.Random, depth: int = 3) -> str:
    """A random expression over ``names``, numbers, operators and library calls."""
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(names) if names and rng.random() < 0.7 else str(rng.randint(0, 9))
    if rng.random() < 0.4:
        args = ", ".join(random_expression(names, rng, depth - 1)
                         for _ in range(rng.randint(1, 2)))
        return f"{rng.choice(CALLS)}({args})"
    return (f"({random_expression(names, rng, depth - 1)} {rng.choice(OPERATORS)} "
            f"{random_expression(names, rng, depth - 1)})")


def rewritten(code: str, rng: random.Random, share: float) -> str:
    """``code`` with each statement of its top-level functions kept with probability
    ``share``, else replaced by a random assignment; then one to three more of those."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        names = [a.arg for a in fn.args.args]

        def fresh(names=names):
            return ast.parse(f"{rng.choice(['a', 'b', 'c', 'out', 'tmp'])} = "
                             f"{random_expression(names + ['a', 'b'], rng)}").body[0]
        fn.body = [stmt if rng.random() < share else fresh() for stmt in fn.body]
        for _ in range(rng.randint(1, 3)):
            fn.body.insert(rng.randrange(len(fn.body) + 1), fresh())
    return ast.unparse(tree)


def synthetic_class(assignment: str, n: int, share: float, seed: int = 0) -> list:
    """``n`` submissions (``student``, ``cells``) made from the master's solution cells,
    each statement of the solutions kept with probability ``share`` (``rewritten``)."""
    master = nbformat.read(master_path(assignment), as_version=4)
    solved = [source(c) for c, _, block in walk(master)
              if c.get("cell_type") == "code" and block != "tests"]
    rng = random.Random(seed)
    return [SimpleNamespace(student=f"student{i:04d}",
                            cells=[{"number": j, "source": rewritten(code, rng, share)}
                                   for j, code in enumerate(solved, 1)])
            for i in range(n)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--assignment", default="optimization")
    parser.add_argument("--share", type=float, default=0.5,
                        help="probability that a statement of the solution is kept")
    args = parser.parse_args(argv)
    cases = load_assignment(args.assignment).cases
    submissions = synthetic_class(args.assignment, args.n, args.share)
    started, cpu = time.perf_counter(), time.process_time()
    pairs = similarity.similar_pairs(submissions, cases,
                                       similarity.starter_cells(master_path(args.assignment)))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    questions = len([q for q, names in similarity.question_names(cases).items() if names])
    print(f"{args.n} submissions x {questions} questions: {len(pairs)} pairs at or above "
          f"{similarity.FLOOR} in {seconds:.1f} s ({cpu:.1f} s of CPU); peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
