"""Grading under Gradescope's default container limits: 1/2 vCPU, 768 MB, 10 minutes.

The command runs pinned to one core (``taskset``) inside a memory cgroup capped at
768 MB when the machine allows it (Linux, root, cgroup v1 or v2); the peak memory is the
cgroup's high-water mark, else the peak summed RSS of the process tree (psutil).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import psutil

MEMORY_LIMIT = 768 * 2**20
TIME_LIMIT = 600
CGROUP_V1 = Path("/sys/fs/cgroup/memory")
CGROUP_V2 = Path("/sys/fs/cgroup")


def _make_cgroup(limit: int):
    """(directory, peak-file name) of a fresh memory cgroup, or (None, None)."""
    name = f"advopt-{uuid.uuid4().hex[:8]}"
    try:
        if (CGROUP_V1 / "memory.limit_in_bytes").exists():
            path = CGROUP_V1 / name
            path.mkdir()
            (path / "memory.limit_in_bytes").write_text(str(limit))
            return path, "memory.max_usage_in_bytes"
        if (CGROUP_V2 / "cgroup.controllers").exists():
            path = CGROUP_V2 / name
            path.mkdir()
            (path / "memory.max").write_text(str(limit))
            return path, "memory.peak"
    except OSError:
        pass
    return None, None


def measure(cmd: list[str], cwd: Path, env: dict | None = None,
            memory_limit: int = MEMORY_LIMIT, time_limit: int = TIME_LIMIT) -> dict:
    """Run ``cmd`` under the limits; return wall time, peak memory and how it was capped."""
    cgroup, peak_file = _make_cgroup(memory_limit)
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]

    def enter_cgroup():
        if cgroup is not None:
            (cgroup / "cgroup.procs").write_text(str(os.getpid()))

    start, peak_rss = time.perf_counter(), 0
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, preexec_fn=enter_cgroup)
    try:
        while proc.poll() is None:
            if time.perf_counter() - start > time_limit:
                proc.kill()
                break
            peak_rss = max(peak_rss, _tree_rss(proc.pid))
            time.sleep(0.05)
        output = proc.stdout.read().decode(errors="replace")
        wall = time.perf_counter() - start
        peak_cgroup = int((cgroup / peak_file).read_text()) if cgroup is not None else None
    finally:
        proc.wait()
        if cgroup is not None:
            try:
                cgroup.rmdir()
            except OSError:  # a straggler still inside; the kernel removes it when empty
                pass
    return {
        "command": " ".join(cmd),
        "exit_code": proc.returncode,
        "wall_seconds": round(wall, 2),
        "peak_rss_bytes": peak_rss,
        "peak_cgroup_bytes": peak_cgroup,
        "memory_limit_bytes": memory_limit if cgroup is not None else None,
        "cpus": "1 core (taskset -c 0)" if "taskset" in cmd[0] else "unpinned",
        "output_tail": output[-1500:],
    }


def _tree_rss(pid: int) -> int:
    try:
        parent = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])
    except psutil.Error:
        return 0
