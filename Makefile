# Gradient-checking course. Learners: `make lab`, then `make check`. Instructors: docs/INSTRUCTORS.md.
#
# learner.mk holds the learner's targets (lab, check, clean, help) and the set-up of .venv they share
# with the targets below; the handout ships it as its Makefile. Every target works in the project's
# own virtual environment, .venv, created on first use; stamp files in .venv record what has been
# installed, so each set-up runs once and again only when pyproject.toml changes.

include learner.mk

TEST_STAMP := $(VENV)/.installed-test
APP_STAMP := $(VENV)/.installed-app

# The instructor's projection: the complete lab, code hidden (Voila's default).
APP_NOTEBOOK ?= notebooks/solutions/05_bug_hunt_lab.ipynb
APP_ARGS ?=
PYTEST_ARGS ?=

.PHONY: test app screenshots solutions learner lint grade nbgrader-course handout

help::
	@echo "make test         the whole test suite (installs the test extra on first use)"
	@echo "make app          the bug-hunt lab as a standalone Voila page, code hidden"
	@echo "make solutions    re-execute notebooks/solutions/*.ipynb and store their outputs"
	@echo "make learner      rebuild the learner copies notebooks/*.ipynb from the solutions"
	@echo "make screenshots  refresh the screenshots under docs/"
	@echo "make lint         ruff check and ruff format --check"
	@echo "make grade SUBMISSIONS=DIR  grade DIR/<student>/<notebook>.ipynb into DIR/grades.csv"
	@echo "make nbgrader-course [COURSE=dir]  lay out an nbgrader course directory (default nbgrader-course/)"
	@echo "make handout      handout/ and handout.zip for learners (no solutions)"

$(TEST_STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/python -m pip install -e '.[test,nbgrader]'
	@touch $@

$(APP_STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/python -m pip install -e '.[app]'
	@touch $@

# The configuration (testpaths, nbval flags, sanitizer, markers) lives in pyproject.toml and
# conftest.py, so this is the same suite as a bare `pytest`.
test: $(TEST_STAMP) $(LAB_OVERRIDES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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

# `make grade SUBMISSIONS=DIR`: DIR/<student>/<notebook>.ipynb -> DIR/grades.csv, DIR/<student>/feedback.md.
# TIMEOUT (seconds per cell) is learner.mk's, shared with `make check`.
JOBS ?= 1
grade: $(RUNTIME_STAMP)
	$(if $(SUBMISSIONS),,$(error give the folder of submissions: make grade SUBMISSIONS=DIR))
	$(BIN)/python tools/grade.py $(SUBMISSIONS) --timeout=$(TIMEOUT) --jobs=$(JOBS)

# `make nbgrader-course [COURSE=dir]`: COURSE/source/<notebook>/<notebook>.ipynb and COURSE/nbgrader_config.py,
# one assignment per notebook; then run nbgrader from COURSE (tools/nbgrader_course.py says how).
COURSE ?= nbgrader-course
nbgrader-course: $(TEST_STAMP)
	$(BIN)/python tools/nbgrader_course.py $(COURSE)

# `make handout [HELP_CONTACT="the #gradcheck channel"] [STUDENT=id]`: handout/ and handout.zip for
# learners (learner copies, library, learner.mk as the Makefile; no solutions); the README says whom to
# ask for help. With STUDENT, handouts/<id>/handout{,.zip}, whose capstone has that student's bugs.
HELP_CONTACT ?=
STUDENT ?=
handout: $(RUNTIME_STAMP)
	$(BIN)/python tools/handout.py $(if $(HELP_CONTACT),--help-contact "$(HELP_CONTACT)") \
		$(if $(STUDENT),--capstone-student "$(STUDENT)" --output-dir "handouts/$(STUDENT)")
