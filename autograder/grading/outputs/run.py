"""The record every output is written from: ``<output>.write(out, run)`` for each module of
``outputs/`` (``batch.write_outputs`` calls them all, in order, after every run)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.grading.manual import Marking
    from autograder.grading.outputs.similarity import SimilarPair
    from autograder.grading.results import Result
    from autograder.grading.submissions import Submission, Survey


@dataclass(frozen=True)
class Run:
    """One grading run, as its outputs see it.

    results: one per submission, in the order found, written scores merged; points:
    question -> max points (written questions included); assignment: its name (a column
    of canvas.csv); measured: the assignment has a benchmark (leaderboard.csv);
    submissions, marking: what the written-answer pages are made of (none without);
    similar: similar code across submissions (``similarity.similar_pairs``, highest score
    first; None: not computed, no similarity.csv and no report section); zeros: rows not
    graded normally count their total in the uploads (exports.py; default: empty);
    survey: what the submissions folder held besides the submissions (files not graded,
    people in several submissions; the report lists them).
    """

    results: list[Result]
    points: dict[str, float]
    assignment: str = ""
    measured: bool = False
    submissions: tuple[Submission, ...] = ()
    marking: Marking | None = None
    similar: tuple[SimilarPair, ...] | None = None
    zeros: bool = False
    survey: Survey | None = None
