"""Build the learners' handout: ``handout/`` and ``handout.zip``, with no solutions in them.

The handout holds the learner copies (notebooks/NN_*.ipynb), the library, and what ``make lab`` and
``make check`` need: learner.mk as its Makefile (the learner's targets only), pyproject.toml,
environment.yml, conftest.py, the check summary (tools/check_summary.py and tools/exercise_cells.py)
and the nbval sanitizer, plus a short README.

Usage: ``python tools/handout.py [--output-dir DIR] [--help-contact TEXT] [--capstone-student ID |
--capstone-seed N]`` (defaults: the repository root; "your instructor or the course forum"; the
committed learner copies, whose capstone has seed 0). With a student id or a seed, the capstone
(notebook 08) is rebuilt with that seed's bugs, so each student can get a handout of their own.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make `tools` importable
    sys.path.insert(0, str(ROOT))

from gradcheck_lib.capstone import DEFAULT_SEED, seed_for_student  # noqa: E402
from tools.build_learner_copies import SOLUTIONS_DIR  # noqa: E402
from tools.build_learner_copies import build as learner_copy  # noqa: E402

CAPSTONE = "08_capstone.ipynb"
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
HELP_CONTACT = "your instructor or the course forum"
README = """\
# Gradient checking: the course

You need Python 3.10 or newer with venv (Debian, Ubuntu: `apt-get install python3-venv`), `make`,
and an internet connection the first time.

- `make lab` opens the course in JupyterLab, at notebooks/00_start_here.ipynb. Work through the
  notebooks in order: fill in each cell that says `raise NotImplementedError`, then run the check
  cell under it.
- `make check` runs your saved notebooks from the top in fresh kernels and prints, per notebook,
  the exercises still to do, the checks that fail and why, or "done, N cells pass ✓".
  `make check NOTEBOOKS=notebooks/01_reshaping_parameters.ipynb` checks one notebook; a cell may
  run for 60 s (`TIMEOUT=120` gives it longer).

The first `make lab` or `make check` sets up `.venv` in this folder: pip installs numpy, JupyterLab
and the rest (about 430 MB). It took under a minute on a fast connection; allow a few minutes.
Later runs start at once. To start over, delete `.venv`.

Stuck? Each check says what is wrong, and each exercise has hints in its notebook. Then ask
{help_contact}.
"""


def build(
    output_dir: Path, help_contact: str = HELP_CONTACT, capstone_seed: int = DEFAULT_SEED
) -> Path:
    """Write ``output_dir/handout/`` and ``output_dir/handout.zip``; return the folder.

    Parameters
    ----------
    output_dir : pathlib.Path
        Where ``handout/`` and ``handout.zip`` go (an existing ``handout/`` is replaced).
    help_contact : str
        Whom the README tells a stuck learner to ask, e.g. ``"the #gradcheck channel"``.
    capstone_seed : int
        The seed of the capstone's bugs (:func:`gradcheck_lib.capstone.seed_for_student` makes one
        from a student id); the committed learner copy has :data:`DEFAULT_SEED`.

    Returns
    -------
    pathlib.Path
        The handout folder, ``output_dir/handout``.
    """
    folder = output_dir / "handout"
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "notebooks").mkdir(parents=True)
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(notebook, folder / "notebooks" / notebook.name)
    if capstone_seed != DEFAULT_SEED:
        capstone = learner_copy(SOLUTIONS_DIR / CAPSTONE, capstone_seed)
        (folder / "notebooks" / CAPSTONE).write_text(capstone, encoding="utf-8")
    shutil.copytree(
        ROOT / "gradcheck_lib",
        folder / "gradcheck_lib",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name, source in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / source, folder / name)
    (folder / "README.md").write_text(README.format(help_contact=help_contact), encoding="utf-8")
    shutil.make_archive(str(output_dir / "handout"), "zip", output_dir, "handout")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=ROOT, help="where handout/ goes")
    parser.add_argument(
        "--help-contact", default=HELP_CONTACT, help="whom the README tells a stuck learner to ask"
    )
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument(
        "--capstone-seed", type=int, default=DEFAULT_SEED, help="capstone bugs of seed N"
    )
    seeds.add_argument(
        "--capstone-student", help="capstone bugs of this student (seed from the id)"
    )
    args = parser.parse_args()
    seed = args.capstone_seed
    if args.capstone_student is not None:
        seed = seed_for_student(args.capstone_student)
    if seed < 0:
        parser.error(f"--capstone-seed must be a non-negative integer, got {seed}")
    folder = build(args.output_dir, args.help_contact, seed)
    print(f"wrote {folder} and {folder.with_suffix('.zip')} (capstone seed {seed})")


if __name__ == "__main__":
    main()
