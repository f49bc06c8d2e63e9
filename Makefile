# regbench: the two commands of the README.
#   make demo   set up .venv, build the demo world, run every study to its figures, write the report
#   make test   set up .venv (and Debian tools when root), run unit tests, lint, dry-runs, demo run,
#               then the paper rehearsal of the studies in CI_REHEARSAL_STUDIES
#   make rehearse  the paper rehearsal (config/paper.yaml + config/rehearsal.yaml behind a local
#               mirror; results/rehearsal/{coverage,resources,panels}.tsv); REHEARSAL_STUDIES=...
SHELL := /bin/bash
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= 2
SNAKEMAKE := $(BIN)/snakemake
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYTHONHASHSEED := 0
export HF_HUB_OFFLINE := 1
export MPLBACKEND := Agg

.PHONY: demo test setup apt unit lint dryrun demo-run report clean rehearse mutate mutate-resume rulegraph

# torch build: TORCH=cpu (default: the pinned wheel pip resolves here, the CPU build on CI) or
# TORCH=cuda for a GPU cluster: the CUDA build torch==2.13.0+$(TORCH_CUDA) from the PyTorch index
# (set TORCH_CUDA to a variant your driver supports, e.g. cu126, cu128, cu130). The install
# checks the build: with TORCH=cuda, torch.version.cuda must be set (GPU rules stop at start on a
# CPU-only build unless require_cuda is false: regbench.workflow.check_cuda).
TORCH ?= cpu
TORCH_VERSION := 2.13.0
TORCH_CUDA ?= cu128
TORCH_INDEX ?= https://download.pytorch.org/whl/$(TORCH_CUDA)
ifeq ($(TORCH),cuda)
TORCH_PIP := 'torch==$(TORCH_VERSION)+$(TORCH_CUDA)' --index-url $(TORCH_INDEX)
TORCH_CHECK := assert torch.version.cuda, 'TORCH=cuda installed a CPU-only torch'
else ifeq ($(TORCH),cpu)
TORCH_PIP := torch==$(TORCH_VERSION)
TORCH_CHECK := pass
else
$(error TORCH must be cpu or cuda, got '$(TORCH)')
endif

# The installer: uv (a PyPI wheel; parallel downloads and unpacking) sets up .venv in 34 s where
# pip took 72-78 s on the 2-core box (measured); pip, with the same pins, when uv cannot be
# installed or fails. --compile-bytecode: like pip, write the .pyc files at install; without them
# every job compiled torch & co. from source (PYTHONDONTWRITEBYTECODE=1 here: `import torch,
# pandas, h5py` 8.3 s instead of 3.1 s, measured). uv does not read pip's configuration, so pip's
# find-links (environment, else pip config) are passed on: they hold the CPU torch wheel here.
UV_INSTALL := $(BIN)/uv pip install --python $(BIN)/python --compile-bytecode -q

$(BIN)/.installed-$(TORCH): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# torch first and pinned: an unpinned torch (or enformer-pytorch alone) pulls another build
	links="$${PIP_FIND_LINKS:-$$($(BIN)/pip config get global.find-links 2>/dev/null)}"; \
	uv_links=""; for l in $$links; do uv_links="$$uv_links --find-links $$l"; done; \
	{ $(BIN)/pip install -q uv && $(UV_INSTALL) $$uv_links $(TORCH_PIP) && \
	  $(UV_INSTALL) $$uv_links torch==$(TORCH_VERSION) -e '.[dev]'; } || { echo "uv failed: installing with pip"; \
	  $(BIN)/pip install -q --upgrade pip && $(BIN)/pip install -q $(TORCH_PIP) && \
	  $(BIN)/pip install -q torch==$(TORCH_VERSION) -e '.[dev]'; }
	$(BIN)/python -c "import torch; print('torch', torch.__version__, 'CUDA build', torch.version.cuda); $(TORCH_CHECK)"
	rm -f $(BIN)/.installed $(BIN)/.installed-*
	touch $@ $(BIN)/.installed

setup: $(BIN)/.installed-$(TORCH)

# Debian tools the tests compare against or drive (bcftools, samtools, tabix, chromium for the
# report test; picard-tools, plink1.9, shapeit4 for the personal study's ROSMAP preprocessing
# rules), as package:command pairs; installed when root, otherwise the tests that need them skip
# with a message.
APT_TOOLS := bcftools:bcftools samtools:samtools tabix:tabix bedtools:bedtools chromium:chromium \
	picard-tools:PicardCommandLine plink1.9:plink1.9 shapeit4:shapeit4
apt:
	@missing=""; for t in $(APT_TOOLS); do command -v $${t#*:} >/dev/null || missing="$$missing $${t%%:*}"; done; \
	if [ -z "$$missing" ]; then echo "Debian tools present"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing$$missing"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "not root: tests that need$$missing will be skipped"; fi

demo: setup
	$(SNAKEMAKE) --cores $(CORES) all
	$(SNAKEMAKE) --cores $(CORES) all --report results/report.html

unit: setup apt
	$(BIN)/pytest -q tests/unit

lint: setup
	$(SNAKEMAKE) --lint
	$(BIN)/snakefmt --check Snakefile rules/

dryrun: setup
	$(SNAKEMAKE) -n --cores $(CORES) all > /dev/null
	$(SNAKEMAKE) all -n --workflow-profile none --profile profiles/slurm-gpu > /dev/null

demo-run: setup
	$(BIN)/pytest -q tests/integration

# Paper rehearsal. REHEARSAL_STUDIES empty = every study of config/paper.yaml; "none" = only the
# top-level downloads. CI runs all four studies (with the CI layer, REHEARSAL_CI=1:
# config/rehearsal_ci.yaml, narrowed model widths).
# REHEARSAL_CI=1 adds the CI layer config/rehearsal_ci.yaml (accessibility and DREAM model widths
# at ~1/8 of the paper's, a host exception for the 2-core CI box); `make test` sets it, `make rehearse` does
# not (a user's rehearsal runs the paper's widths).
REHEARSAL_STUDIES ?=
REHEARSAL_CI ?=
CI_REHEARSAL_STUDIES ?= synthetic_loci personal dream accessibility
rehearse: setup
	$(BIN)/python -m regbench.rehearsal run --cores $(CORES) $(if $(strip $(REHEARSAL_STUDIES)),--studies $(REHEARSAL_STUDIES)) $(if $(strip $(REHEARSAL_CI)),--ci)

# `make test`: the demo run the integration tests assert on, side by side with the unit tests
# (a snakemake job seldom keeps both cores busy; the unit tests take one), then the integration
# tests on $(CORES) pytest-xdist workers, one test file per worker at a time (module fixtures run
# once; every Snakemake call in the repository goes through one lock, tests/integration/conftest.py).
# The demo's own log: logs/make_test_demo.log.
test: setup apt
	@mkdir -p logs; start=$$(date +%s); \
	$(SNAKEMAKE) --cores $(CORES) all > logs/make_test_demo.log 2>&1 & demo=$$!; \
	$(BIN)/pytest -q tests/unit; unit=$$?; \
	wait $$demo; rc=$$?; \
	grep -E "steps \(100%\) done|Nothing to be done" logs/make_test_demo.log | tail -1; \
	echo "demo run: exit $$rc after $$(( $$(date +%s) - start )) s (logs/make_test_demo.log)"; \
	if [ $$rc != 0 ]; then tail -60 logs/make_test_demo.log; exit $$rc; fi; exit $$unit
	$(BIN)/pytest -q -n $(CORES) --dist loadfile --durations=15 tests/integration
	$(MAKE) lint dryrun
	$(MAKE) rehearse REHEARSAL_STUDIES="$(CI_REHEARSAL_STUDIES)" REHEARSAL_CI=1

# Mutation testing of the core modules (docs/mutation.md); not part of `make test` (hours of CPU).
# One module group at a time, one mutant process at a time, niced; results are kept in mutants/
# (saved after every mutant). MUTATE="regbench.metrics*" limits it to one group; mutmut retests
# every mutant of a group it is given. `make mutate-resume` tests only the mutants without a
# result yet (an interrupted run, a group never run), in every group, keeping the others.
MUTATE ?= regbench.metrics* regbench.train.losses* regbench.studies.dream.scoring* \
	regbench.studies.personal.significance* regbench.studies.personal.drivers* \
	regbench.studies.accessibility.metrics* regbench.predict.engine* regbench.genome*
mutate: setup
	@set -f; for group in $(MUTATE); do \
	  echo "== mutmut: $$group"; \
	  env -u PYTHONPATH OMP_NUM_THREADS=1 nice -n 10 $(BIN)/mutmut run --max-children 1 "$$group" || exit $$?; \
	done
	env -u PYTHONPATH $(BIN)/python tests/mutation_report.py

mutate-resume: setup
	env -u PYTHONPATH OMP_NUM_THREADS=1 nice -n 10 $(BIN)/mutmut run --max-children 1
	env -u PYTHONPATH $(BIN)/python tests/mutation_report.py

clean:
	rm -rf results/* .snakemake logs benchmarks/rules
	git checkout results/README.md

# docs/rulegraph.svg: the demo configuration's rule graph (needs graphviz `dot`: apt-get install graphviz);
# tests/unit/test_rulegraph_doc.py fails when it is stale.
rulegraph: setup
	$(SNAKEMAKE) all --rulegraph dot --workflow-profile none > docs/rulegraph.dot.tmp
	dot -Tsvg docs/rulegraph.dot.tmp > docs/rulegraph.svg.tmp && mv docs/rulegraph.svg.tmp docs/rulegraph.svg; rm -f docs/rulegraph.dot.tmp
