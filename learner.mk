# The learner's targets: `make lab` (open the course) and `make check` (check your exercises).
#
# The handout (`make handout`) ships this file as its Makefile; the repository's Makefile includes
# it and adds the instructor's targets. Every target works in the course's own virtual environment,
# .venv, created on first use with `python3 -m venv` (Debian and Ubuntu: apt-get install
# python3-venv). A stamp file in .venv records what has been installed, so the set-up runs once and
# again only when pyproject.toml changes.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

RUNTIME_STAMP := $(VENV)/.installed-runtime
# JupyterLab 4 asks "Would you like to get notified about official Jupyter news?" on first start,
# whatever --LabApp.news_url says; this settings override answers "never" (and skips update checks).
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d/gradcheck-course.json

# Jupyter refuses to run as root without --allow-root (containers, CI); pass it only then.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

START_NOTEBOOK := notebooks/00_start_here.ipynb
# `make check NOTEBOOKS=notebooks/01_reshaping_parameters.ipynb` checks one notebook.
NOTEBOOKS ?= $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
CHECK_REPORT := $(VENV)/check-report.xml
# Seconds a notebook cell may run before `make check` stops it (and `make grade`, in the repository).
TIMEOUT ?= 60
LAB_ARGS ?=

.PHONY: help lab check clean

# A double-colon rule: the repository's Makefile adds its own lines to this help.
help::
	@echo "make lab          open the course in JupyterLab (sets up .venv on first use)"
	@echo "make check        check your exercises: nbval on notebooks/*.ipynb, then a summary"
	@echo "                  (NOTEBOOKS=notebooks/01_reshaping_parameters.ipynb checks one notebook)"

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "'$(PYTHON) -m venv' failed: install Python >= 3.10 with venv (Debian, Ubuntu: apt-get install python3-venv)"; \
		exit 1; }

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	@touch $@

$(LAB_OVERRIDES): | $(RUNTIME_STAMP)
	@mkdir -p $(@D)
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $@

# jupyter_server reads JUPYTER_TOKEN from the environment by itself (it stays out of `ps`, unlike
# --IdentityProvider.token=...); without it, JupyterLab prints a URL with a fresh token.
lab: $(RUNTIME_STAMP) $(LAB_OVERRIDES)
	$(BIN)/jupyter lab $(ALLOW_ROOT) $(LAB_ARGS) $(START_NOTEBOOK)

check: $(RUNTIME_STAMP)
	$(if $(NOTEBOOKS),,$(error no notebooks/NN_*.ipynb to check here; run make check in the course's folder))
	@rm -f $(CHECK_REPORT); status=0; \
	$(BIN)/python -m pytest --nbval-lax -q -p no:cacheprovider --nbval-cell-timeout=$(TIMEOUT) \
		--junitxml=$(CHECK_REPORT) $(NOTEBOOKS) || status=$$?; \
	$(BIN)/python tools/check_summary.py $(CHECK_REPORT) $(NOTEBOOKS); \
	exit $$status

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis $(CHECK_REPORT)
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
