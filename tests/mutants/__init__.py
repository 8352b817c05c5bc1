"""The mutant corpus: realistic student answers, right and wrong, for every function.

``<function>.py`` holds variants named ``correct_<style>`` or ``wrong_<mistake>``, each with
the signature of docs/spec.md and self-contained (imports inside the body), so that renamed to
``<function>`` it can be dropped into a student notebook. ``megabytes.py`` holds pairs of
numeric answers of Q7. See tests/mutant_harness.py and tests/test_mutants*.py.
"""
