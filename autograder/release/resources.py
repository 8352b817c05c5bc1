"""Grading under Gradescope's container limits: by default 1/2 vCPU, 768 MB, 10 minutes;
an assignment that needs a larger container names it (``GRADESCOPE_LIMITS`` of its checks
module, e.g. ``{"cpus": 2.0, "memory_mb": 3072}``), and the instructor selects that size
in Gradescope's autograder settings.

The command runs pinned to ceil(cpus) cores (``taskset``) inside child cgroups of this
process's own (autograder.grading.sandbox.cgroups: Linux, root, cgroup v1 or v2) that cap
its memory and its CPU time (CFS quota: cpus x 100 ms per 100 ms). The peak memory is the
cgroup's high-water mark (page cache included), else the peak summed RSS of the process
tree (psutil). Where a cgroup cannot be made, the command runs without that cap and the
figures say so.
"""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
from pathlib import Path

import psutil

from autograder.grading.sandbox.cgroups import Group

MEMORY_LIMIT = 768 * 2**20
CPUS = 0.5
TIME_LIMIT = 600


def limits_of(assignment) -> dict:
    """{"memory_limit": bytes, "cpus": float} for grading an assignment (an
    autograder.assignment.Assignment) on Gradescope."""
    wanted = assignment.gradescope_limits
    return {"memory_limit": int(wanted.get("memory_mb", MEMORY_LIMIT / 2**20) * 2**20),
            "cpus": float(wanted.get("cpus", CPUS))}


def measure(cmd: list[str], cwd: Path, env: dict | None = None,
            memory_limit: int = MEMORY_LIMIT, cpus: float = CPUS,
            time_limit: int = TIME_LIMIT, pids: int | None = None) -> dict:
    """Run ``cmd`` under the limits (``pids``: also at most that many processes); return
    wall time, peak memory and how it was capped."""
    limits = Group(memory=memory_limit, cpus=cpus, pids=pids)
    cores = min(math.ceil(cpus), os.cpu_count() or 1)
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", f"0-{cores - 1}", *cmd]
    start, peak_rss = time.perf_counter(), 0
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, preexec_fn=limits.enter)
        while proc.poll() is None:
            if time.perf_counter() - start > time_limit:
                _kill_tree(proc.pid)
                break
            peak_rss = max(peak_rss, _tree_rss(proc.pid))
            time.sleep(0.05)
        output = proc.stdout.read().decode(errors="replace")
        proc.wait()
        wall = time.perf_counter() - start
        peak_cgroup = limits.peak()
    finally:
        limits.close()
    return {
        "command": " ".join(cmd),
        "exit_code": proc.returncode,
        "wall_seconds": round(wall, 2),
        "peak_rss_bytes": peak_rss,
        "peak_cgroup_bytes": peak_cgroup,
        "memory_limit_bytes": memory_limit if "memory" in limits.capped else None,
        "cpu_limit": f"{cpus:g} core(s) (CFS quota)" if "cpu" in limits.capped else "none",
        "cpus": f"{cores} core(s) ({' '.join(cmd[:3])})" if cmd[0] == "taskset" else "unpinned",
        "output_tail": output[-1500:],
    }


def _kill_tree(pid: int) -> None:
    try:
        parent = psutil.Process(pid)
        for p in [*parent.children(recursive=True), parent]:
            p.kill()
    except psutil.Error:
        pass


def _tree_rss(pid: int) -> int:
    try:
        parent = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])
    except psutil.Error:
        return 0
