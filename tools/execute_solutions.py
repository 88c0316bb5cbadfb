"""Re-execute the solution notebooks top to bottom and store their fresh outputs.

Each notebook runs in a new kernel of this Python environment, in its own folder, so execution
counts run 1..N and relative paths behave as in JupyterLab. Timing metadata and widget state (and
widget outputs, which would show "model not found" without it) are not stored.

Usage::

    python tools/execute_solutions.py                      # every notebooks/solutions/NN_*.ipynb
    python tools/execute_solutions.py 02 notebooks/solutions/03_relative_difference.ipynb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS_DIR = REPO / "notebooks" / "solutions"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
CURRENT_ENV_KERNEL = "gradcheck-current-env"
CELL_TIMEOUT = 600
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"


class _CurrentEnvKernelSpecs(KernelSpecManager):
    """Kernel specs plus one that runs on this interpreter, like nbval's --nbval-current-env."""

    def get_kernel_spec(self, kernel_name):
        if kernel_name == CURRENT_ENV_KERNEL:
            spec = ipykernel.kernelspec.get_kernel_dict()
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES, **spec)
        return super().get_kernel_spec(kernel_name)


def execute_notebook(
    notebook: nbformat.NotebookNode, cwd: Path, *, allow_errors: bool = False
) -> nbformat.NotebookNode:
    """Execute a notebook in place in a fresh kernel of the current Python environment.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The notebook; its outputs and execution counts are replaced.
    cwd : pathlib.Path
        The kernel's working directory (the notebook's own folder).
    allow_errors : bool
        If False, stop at the first failing cell and raise
        ``nbclient.exceptions.CellExecutionError``; if True, run every cell and keep the errors.

    Returns
    -------
    nbformat.NotebookNode
        The same notebook, executed.
    """
    kernel_manager = KernelManager(
        kernel_name=CURRENT_ENV_KERNEL, kernel_spec_manager=_CurrentEnvKernelSpecs()
    )
    client = NotebookClient(
        notebook,
        km=kernel_manager,
        timeout=CELL_TIMEOUT,
        allow_errors=allow_errors,
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            outputs = [out for out in cell.outputs if WIDGET_VIEW_MIME not in out.get("data", ())]
            cell.outputs = merge_streams(outputs)
    notebook.metadata.pop("widgets", None)
    return notebook


def merge_streams(outputs: list) -> list:
    """Join consecutive stream outputs of the same name (stdout, stderr) into one.

    How the kernel splits printed text into messages varies from run to run; the text does not.
    Merging makes two runs store the same bytes.
    """
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = previous["text"] + output["text"]
        else:
            merged.append(output)
    return merged


def resolve(names: list[str], solutions_dir: Path = SOLUTIONS_DIR) -> list[Path]:
    """Turn command-line names (paths, file names or number prefixes like ``02``) into notebooks.

    Raises
    ------
    SystemExit
        When a name matches no solution notebook, or several.
    """
    if not names:
        return sorted(solutions_dir.glob(NOTEBOOK_GLOB))
    paths = []
    for name in names:
        if Path(name).is_file():
            paths.append(Path(name))
            continue
        matches = sorted(solutions_dir.glob(f"{Path(name).stem}*.ipynb"))
        if len(matches) != 1:
            raise SystemExit(f"{name!r} matches {len(matches)} notebooks in {solutions_dir}")
        paths.append(matches[0])
    return paths


def main(argv: list[str] | None = None) -> int:
    """Execute the chosen solution notebooks and write them back; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="paths or prefixes such as 02; default: all")
    args = parser.parse_args(argv)
    paths = resolve(args.notebooks)
    if not paths:
        print(f"no {NOTEBOOK_GLOB} in {SOLUTIONS_DIR}", file=sys.stderr)
        return 1
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        print(f"executing {path} ...", flush=True)
        execute_notebook(notebook, path.resolve().parent)
        nbformat.write(notebook, path, version=4)
    print("Now rebuild the learner copies: make learner")
    return 0


if __name__ == "__main__":
    sys.exit(main())
