"""The benchmark fixture (benchmark_fixture.py) with q2 as a GPU question, for the Slurm
tests: its measurement names the GPU that Slurm gave the task (``CUDA_VISIBLE_DEVICES``;
the test cluster's GPUs are stand-ins, so nothing runs on them)."""
import os

from autograder.measurement import Benchmark, Measurement
from tests.support import benchmark_fixture

NAME = "gpu-fixture"
CASES = benchmark_fixture.CASES
GPU_QUESTIONS = ("q2",)


def measure(speed) -> Measurement:
    """speed() as the accuracy, where it ran (the grader process sees the task's GPU)."""
    gpu = os.environ.get("CUDA_VISIBLE_DEVICES", "none")
    return benchmark_fixture.measured(speed, f"gpu {gpu}")


BENCHMARK = Benchmark("q2", measure)
