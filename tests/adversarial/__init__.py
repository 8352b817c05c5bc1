"""Hostile submissions (test_grading_adversarial.py). Each file is an attack, read as
text and never imported here:

    docstring      what the attack tries
    BASE = ...     "student" (unfilled answers: honest score 0) or "solution" (all correct)
    LOSES = ...    student functions the attack breaks: their cases earn nothing
                   ("all" for every case); the rest keeps what the base earns
    STATUS = ...   the gradebook status the grader must give it
    ARCHIVE = ...  (optional) True: submitted as a grader.export() zip with a malicious
                   .OTTER_LOG pickle
    DESTRUCTIVE    (optional) True: tries to delete files; run only inside a sealed sandbox
    COPIES = n     (optional) graded as n submissions at once (name, name-2, ...): attacks
                   between sandboxes
    # %%           the cells that follow are appended to the base notebook
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Attack:
    name: str
    doc: str
    base: str
    loses: frozenset | str
    status: str
    cells: tuple
    archive: bool = False
    destructive: bool = False
    copies: int = 1

    @property
    def students(self) -> list[str]:
        """The student ids its copies are graded as."""
        return [self.name] + [f"{self.name}-{n}" for n in range(2, self.copies + 1)]


def load() -> list[Attack]:
    attacks = []
    for path in sorted(HERE.glob("*.py")):
        if path.name == "__init__.py":
            continue
        text = path.read_text()
        head, *cells = text.split("\n# %%\n")
        tree = ast.parse(head)
        meta = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
                if isinstance(node, ast.Assign)}
        loses = meta["LOSES"]
        attacks.append(Attack(path.stem, ast.get_docstring(tree), meta["BASE"],
                              loses if loses == "all" else frozenset(loses), meta["STATUS"],
                              tuple(c.strip("\n") for c in cells), meta.get("ARCHIVE", False),
                              meta.get("DESTRUCTIVE", False), meta.get("COPIES", 1)))
    return attacks


def expected_total(attack: Attack) -> float:
    """The points an attack's submission keeps: its base's, less its broken functions'."""
    from autograder.optimization import CASES

    if attack.base == "student" or attack.loses == "all":
        return 0.0
    return sum(c.points for c in CASES if not set(c.needs) & attack.loses)
