"""Hostile submissions (tests/adversarial/) graded in one run next to an honest one.

Each must score exactly what its honest code earns (never more), get the status its
attack deserves, and leave the grader, the other submissions, the machine and the TA's
terminal unharmed: nothing the run prints holds a control character, and no student's
feedback says how its process ended.
"""
from hostile_run import ATTACKS, assert_breached_nothing, grade_everything


def test_corpus_is_large_and_documented():
    assert len(ATTACKS) >= 15
    for attack in ATTACKS:
        assert attack.doc and attack.base in ("student", "solution")
        assert attack.status in ("graded", "timeout", "error")


def test_hostile_submissions_earn_only_what_their_honest_code_earns(tmp_path, capsys):
    """One run for the whole corpus (a single test: xdist would repeat a shared fixture)."""
    graded = grade_everything(tmp_path)
    printed = capsys.readouterr()
    assert_breached_nothing(graded, printed)
