"""Repository-wide pytest configuration for nbval, so that a bare ``pytest`` needs no flags.

pyproject.toml turns on ``--nbval-lax --nbval-current-env`` and limits collection to tests/ and
notebooks/solutions/. This file adds what pyproject.toml cannot express:

- the sanitizer tools/nbval_sanitize.cfg (memory addresses, timings), found from this file's
  folder so that ``pytest`` works from any working directory;
- stderr is not compared: warnings and progress messages vary between library versions.
"""

from pathlib import Path

SANITIZER = Path(__file__).resolve().parent / "tools" / "nbval_sanitize.cfg"


def pytest_configure(config):
    """Use the project's sanitizer unless one is given on the command line."""
    option = config.option
    if getattr(option, "nbval_sanitize_with", "absent") is None and SANITIZER.is_file():
        option.nbval_sanitize_with = str(SANITIZER)


def pytest_collectstart(collector):
    """Skip comparing stderr in every notebook that nbval collects."""
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb" and hasattr(collector, "skip_compare"):
        collector.skip_compare = (*collector.skip_compare, "stderr")
