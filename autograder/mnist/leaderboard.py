"""Gradescope leaderboard entries from the benchmark's measurement.

The benchmark check (hidden/q6_benchmark.py) writes its measurement to the file named by
``$ADVOPT_LEADERBOARD``; after Otter has written results.json, the zip's run_autograder
calls

    python -m autograder.mnist.leaderboard MEASUREMENT.json RESULTS.json

which adds Gradescope's ``leaderboard`` list (test accuracy, descending; training time,
ascending) to RESULTS.json. Without a measurement (the benchmark did not run) nothing
changes.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def entries(measurement: dict) -> list[dict]:
    """Leaderboard columns of one measurement (accuracy in %, training seconds, device)."""
    seconds = measurement.get("seconds")
    return [{"name": "Test accuracy (%)", "value": round(100 * measurement["accuracy"], 2),
             "order": "desc"},
            {"name": "Training time (s)",
             "value": round(seconds, 2) if seconds is not None else "failed", "order": "asc"},
            {"name": "Device", "value": measurement.get("device", "?")}]


def merge(measurement_path: Path, results_path: Path) -> bool:
    """Add the leaderboard to results.json; False when there is no measurement."""
    if not measurement_path.exists():
        return False
    results = json.loads(results_path.read_text())
    results["leaderboard"] = entries(json.loads(measurement_path.read_text()))
    results_path.write_text(json.dumps(results, indent=4))
    return True


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    merged = merge(Path(argv[0]), Path(argv[1]))
    print("leaderboard: " + ("added" if merged else "no benchmark measurement"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
