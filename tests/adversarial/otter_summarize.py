"""Patches doctest.DocTestRunner.summarize so every test reports success: with `otter
run` 7.0.0 this scores full marks with wrong code (Otter's tests are doctests run in
the student's kernel)."""
BASE = "student"
LOSES = "all"
STATUS = "graded"

# %%
import doctest

doctest.DocTestRunner.summarize = lambda self, verbose=None: doctest.TestResults(0, self.tries)
doctest.DocTestRunner.run = lambda self, test, *a, **k: doctest.TestResults(0, len(test.examples))
