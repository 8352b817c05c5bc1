"""Grading under Gradescope's container limits: by default 1/2 vCPU, 768 MB, 10 minutes;
an assignment that needs a larger container names it (``GRADESCOPE_LIMITS`` of its checks
module, e.g. ``{"cpus": 2.0, "memory_mb": 3072}``), and the instructor selects that size
in Gradescope's autograder settings.

The command runs pinned to ceil(cpus) cores (``taskset``) inside child cgroups of this
process's own (Linux, root, cgroup v1 or v2) that cap its memory and its CPU time (CFS
quota: cpus x 100 ms per 100 ms). The peak memory is the cgroup's high-water mark
(page cache included), else the peak summed RSS of the process tree (psutil). Where a
cgroup cannot be made, the command runs without that cap and the figures say so.
"""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import psutil

MEMORY_LIMIT = 768 * 2**20
CPUS = 0.5
CPU_PERIOD_US = 100_000
TIME_LIMIT = 600
CGROUP_ROOT = Path("/sys/fs/cgroup")


def limits_of(checks_module) -> dict:
    """{"memory_limit": bytes, "cpus": float} for grading an assignment on Gradescope."""
    wanted = getattr(checks_module, "GRADESCOPE_LIMITS", {})
    return {"memory_limit": int(wanted.get("memory_mb", MEMORY_LIMIT / 2**20) * 2**20),
            "cpus": float(wanted.get("cpus", CPUS))}


def _own_cgroup(controller: str) -> Path | None:
    """This process's cgroup folder for ``controller`` ("" for the v2 unified tree)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            folder = CGROUP_ROOT / (controller or "") / path.lstrip("/")
            return folder if folder.is_dir() else None
    return None


class Limits:
    """Child cgroups capping memory and CPU; ``enter`` moves the calling process in."""

    def __init__(self, memory: int = MEMORY_LIMIT, cpus: float = CPUS):
        self.quota = str(int(cpus * CPU_PERIOD_US))
        self.groups: list[Path] = []
        self.peak_file: Path | None = None
        self.cpu_capped = False
        name = f"advopt-{uuid.uuid4().hex[:8]}"
        unified = _own_cgroup("")
        if (CGROUP_ROOT / "cgroup.controllers").exists() and unified is not None:
            self._v2(unified / name, memory)
        else:
            self._v1(name, memory)

    def _make(self, folder: Path | None, settings: dict[str, str]) -> bool:
        if folder is None:
            return False
        try:
            folder.mkdir()
        except OSError:
            return False
        try:
            for key, value in settings.items():
                (folder / key).write_text(value)
        except OSError:
            folder.rmdir()
            return False
        self.groups.append(folder)
        return True

    def _v1(self, name: str, memory: int) -> None:
        memory_root, cpu_root = _own_cgroup("memory"), _own_cgroup("cpu")
        if self._make(memory_root and memory_root / name, {"memory.limit_in_bytes": str(memory)}):
            self.peak_file = memory_root / name / "memory.max_usage_in_bytes"
        self.cpu_capped = self._make(cpu_root and cpu_root / name, {
            "cpu.cfs_period_us": str(CPU_PERIOD_US), "cpu.cfs_quota_us": self.quota})

    def _v2(self, folder: Path, memory: int) -> None:
        if self._make(folder, {"memory.max": str(memory)}):
            self.peak_file = folder / "memory.peak"
            try:
                (folder / "cpu.max").write_text(f"{self.quota} {CPU_PERIOD_US}")
                self.cpu_capped = True
            except OSError:  # the cpu controller is not delegated to this subtree
                pass

    def enter(self) -> None:
        for group in self.groups:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    def peak(self) -> int | None:
        return int(self.peak_file.read_text()) if self.peak_file is not None else None

    def close(self) -> None:
        for group in reversed(self.groups):
            try:
                group.rmdir()
            except OSError:  # a straggler still inside; the kernel frees it when empty
                pass


def measure(cmd: list[str], cwd: Path, env: dict | None = None,
            memory_limit: int = MEMORY_LIMIT, cpus: float = CPUS,
            time_limit: int = TIME_LIMIT) -> dict:
    """Run ``cmd`` under the limits; return wall time, peak memory and how it was capped."""
    limits = Limits(memory_limit, cpus)
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
        "memory_limit_bytes": memory_limit if peak_cgroup is not None else None,
        "cpu_limit": f"{cpus:g} core(s) (CFS quota)" if limits.cpu_capped else "none",
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
