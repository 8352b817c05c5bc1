# One entry point per job. Every target installs what it needs first (make install).
PYTHON      ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
TORCH_CPU   := torch==2.13.0
ASSIGNMENT  ?= optimization
SUBMISSIONS ?=
OUT         ?= graded
JOBS        ?= 2
TIMEOUT     ?= 120
MANUAL      ?=

# MNIST: $ADVOPT_MNIST_DIR when set, else the shared copy beside this repository (CI),
# else ~/.cache/advopt/mnist, where `make data` downloads it once (checksums verified).
SHARED_MNIST := $(abspath ../shared/data/mnist)
ifneq ($(wildcard $(SHARED_MNIST)/train-images-idx3-ubyte*),)
export ADVOPT_MNIST_DIR ?= $(SHARED_MNIST)
endif

.PHONY: install data test test-fast release grade bench bench-grading clean

install: $(STAMP)

# torch 2.13.0 (CPU) goes in first when no torch is present, so that the project's
# torch requirement is already satisfied and pip never resolves a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q $(TORCH_CPU)
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# Every target that reads MNIST depends on this: it verifies the copy found (order above)
# or downloads it into the cache; offline it stops with one message saying what to do.
data: install
	@$(PY) autograder/mnist/data.py fetch

# Tests marked serial train on all of MNIST on the CPU: beside another worker, CPU
# contention would push them over the benchmark's time budget, so they run alone, after.
test: install data
	$(PY) -m pytest -n 2 -q -m "not serial"
	$(PY) -m pytest -q -m serial

test-fast: install data
	$(PY) -m pytest -q -m "not slow and not serial"

release: install data
	$(PY) -m autograder.release

grade: install $(if $(filter mnist,$(ASSIGNMENT)),data)
	$(PY) -m autograder.cli grade "$(SUBMISSIONS)" --out "$(OUT)" --assignment $(ASSIGNMENT) --jobs $(JOBS) --timeout $(TIMEOUT) $(if $(GPU),--gpu,) $(if $(MANUAL),--manual "$(MANUAL)",) $(if $(ANONYMOUS),--anonymous,)

bench: install data
	$(PY) -m autograder.cli bench

bench-grading: install
	$(PY) -m autograder.cli bench-grading

clean:
	rm -rf dist build .pytest_cache
