"""Build the learners' handout: ``handout/`` and ``handout.zip``, with no solutions in them.

The handout holds the learner copies (notebooks/NN_*.ipynb), the library, and what ``make lab`` and
``make check`` need: learner.mk as its Makefile (the learner's targets only), pyproject.toml,
environment.yml, conftest.py, the check summary (tools/check_summary.py and tools/exercise_cells.py)
and the nbval sanitizer, plus a short README.

Usage: ``python tools/handout.py [--output-dir DIR]`` (default: the repository root).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Path in the handout -> path in the repository.
FILES = {
    "Makefile": "learner.mk",
    "pyproject.toml": "pyproject.toml",
    "environment.yml": "environment.yml",
    "conftest.py": "conftest.py",
    "tools/check_summary.py": "tools/check_summary.py",
    "tools/exercise_cells.py": "tools/exercise_cells.py",
    "tools/nbval_sanitize.cfg": "tools/nbval_sanitize.cfg",
}
README = """\
# Gradient checking: the course

1. `make lab` opens the course in JupyterLab (the first time, it sets up `.venv`; this takes a few
   minutes). Start with notebooks/00_start_here.ipynb.
2. Fill in each cell that says `raise NotImplementedError`; run the check cell under it.
3. `make check` checks every exercise and prints a summary: "to do", what is wrong, or "done".
   `make check NOTEBOOKS=notebooks/01_reshaping_parameters.ipynb` checks one notebook.

Stuck? Each check cell's message says what is wrong; the hints in the notebooks say where to look.
Ask your instructor or the course forum.
"""


def build(output_dir: Path) -> Path:
    """Write ``output_dir/handout/`` and ``output_dir/handout.zip``; return the folder."""
    folder = output_dir / "handout"
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "notebooks").mkdir(parents=True)
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(notebook, folder / "notebooks" / notebook.name)
    shutil.copytree(
        ROOT / "gradcheck_lib",
        folder / "gradcheck_lib",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name, source in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / source, folder / name)
    (folder / "README.md").write_text(README, encoding="utf-8")
    shutil.make_archive(str(output_dir / "handout"), "zip", output_dir, "handout")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=ROOT, help="where handout/ goes")
    build(parser.parse_args().output_dir)


if __name__ == "__main__":
    main()
