"""Instructor releases: build dist/<assignment>/ from the master notebook, then prove it.

    python -m autograder.release [assignment ...]     (make release)

layout.py says where the inputs are,
build.py builds (otter assign, the grading wheel, a normalised Gradescope zip),
verify.py grades the solution and the untouched student notebook through the zip
    and rebuilds to prove the build deterministic,
leaks.py proves that no solution or hidden test reaches student files,
resources.py measures grading under Gradescope's default limits.
"""
