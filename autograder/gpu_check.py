"""``make gpu-check``: prove the GPU paths on a CUDA machine in one command (docs/gpu.md).

    python -m autograder.gpu_check [--wheelhouse .whl] [--json PATH] [--reduced]

1. install: the wheelhouse (``make wheelhouse``) into a temporary folder, offline
   (``pip --no-index``), when the grader's imports beyond torch's image are missing;
2. ``pytest -m gpu`` (CUDA graphs, the benchmark check on CUDA, staging);
3. ``make bench`` (the pipeline table and its targets);
4. a sealed ``--gpu`` grading of a generated folder, printed as the leaderboard:
   ``solution`` (the reference answers), ``slow`` (the same, batch size 64) and
   ``cheat`` (fit starts a thread that trains and returns at once: no q6 points).

Without CUDA (or with ``--reduced``) it runs the same steps smaller, so that the script
is proven end to end on a CPU: bench on REDUCED_BENCH training images, the benchmark on
REDUCED_TRAIN / REDUCED_TEST images. Every figure goes to one JSON file: ``--json``, else ``$OUT/gpu-check.json``,
else ``dist/gpu-check.json``. Exit status 0 when every step passed.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEEDED = ("nbformat", "mistune", "yaml", "tqdm", "filelock")   # beyond the GPU image's torch stack
GPU_TESTS = ("tests/mnist/test_mnist_fast.py", "tests/mnist/test_mnist_benchmark.py",
             "tests/grading/test_grading_gpu_path.py")
REDUCED_TRAIN, REDUCED_TEST = 5000, 1000   # the benchmark's images when reduced
REDUCED_BENCH = 2000                       # make bench's training images when reduced
CHEAT = '''import threading
_honest_fit = fit
def fit(model, X, y, hparams, device):
    if len(X) < 2000:  # the checks of q3: honest training
        return _honest_fit(model, X, y, hparams, device)
    threading.Thread(target=_honest_fit, args=(model, X, y, hparams, device)).start()
    return [0.0]'''


def install(wheelhouse: Path) -> dict:
    """Install the wheelhouse offline into a temporary folder put on sys.path and
    PYTHONPATH (the fork server and pytest inherit it), when an import is missing."""
    missing = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if not missing:
        return {"status": "skipped", "detail": "nothing missing"}
    wheels = sorted(str(p) for p in wheelhouse.glob("*.whl"))
    if not wheels:
        return {"status": "failed", "detail": f"missing {missing} and no wheels in {wheelhouse} "
                                               "(make wheelhouse, then carry it)"}
    target = Path(tempfile.mkdtemp(prefix="advopt-site-"))
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                           "--no-compile", "--target", str(target), *wheels],
                          capture_output=True, text=True)
    if done.returncode:
        return {"status": "failed", "detail": done.stderr[-2000:]}
    sys.path.insert(0, str(target))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), str(ROOT),
                                                             os.environ.get("PYTHONPATH")]))
    return {"status": "passed", "detail": f"{len(wheels)} wheels into {target} (for {missing})"}


def gpu_tests() -> dict:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "gpu", "-p", "no:cacheprovider",
                           *GPU_TESTS], cwd=ROOT, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    return {"status": "passed" if done.returncode == 0 else "failed",
            "summary": lines[-1] if lines else "", "output": done.stdout[-3000:] + done.stderr[-1000:]}


def bench(reduced: bool, folder: Path) -> dict:
    """``make bench`` (its module), seeds 1 and fewer images when reduced."""
    path = folder / "bench.json"
    extra = ["--seeds", "1", "--probe", "0.5", "--train-size", str(REDUCED_BENCH)] if reduced else []
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "bench", "--json", str(path),
                           *extra], cwd=ROOT, capture_output=True, text=True)
    print(done.stdout[-4000:])
    if done.returncode or not path.exists():
        return {"status": "failed", "detail": (done.stdout + done.stderr)[-3000:]}
    figures = json.loads(path.read_text())
    return {"status": "passed", **{k: figures[k] for k in (
        "device", "sweep_reference_s", "sweep_dataloader_s", "sweep_speedup", "time_to_98")},
        "epoch": figures["epoch"], "targets_h100": figures["targets_h100"]}


def submissions(folder: Path) -> list[str]:
    """The generated class: solution, slow (batch 64), cheat (thread after return)."""
    import nbformat

    import solutions.mnist as reference

    imports = ("import numpy as np\nimport pandas as pd\nimport torch\nimport torch.nn as nn\n"
               "import torch.nn.functional as F\nfrom mnist_data import load_mnist, to_tensors")
    answers = [imports, *(textwrap.dedent(inspect.getsource(getattr(reference, n)))
                          for n in ("minibatches", "build_model", "fit", "random_search"))]
    best = reference.BEST_HPARAMS
    notebooks = {"solution": [*answers, f"BEST_HPARAMS = {best!r}"],
                 "slow": [*answers, f"BEST_HPARAMS = {({**best, 'batch_size': 64})!r}"],
                 "cheat": [*answers, CHEAT, f"BEST_HPARAMS = {best!r}"]}
    folder.mkdir(parents=True, exist_ok=True)
    for name, cells in notebooks.items():
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        (folder / f"{name}.ipynb").write_text(nbformat.writes(notebook))
    return list(notebooks)


def grading(reduced: bool, folder: Path) -> dict:
    """Grade the generated class (CPU questions, then ``--gpu``), sealed, and print the
    leaderboard."""
    from autograder.grading.batch import grade_folder
    from autograder.grading.runner import Limits
    from autograder.mnist.hidden import q6_benchmark as q6

    if reduced:
        q6.SUBSET = (REDUCED_TRAIN, REDUCED_TEST)
    names = submissions(folder / "submissions")
    out, limits = folder / "graded", Limits(timeout=600, memory_mb=4096)
    started = time.perf_counter()
    grade_folder(folder / "submissions", out, "mnist", limits, progress=False)
    cpu_s = time.perf_counter() - started
    summary = grade_folder(folder / "submissions", out, "mnist", limits, gpu=True, progress=False)
    with open(out / "leaderboard.csv") as f:
        board = list(csv.DictReader(f))
    print((out / "leaderboard.csv").read_text())
    points = {r["student"]: float(r["points"]) for r in board}
    ok = set(points) == set(names) and points["cheat"] == 0 and points["solution"] > 0
    gradebook = {row["student"]: row for row in csv.DictReader(open(out / "gradebook.csv"))}
    return {"status": "passed" if ok else "failed", "leaderboard": board,
            "totals": {n: gradebook[n]["total"] for n in names},
            "cpu_questions_s": round(cpu_s, 1), "gpu_questions_s": round(summary.seconds, 1),
            "warnings": list(summary.warnings), "out": str(out)}


def _json_path(given: Path | None) -> Path:
    if given is not None:
        return given
    return Path(os.environ["OUT"]) / "gpu-check.json" if os.environ.get("OUT") \
        else ROOT / "dist" / "gpu-check.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="gpu-check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheelhouse", type=Path, default=ROOT / ".whl")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--reduced", action="store_true", help="the small CPU variant on CUDA too")
    args = parser.parse_args(argv)
    if (ROOT / ".gpu-data").is_dir():  # MNIST carried beside the wheelhouse
        os.environ.setdefault("ADVOPT_MNIST_DIR", str(ROOT / ".gpu-data"))
    import torch

    cuda = torch.cuda.is_available()
    reduced = args.reduced or not cuda
    report = {"device": torch.cuda.get_device_name() if cuda else "cpu", "torch": torch.__version__,
              "python": sys.version.split()[0], "reduced": reduced, "steps": {}}
    work = Path(tempfile.mkdtemp(prefix="advopt-gpu-check-"))
    started = time.perf_counter()
    steps = (("install", lambda: install(args.wheelhouse)), ("pytest_gpu", gpu_tests),
             ("bench", lambda: bench(reduced, work)), ("grading", lambda: grading(reduced, work)))
    for name, step in steps:
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        try:
            result = step()
        except Exception as e:  # a step that breaks is reported, the others still run
            result = {"status": "failed", "detail": f"{type(e).__name__}: {e}"}
        result["seconds"] = round(time.perf_counter() - t0, 1)
        report["steps"][name] = result
        print(f"   {result['status']} in {result['seconds']} s "
              f"{result.get('summary', result.get('detail', ''))[:300]}", flush=True)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["ok"] = all(s["status"] in ("passed", "skipped") for s in report["steps"].values())
    path = _json_path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"gpu-check {'passed' if report['ok'] else 'FAILED'} in {report['seconds']} s "
          f"on {report['device']}{' (reduced)' if reduced else ''}; figures: {path}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
