"""Sealed bulk grading (``make grade``): student notebooks run in confined processes,
the checks run here and only exchange plain data with them. See docs/grading.md.

submissions  find and read submissions (data only), student ids, content hashes
protocol     the wire format between grader and sandbox (JSON + .npy, no pickle) and
             the table of requests (Op) and replies (Reply)
isolation    OS confinement of a student process (namespaces, mounts, limits); cgroups
sandbox      student side: the fork server, StudentServer (answers requests, runs cells)
process      grader side: ForkServer client, StudentProcess (sends requests, charged to
             an explicit TimeBudget), SandboxLost
proxy        what checks get in place of student objects (function proxies, Remote handles)
runner       grades one submission: cases, time limits, restarts
diagnosis    names the known mistake behind a failed case (replays MISTAKES on its calls)
results      per-submission results on disk (written as they finish, resumable)
batch        grades a folder: what to grade (resume), the Job, outputs
executors/   where it is graded: local threads, or a Slurm job array (docs/scale.md)
gradebook, feedback, report, leaderboard   the outputs
cli          command line (``advopt grade``); bench: ``make bench-grading``
"""
