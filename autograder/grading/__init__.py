"""Sealed bulk grading (``make grade``): student notebooks run in confined processes,
the checks run here and only exchange plain data with them. See docs/grading.md and the
module map in docs/architecture.md.

submissions       find and read submissions (data only), student ids, content hashes
sandbox/          the student process: fork server, isolation, cgroups, wire protocol,
                  the grader's end of it and the proxies checks get
runner            grades one submission: cases, time limits, restarts
diagnosis         names the known mistake behind a failed case (replays MISTAKES)
results           per-submission results on disk (written as they finish, resumable)
batch             grades a folder: what to grade (resume), the run's Job, outputs
executors/        where it is graded: local threads, or a Slurm job array (docs/scale.md)
outputs/          gradebook, exports, feedback, report, leaderboard, written pages,
                  similarity (similar code across submissions, per question)
grade_command     command line (``advopt grade``)
throughput_bench  ``make bench-grading``: the sealed grader against ``otter run``
similarity_bench  the similarity output's time on a synthetic class
"""
