# Gradient-checking course. Learners: `make lab`, then `make check`. Instructors: docs/INSTRUCTORS.md.
#
# Every target works in the project's own virtual environment, .venv, created on first use with
# `python3 -m venv` (Debian and Ubuntu: apt-get install python3-venv). Stamp files in .venv record what
# has been installed, so the set-up runs once and again only when pyproject.toml changes.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

RUNTIME_STAMP := $(VENV)/.installed-runtime
TEST_STAMP := $(VENV)/.installed-test
APP_STAMP := $(VENV)/.installed-app
# JupyterLab 4 asks "Would you like to get notified about official Jupyter news?" on first start,
# whatever --LabApp.news_url says; this settings override answers "never" (and skips update checks).
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d/gradcheck-course.json

# Jupyter refuses to run as root without --allow-root (containers, CI); pass it only then.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

START_NOTEBOOK := notebooks/00_start_here.ipynb
# The instructor's projection: the complete lab, code hidden (Voila's default).
APP_NOTEBOOK ?= notebooks/solutions/05_bug_hunt_lab.ipynb
# `make check NOTEBOOKS=notebooks/01_reshaping_parameters.ipynb` checks one notebook.
NOTEBOOKS ?= $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
CHECK_REPORT := $(VENV)/check-report.xml
LAB_ARGS ?=
APP_ARGS ?=
PYTEST_ARGS ?=

.PHONY: help lab test check app screenshots solutions learner lint clean grade nbgrader-course handout

help:
	@echo "make lab          open the course in JupyterLab (sets up .venv on first use)"
	@echo "make check        check your exercises: nbval on notebooks/*.ipynb, then a summary"
	@echo "make test         the whole test suite (installs the test extra on first use)"
	@echo "make app          the bug-hunt lab as a standalone Voila page, code hidden"
	@echo "make solutions    re-execute notebooks/solutions/*.ipynb and store their outputs"
	@echo "make learner      rebuild the learner copies notebooks/*.ipynb from the solutions"
	@echo "make screenshots  refresh the screenshots under docs/"
	@echo "make lint         ruff check and ruff format --check"
	@echo "make nbgrader-course [COURSE=dir]  lay out an nbgrader course directory (default nbgrader-course/)"

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "'$(PYTHON) -m venv' failed: install Python >= 3.10 with venv (Debian, Ubuntu: apt-get install python3-venv)"; \
		exit 1; }

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	@touch $@

$(TEST_STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/python -m pip install -e '.[test,nbgrader]'
	@touch $@

$(APP_STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/python -m pip install -e '.[app]'
	@touch $@

$(LAB_OVERRIDES): | $(RUNTIME_STAMP)
	@mkdir -p $(@D)
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $@

# jupyter_server reads JUPYTER_TOKEN from the environment by itself (it stays out of `ps`, unlike
# --IdentityProvider.token=...); without it, JupyterLab prints a URL with a fresh token.
lab: $(RUNTIME_STAMP) $(LAB_OVERRIDES)
	$(BIN)/jupyter lab $(ALLOW_ROOT) $(LAB_ARGS) $(START_NOTEBOOK)

# The configuration (testpaths, nbval flags, sanitizer, markers) lives in pyproject.toml and
# conftest.py, so this is the same suite as a bare `pytest`.
test: $(TEST_STAMP) $(LAB_OVERRIDES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(RUNTIME_STAMP)
	$(if $(NOTEBOOKS),,$(error no notebooks/NN_*.ipynb to check; run `make learner` first))
	@rm -f $(CHECK_REPORT); status=0; \
	$(BIN)/python -m pytest --nbval-lax -q -p no:cacheprovider --junitxml=$(CHECK_REPORT) \
		$(NOTEBOOKS) || status=$$?; \
	$(BIN)/python tools/check_summary.py $(CHECK_REPORT) $(NOTEBOOKS); \
	exit $$status

app: $(APP_STAMP)
	$(BIN)/voila $(APP_ARGS) $(APP_NOTEBOOK)

screenshots: $(TEST_STAMP)
	$(BIN)/python tools/screenshots.py

solutions: $(TEST_STAMP)
	$(BIN)/python tools/execute_solutions.py

learner: $(RUNTIME_STAMP)
	$(BIN)/python tools/build_learner_copies.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis $(CHECK_REPORT)
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

# `make grade SUBMISSIONS=DIR`: DIR/<student>/<notebook>.ipynb -> DIR/grades.csv, DIR/<student>/feedback.md.
TIMEOUT ?= 60
JOBS ?= 1
grade: $(RUNTIME_STAMP)
	$(if $(SUBMISSIONS),,$(error give the folder of submissions: make grade SUBMISSIONS=DIR))
	$(BIN)/python tools/grade.py $(SUBMISSIONS) --timeout=$(TIMEOUT) --jobs=$(JOBS)

# `make nbgrader-course [COURSE=dir]`: COURSE/source/<notebook>/<notebook>.ipynb and COURSE/nbgrader_config.py,
# one assignment per notebook; then run nbgrader from COURSE (tools/nbgrader_course.py says how).
COURSE ?= nbgrader-course
nbgrader-course: $(TEST_STAMP)
	$(BIN)/python tools/nbgrader_course.py $(COURSE)

# `make handout`: handout/ and handout.zip for learners (learner copies, library, make lab/check; no solutions).
handout: $(RUNTIME_STAMP)
	$(BIN)/python tools/handout.py
