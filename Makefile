# One entry point per job. Every target installs what it needs first (make install).
PYTHON      ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
TORCH_CPU   := torch==2.13.0
ASSIGNMENT  ?= optimization
SUBMISSIONS ?=
OUT         ?= graded
JOBS        ?= auto
TIMEOUT     ?= 120
MANUAL      ?=
# EXECUTOR=slurm: a Slurm job array grades (docs/scale.md); its options, empty = Slurm's
EXECUTOR    ?= local
PARTITION   ?=
ACCOUNT     ?=
TIME_LIMIT  ?=
TASKS       ?=

# MNIST: $ADVOPT_MNIST_DIR when set, else the shared copy beside this repository (CI),
# else ~/.cache/advopt/mnist, where `make data` downloads it once (checksums verified).
SHARED_MNIST := $(abspath ../shared/data/mnist)
GPU_DATA     := .gpu-data
ifneq ($(wildcard $(SHARED_MNIST)/train-images-idx3-ubyte*),)
export ADVOPT_MNIST_DIR ?= $(SHARED_MNIST)
else ifneq ($(wildcard $(GPU_DATA)/train-images-idx3-ubyte*),)
export ADVOPT_MNIST_DIR ?= $(abspath $(GPU_DATA))
endif

# GPU machine (torch, numpy, pandas, matplotlib, pytest; no Jupyter stack, no network):
# `make wheelhouse` here fills the git-ignored .whl/ (what the grader and the tests import
# beyond that image, for CPython 3.12 x86_64) and .gpu-data/ (MNIST); carry both there
# and run `make gpu-check` (docs/gpu.md).
WHEELHOUSE  := .whl
GPU_WHEELS  := nbformat==5.11.1 fastjsonschema==2.22.3 jsonschema==4.26.0 \
               jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 \
               traitlets==5.16.1 jupyter-core==5.9.1 platformdirs==4.14.9 mistune==3.4.0
GPU_PY      := $(if $(wildcard $(PY)),$(PY),python3)

.PHONY: install slurm-packages data lint test test-fast release grade bench bench-grading \
        wheelhouse gpu-check clean

install: $(STAMP) slurm-packages

# The Slurm tests start a single-node cluster from Debian's packages (tests/support/
# slurm_cluster.py). As root they are installed here where missing; otherwise a note, and
# those tests skip saying why.
SLURM_PACKAGES := slurmctld slurmd slurm-client munge
slurm-packages:
	@missing=; for c in slurmctld slurmd sbatch munged; do \
	    PATH="$$PATH:/usr/sbin:/sbin" command -v $$c >/dev/null 2>&1 || missing=1; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q --no-install-recommends $(SLURM_PACKAGES) >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && \
	      apt-get install -y -q --no-install-recommends $(SLURM_PACKAGES) >/dev/null 2>&1; } || \
	    echo "note: could not install $(SLURM_PACKAGES); the Slurm tests will skip"; \
	else echo "note: the Slurm tests need $(SLURM_PACKAGES) (make install as root); they skip"; fi

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

# ruff (pyflakes, pycodestyle, lines within 100) and mypy (config in pyproject.toml).
lint: install
	$(PY) -m ruff check autograder/
	$(PY) -m mypy

# Tests marked serial train on all of MNIST on the CPU: beside another worker, CPU
# contention would push them over the benchmark's time budget, so they run alone, after.
# loadgroup: the Slurm tests (xdist_group "slurm") share one worker and one test cluster.
test: install data
	$(PY) -m pytest -n 2 --dist loadgroup -q -m "not serial" --durations=15
	$(PY) -m pytest -q -m serial

test-fast: install data
	$(PY) -m pytest -q -m "not slow and not serial"

# `make release` releases every assignment; `make release ASSIGNMENT=optimization` one
# (ASSIGNMENT's default is for `make grade` only). MNIST is fetched only for mnist.
RELEASE := $(if $(filter command line environment,$(origin ASSIGNMENT)),$(ASSIGNMENT))

release: install $(if $(filter-out optimization,$(or $(RELEASE),all)),data)
	$(PY) -m autograder.release $(RELEASE)

# Every value goes as --option=VALUE, so an empty one is refused by name; a flag (GPU,
# ANONYMOUS, ZEROS, FORCE_ASSIGNMENT) is on unless empty, 0, no or false. `exec`: make is
# the grader's parent, which is how `kill -INT <make's pid>` stops the run too (make does
# not pass SIGINT on; autograder/grading/stopping.py).
flag = $(if $(filter-out 0 no false,$($(1))),--$(2),)

grade: install $(if $(filter mnist,$(ASSIGNMENT)),data)
	exec $(PY) -m autograder.cli grade "$(SUBMISSIONS)" --out="$(OUT)" --assignment="$(ASSIGNMENT)" --jobs="$(JOBS)" --timeout="$(TIMEOUT)" $(if $(MANUAL),--manual="$(MANUAL)",) $(call flag,GPU,gpu) $(call flag,ANONYMOUS,anonymous) $(call flag,ZEROS,zeros) $(call flag,FORCE_ASSIGNMENT,force-assignment) \
	    --executor="$(EXECUTOR)" $(if $(PARTITION),--partition="$(PARTITION)",) \
	    $(if $(ACCOUNT),--account="$(ACCOUNT)",) $(if $(TIME_LIMIT),--time-limit="$(TIME_LIMIT)",) \
	    $(if $(TASKS),--tasks="$(TASKS)",)

bench: install data
	$(PY) -m autograder.cli bench

bench-grading: install
	$(PY) -m autograder.cli bench-grading $(if $(N),--n=$(N),) $(if $(SAMPLE),--sample=$(SAMPLE),)

wheelhouse: install
	$(PY) -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
	    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
	    --platform manylinux2014_x86_64 -d $(WHEELHOUSE) $(GPU_WHEELS)
	@test -n "$(ADVOPT_MNIST_DIR)" || { echo "set ADVOPT_MNIST_DIR to the MNIST folder"; exit 2; }
	mkdir -p $(GPU_DATA) && cp $(ADVOPT_MNIST_DIR)/*-ubyte.gz $(GPU_DATA)/
	@ls $(WHEELHOUSE) $(GPU_DATA)

# Not `install`: the GPU machine has no network; its python3 holds torch (CUDA).
gpu-check:
	$(GPU_PY) -m autograder.gpu_check --wheelhouse $(WHEELHOUSE)

clean:
	rm -rf dist build .pytest_cache
