"""A two-question assignment whose q2 stands for a GPU benchmark, for the Slurm tests: its
measurement names the GPU that Slurm gave the task (``CUDA_VISIBLE_DEVICES``; the test
cluster's GPUs are stand-ins, so nothing runs on them)."""
import os

from autograder.cases import Case

NAME = "gpu-fixture"


def doubles(double):
    """double(x) == 2 x."""
    assert double(2) == 4, f"double(2) should be 4, got {double(2)!r}"


def benchmark(speed):
    """speed() reports at least 1 (stands for a GPU run)."""
    assert speed() >= 1, "too slow"


def measured(namespace) -> dict:
    """The benchmark's record: where it ran (the grader process sees the task's GPU)."""
    return {"accuracy": 1.0, "seconds": 1.0, "torch": "",
            "device": f"gpu {os.environ.get('CUDA_VISIBLE_DEVICES', 'none')}"}


CASES = (Case("q1", doubles), Case("q2", benchmark, 2.0, hidden=True))
GPU_QUESTIONS = ("q2",)
BENCHMARK = ("q2", measured)
