"""Child cgroups of this process's own (Linux, root; cgroup v2, else v1) that cap the
memory, the number of processes and the CPU time of everything moved into them, or give
them a share of the CPU (``share``: one group weighs as much as any sibling, however many
processes it runs).

    group = Group(memory=..., pids=..., cpus=..., share=True)  # where permitted
    group.enter()                                   # move this process in (before exec/fork)
    group.peak(); group.kill_all(); group.close()

Used for a whole submission (isolation: every process the student starts counts) and
for the release's measurement under Gradescope's limits (release/resources.py).
"""
from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000
CPU_WEIGHT, CPU_SHARES = 100, 1024  # the kernel's default weight of a group (v2, v1)


def _own_cgroup(controller: str) -> Path | None:
    """This process's cgroup folder for ``controller`` ("" for the v2 unified tree)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            folder = CGROUP_ROOT / (controller or "") / path.lstrip("/")
            return folder if folder.is_dir() else None
    return None


class Group:
    """Child cgroups with the given caps; ``capped`` names the caps that hold."""

    def __init__(self, memory: int | None = None, pids: int | None = None,
                 cpus: float | None = None, share: bool = False):
        self.groups: list[Path] = []
        self.capped: list[str] = []
        self.peak_file: Path | None = None
        name = f"advopt-{uuid.uuid4().hex[:8]}"
        quota = None if cpus is None else f"{int(cpus * CPU_PERIOD_US)}"
        unified = _own_cgroup("")
        if (CGROUP_ROOT / "cgroup.controllers").exists() and unified is not None:
            self._v2(unified / name, memory, pids, quota, share)
        else:
            self._v1(name, memory, pids, quota, share)

    def _make(self, folder: Path | None, settings: dict[str, str]) -> bool:
        if folder is None or not settings:
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

    def _v1(self, name: str, memory, pids, quota, share: bool) -> None:
        memory_root = _own_cgroup("memory")
        if memory is not None and self._make(memory_root and memory_root / name,
                                             {"memory.limit_in_bytes": str(memory)}):
            self.peak_file = memory_root / name / "memory.max_usage_in_bytes"
            self.capped.append("memory")
        pids_root = _own_cgroup("pids")
        if pids is not None and self._make(pids_root and pids_root / name,
                                           {"pids.max": str(pids)}):
            self.capped.append("pids")
        cpu_root = _own_cgroup("cpu")
        settings = {**({"cpu.shares": str(CPU_SHARES)} if share else {}),
                    **({"cpu.cfs_period_us": str(CPU_PERIOD_US), "cpu.cfs_quota_us": quota}
                       if quota is not None else {})}
        if self._make(cpu_root and cpu_root / name, settings):
            self.capped.append("cpu" if quota is not None else "cpu share")

    def _v2(self, folder: Path, memory, pids, quota, share: bool) -> None:
        wanted = {"memory": ("memory.max", memory), "pids": ("pids.max", pids),
                  "cpu": ("cpu.max", None if quota is None else f"{quota} {CPU_PERIOD_US}"),
                  "cpu share": ("cpu.weight", CPU_WEIGHT if share else None)}
        if not self._mkdir(folder):
            return
        for controller, (key, value) in wanted.items():
            if value is None:
                continue
            try:
                (folder / key).write_text(str(value))
                self.capped.append(controller)
            except OSError:  # the controller is not delegated to this subtree
                pass
        if "memory" in self.capped:
            self.peak_file = folder / "memory.peak"

    def _mkdir(self, folder: Path) -> bool:
        try:
            folder.mkdir()
        except OSError:
            return False
        self.groups.append(folder)
        return True

    def enter(self, pid: int = 0) -> None:
        """Move process ``pid`` (0: this one) into every group."""
        for group in self.groups:
            (group / "cgroup.procs").write_text(str(pid or os.getpid()))

    def peak(self) -> int | None:
        try:
            return int(self.peak_file.read_text()) if self.peak_file is not None else None
        except OSError:
            return None

    def kill_all(self) -> None:
        """SIGKILL every process still in the groups (stragglers the student left), but
        the calling one."""
        for group in self.groups:
            try:
                pids = (group / "cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in pids:
                if int(pid) == os.getpid():
                    continue
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass

    def close(self) -> None:
        for group in reversed(self.groups):
            try:
                group.rmdir()
            except OSError:  # a straggler still inside; the kernel frees it when empty
                pass
