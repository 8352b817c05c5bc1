"""A single-node Slurm cluster on this machine, for the tests and the scale figures.

Debian's packages (``slurmctld``, ``slurmd``, ``slurm-client``, ``munge``; ``make install``
adds them as root), started as root from a private folder: its own ``munged`` (key and
socket in the folder), then ``slurmctld`` and ``slurmd`` on free ports, with
``ProctrackType=proctrack/linuxproc``, ``TaskPlugin=task/none`` and no ``cgroup.conf``.
One partition (``grading``) holds the node with this machine's CPUs and two fake GPUs:
slurmd counts a GPU only with a device file, so ``/dev/null`` and ``/dev/zero`` stand for
them (jobs asking ``--gres=gpu:1`` get ``CUDA_VISIBLE_DEVICES`` 0 or 1, no real device).

The node's daemon runs in a mount namespace of its own where ``Cluster.node_local`` is an
empty tmpfs: a folder there is on this machine's disk but not on the node, as a login
node's local disk is for a real cluster's compute nodes.

    python tests/support/slurm_cluster.py up FOLDER     # prints: export SLURM_CONF=...
    python tests/support/slurm_cluster.py down FOLDER
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scancel", "sinfo", "scontrol")
PACKAGES = "slurmctld slurmd slurm-client munge"
PARTITION = "grading"
NODE = "advopt-node"
FAKE_GPUS = ("/dev/null", "/dev/zero")
READY_SECONDS = 120


def unavailable() -> str:
    """Why a cluster cannot be started here ("" when it can)."""
    if os.geteuid() != 0:
        return f"a test Slurm cluster is started as root (this is uid {os.geteuid()})"
    missing = [c for c in (*DAEMONS, *CLIENTS, "unshare") if shutil.which(c) is None]
    if missing:
        return f"Slurm is not installed (no {', '.join(missing)}): `make install` as root adds it"
    return ""


@dataclass
class Cluster:
    """A running cluster: ``env()`` is what its client commands need (``SLURM_CONF``)."""

    folder: Path
    partition: str
    node: str
    cpus: int
    gpus: int
    node_local: Path   # empty on the node (its own tmpfs), a plain folder here
    ready_seconds: float

    @property
    def conf(self) -> Path:
        return self.folder / "slurm.conf"

    def env(self) -> dict[str, str]:
        return {"SLURM_CONF": str(self.conf)}

    def run(self, *command: str) -> str:
        """Output of a Slurm client command against this cluster."""
        return subprocess.run(command, env={**os.environ, **self.env()}, check=True,
                              capture_output=True, text=True, timeout=60).stdout

    def stop(self) -> None:
        """Cancel every job, end the daemons (by their pid files), remove the folder."""
        try:
            jobs = self.run("squeue", "-h", "-o", "%A").split()
            if jobs:
                self.run("scancel", *sorted(set(jobs)))
        except (subprocess.SubprocessError, OSError):
            pass
        for daemon in reversed(DAEMONS):
            _end(self.folder / f"{daemon}.pid")
        shutil.rmtree(self.folder, ignore_errors=True)


def start(folder: Path, gpus: int = len(FAKE_GPUS)) -> Cluster:
    """Start munged, slurmctld and slurmd configured in ``folder`` (created, emptied);
    returns when the node is idle (raises RuntimeError with the logs' tails otherwise)."""
    started = time.monotonic()
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "state").mkdir(parents=True)
    (folder / "spool").mkdir()
    node_local = folder / "node-local"
    node_local.mkdir()
    folder.chmod(0o755)
    key = folder / "munge.key"
    key.write_bytes(os.urandom(128))
    key.chmod(0o600)
    cpus = os.cpu_count() or 1
    cluster = Cluster(folder, PARTITION, NODE, cpus, gpus, node_local, 0.0)
    (folder / "slurm.conf").write_text(_config(folder, cpus, gpus))
    (folder / "gres.conf").write_text(
        f"NodeName={NODE} Name=gpu File={','.join(FAKE_GPUS[:gpus])}\n" if gpus else "")
    env = {**os.environ, **cluster.env()}
    _daemon(["munged", "--force", f"--key-file={key}", f"--socket={folder / 'munge.sock'}",
             f"--pid-file={folder / 'munged.pid'}", f"--log-file={folder / 'munged.log'}",
             f"--seed-file={folder / 'munged.seed'}"], env, folder)
    _daemon(["slurmctld", "-f", str(folder / "slurm.conf")], env, folder)
    node = f"mount -t tmpfs -o size=1m node-local {node_local} && exec slurmd -f " \
           f"{folder / 'slurm.conf'} -N {NODE}"
    _daemon(["unshare", "--mount", "--propagation", "private", "sh", "-c", node], env, folder)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            if cluster.run("sinfo", "-h", "-N", "-n", NODE, "-o", "%T").strip() == "idle":
                cluster.ready_seconds = round(time.monotonic() - started, 2)
                (folder / "cluster.json").write_text(json.dumps(asdict(cluster), default=str))
                return cluster
        except subprocess.SubprocessError:
            pass
        time.sleep(0.2)
    logs = "\n".join(f"{p.name}: {p.read_text()[-1500:]}" for p in sorted(folder.glob("*.log")))
    cluster.stop()
    raise RuntimeError(f"the test Slurm cluster did not come up in {READY_SECONDS} s\n{logs}")


def _config(folder: Path, cpus: int, gpus: int) -> str:
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20 * 9 // 10
    controller, node = _free_ports(2)
    return f"""\
ClusterName=advopt{os.getpid()}
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={controller}
SlurmdPort={node}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={folder / 'munge.sock'}
StateSaveLocation={folder / 'state'}
SlurmdSpoolDir={folder / 'spool'}
SlurmctldPidFile={folder / 'slurmctld.pid'}
SlurmdPidFile={folder / 'slurmd.pid'}
SlurmctldLogFile={folder / 'slurmctld.log'}
SlurmdLogFile={folder / 'slurmd.log'}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=3600
KillWait=2
{'GresTypes=gpu' if gpus else ''}
NodeName={NODE} NodeHostname={socket.gethostname()} NodeAddr=127.0.0.1 CPUs={cpus} \
RealMemory={memory_mb} {f'Gres=gpu:{gpus}' if gpus else ''} State=UNKNOWN
PartitionName={PARTITION} Nodes={NODE} Default=YES MaxTime=INFINITE State=UP
"""


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _daemon(command: list[str], env: dict, folder: Path) -> None:
    """Run a daemon's start command (it forks into the background and returns)."""
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60,
                          cwd=folder)
    if proc.returncode != 0:
        raise RuntimeError(f"{command[0]} did not start: {proc.stderr.strip()[-1500:]}")


def _end(pid_file: Path, grace: float = 10.0) -> None:
    """SIGTERM the process in ``pid_file``, SIGKILL after ``grace`` seconds."""
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("up", "down"):
        print(__doc__.rsplit("\n\n", 1)[-1], file=sys.stderr)
        return 2
    folder = Path(argv[1]).resolve()
    if argv[0] == "down":
        saved = json.loads((folder / "cluster.json").read_text())
        Cluster(**{**saved, "folder": folder, "node_local": Path(saved["node_local"])}).stop()
        return 0
    reason = unavailable()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    cluster = start(folder)
    print(f"# up in {cluster.ready_seconds} s: partition {cluster.partition}, "
          f"{cluster.cpus} CPUs, {cluster.gpus} fake GPUs\nexport SLURM_CONF={cluster.conf}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
