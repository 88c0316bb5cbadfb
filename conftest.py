"""Repository-wide pytest configuration for nbval, so that a bare ``pytest`` needs no flags.

pyproject.toml turns on ``--nbval-current-env`` and limits collection to tests/ and
notebooks/solutions/. This file adds what pyproject.toml cannot express:

- nbval's lax mode (only cells tagged ``nbval-check-output`` are compared) when neither ``--nbval``
  nor ``--nbval-lax`` is given, so that a bare ``pytest`` is lax and ``pytest --nbval`` is strict
  (every cell compared), as nbval documents it;
- the sanitizer tools/nbval_sanitize.cfg (memory addresses, timings), found from this file's
  folder so that ``pytest`` works from any working directory;
- stderr is not compared: warnings and progress messages vary between library versions;
- nbval's cells are marked ``slow``, like the tests that execute notebooks;
- the ``nbval_sandbox`` fixture, for tests that run nbval on a notebook outside the repository.
"""

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
SANITIZER = REPO / "tools" / "nbval_sanitize.cfg"
PYTEST_CONFIGURATION = ("pyproject.toml", "conftest.py", "tools/nbval_sanitize.cfg")


def pytest_configure(config):
    """Run nbval lax unless ``--nbval`` (strict) is asked for; use the project's sanitizer unless
    one is given on the command line."""
    option = config.option
    if hasattr(option, "nbval") and not (option.nbval or option.nbval_lax):
        option.nbval_lax = True
    if getattr(option, "nbval_sanitize_with", "absent") is None and SANITIZER.is_file():
        option.nbval_sanitize_with = str(SANITIZER)


def pytest_collectstart(collector):
    """Skip comparing stderr in every notebook that nbval collects."""
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb" and hasattr(collector, "skip_compare"):
        collector.skip_compare = (*collector.skip_compare, "stderr")


def pytest_collection_modifyitems(items):
    """Mark nbval's notebook cells ``slow``, so ``-m "not slow"`` skips every kernel run."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def nbval_sandbox(tmp_path):
    """Return a temporary folder holding this repository's pytest configuration.

    ``python -m pytest NOTEBOOK`` run inside it behaves as in the repository (same addopts,
    sanitizer and stderr skip), without writing anything into the work tree.
    """
    for name in PYTEST_CONFIGURATION:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / name, target)
    return tmp_path
