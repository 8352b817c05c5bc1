"""``advopt``: one command line for instructors and TAs.

    advopt release [assignment ...]        build dist/<assignment>/ and verify it
    advopt grade SUBMISSIONS [options]     bulk-grade a folder of submissions
    advopt bench                           MNIST pipeline benchmark (GPU when present)
    advopt bench-grading                   bulk grader vs `otter run`, side by side
    advopt notebooks {sync,check} NAME     keep a master notebook in sync with the code
"""
import importlib
import sys

COMMANDS = {
    "release": "autograder.release.__main__",
    "grade": "autograder.grading.grade_command",
    "bench": "autograder.pipeline_bench",
    "bench-grading": "autograder.grading.throughput_bench",
    "notebooks": "autograder.notebooks",
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(COMMANDS[argv[0]])
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())
