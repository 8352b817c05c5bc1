"""``advopt grade``: grade a folder of submissions in sealed sandboxes.

    advopt grade SUBMISSIONS [--out graded] [--assignment optimization] [--jobs auto]
                 [--timeout 120] [--memory 2048] [--force] [--gpu] [--quiet]
                 [--manual manual.csv] [--anonymous] [--zeros] [--force-assignment]
                 [--executor slurm [--partition P] [--account A] [--time-limit T]
                  [--tasks N] [--sbatch OPTION ...]]

SUBMISSIONS: notebooks or grader.export() zips, a Gradescope export (or its zip), a Canvas
or Moodle bulk download. Writes OUT/gradebook.csv, OUT/results/, OUT/feedback/,
OUT/report.html, OUT/canvas.csv and OUT/gradescope.csv, and for written questions
OUT/written/<question>.html and OUT/manual.csv to fill in.
Interrupted (Ctrl-C, kill)? Run the same command again: finished submissions are kept.
With --executor slurm the submissions are graded by a Slurm job array (docs/scale.md).
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from autograder.grading import stopping
from autograder.grading.executors.slurm import SHARE_SIZE, SlurmExecutor, SlurmOptions
from autograder.grading.outputs.files import printable
from autograder.grading.sandbox.process import GraderError
from autograder.grading.runner import Limits
from autograder.grading.submissions import InputError

MIN_MEMORY_MB = 64


def whole(minimum: int):
    """An argparse type: a whole number of at least ``minimum``, else a message saying
    what it got (argparse puts the option's name first)."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"a whole number of at least {minimum} is needed, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


def whole_or_auto(minimum: int):
    """An argparse type: ``auto`` (None) or a whole number of at least ``minimum``."""
    number = whole(minimum)

    def parse(text: str) -> int | None:
        return None if text.strip() == "auto" else number(text)
    return parse


def seconds(text: str) -> float:
    """An argparse type: a finite number of seconds above 0."""
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"a number of seconds above 0 is needed, got {text!r}")
    return value


def named(what: str):
    """An argparse type: a text that is not empty (a path, an assignment name)."""
    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"empty: give {what}")
        return text
    return parse


class _Parser(argparse.ArgumentParser):
    """Bad options end in one line (``advopt grade: ...``, exit 2), not a usage block."""

    def error(self, message: str):
        raise InputError(message.removeprefix("argument "))


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="advopt grade", description=__doc__.split("\n\n")[0],
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog="See docs/grading.md.")
    p.add_argument("submissions", help="folder of submissions (or its zip)")
    p.add_argument("--out", default="graded", type=named("an output folder"),
                   help="output folder (default: graded)")
    p.add_argument("--assignment", default="optimization",
                   type=named("an assignment name"),
                   help="assignment name (autograder.<name>) or a module path with CASES")
    p.add_argument("--jobs", type=whole_or_auto(1), default=None,
                   help="submissions graded at once: a number or auto (default: auto, two "
                        "per core here; with --executor slurm, 2 per task)")
    p.add_argument("--timeout", type=seconds, default=Limits.timeout,
                   help="seconds per submission: notebook and all checks (default: 120)")
    p.add_argument("--memory", type=whole(MIN_MEMORY_MB),
                   default=Limits.memory_mb, help="MB of memory per submission (default: 2048)")
    p.add_argument("--force", action="store_true",
                   help="grade everything again, even unchanged submissions")
    p.add_argument("--gpu", action="store_true",
                   help="grade only the GPU questions and merge them into OUT/gradebook.csv")
    p.add_argument("--manual", metavar="CSV", type=named("the filled manual.csv"),
                   help="filled manual.csv: written scores merged into gradebook and feedback")
    p.add_argument("--anonymous", action="store_true",
                   help="pseudonyms instead of student ids on the written-answer pages")
    p.add_argument("--zeros", action="store_true",
                   help="rows not graded normally (invalid, error, timeout, pending) count "
                        "their total in canvas.csv and gradescope.csv (default: empty)")
    p.add_argument("--force-assignment", action="store_true",
                   help="grade submissions that look like another assignment's")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--executor", choices=("local", "slurm"), default="local",
                   help="where submissions are graded: this machine (default) or a Slurm "
                        "job array (OUT on a filesystem the nodes share)")
    slurm = p.add_argument_group("Slurm (--executor slurm; docs/scale.md)")
    slurm.add_argument("--partition", default="", help="partition (default: Slurm's)")
    slurm.add_argument("--account", default="", help="account to charge")
    slurm.add_argument("--time-limit", default="",
                       help="per task, in Slurm's format: minutes, H:MM:SS or D-HH:MM "
                            "(default: the partition's)")
    slurm.add_argument("--tasks", type=whole(1), default=None,
                       help="array tasks, each grading a share with --jobs at once "
                            f"(default: one per {SHARE_SIZE} submissions); with --gpu, one "
                            "GPU each: the GPUs used at once")
    slurm.add_argument("--sbatch", action="append", default=[], metavar="OPTION",
                       help="a further sbatch option, e.g. --sbatch=--qos=short (repeatable)")
    return p


def executor(args):
    """The executor the options ask for (None: this machine)."""
    if args.executor == "local":
        return None
    return SlurmExecutor(SlurmOptions(args.partition, args.account, args.time_limit,
                                      args.tasks, tuple(args.sbatch)))


def main(argv=None) -> int:
    try:
        args = parser().parse_args(argv)
        if not args.submissions.strip():
            raise InputError("no submissions folder given (make grade SUBMISSIONS=path/to/folder)")
        if args.manual is not None and not Path(args.manual).is_file():
            raise InputError(f"--manual {args.manual}: no such file")
        from autograder.grading.batch import grade_folder

        with stopping.handled():
            summary = grade_folder(args.submissions, args.out, args.assignment,
                                   Limits(timeout=args.timeout, memory_mb=args.memory),
                                   jobs=args.jobs, gpu=args.gpu, force=args.force,
                                   progress=not args.quiet, manual=args.manual,
                                   anonymous=args.anonymous, zeros=args.zeros,
                                   force_assignment=args.force_assignment,
                                   executor=executor(args))
    except InputError as e:
        say(f"advopt grade: {e}", sys.stderr)
        return 2
    except GraderError as e:
        say(f"advopt grade: the grader failed, nothing graded was lost: {e}", sys.stderr)
        return 1
    except KeyboardInterrupt:
        say("advopt grade: stopped before the outputs were written; run the same command "
            "again (what was graded is kept)", sys.stderr)
        return 130
    for warning in summary.warnings:
        say(f"warning: {warning}", sys.stderr)
    say(summary.line())
    if summary.unfinished:
        say(f"{summary.unfinished} submission(s) not graded (why, and the task's log: "
            f"{summary.out / 'report.html'}, Needs attention); run the same command "
            f"again to grade them", sys.stderr)
        return 1
    if summary.interrupted:
        say("run the same command again to grade the rest", sys.stderr)
        return 130
    return 0


def say(text: str, stream=None) -> None:
    """Print ``text`` to the TA's terminal, each line made printable (``files.printable``:
    a student's text may hold escape sequences)."""
    for line in str(text).split("\n"):
        print(printable(line), file=stream or sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
