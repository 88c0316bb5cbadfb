"""Packaging: pyproject.toml, environment.yml and the pytest set-up agree with the project."""

import ast
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from IPython.core.inputtransformer2 import TransformerManager

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
ENVIRONMENT = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
# The only modules allowed to import matplotlib or ipywidgets (hunt_rules is numpy-only).
OPTIONAL_MODULES = {
    "figures",
    "plots",
    "sweep_plot",
    "graph_plot",
    "heatmap_plot",
    "lab",
    "lab_views",
    "hunt",
}
# Import names that differ from their distribution's name on PyPI and conda-forge.
IMPORT_NAMES = {"yaml": "pyyaml", "jupyter_client": "jupyter-client"}


def requirement_name(requirement: str) -> str:
    """Return the normalized project name of a PEP 508 or conda requirement, e.g. ``numpy``."""
    name = re.match(r"\s*([A-Za-z0-9_.\-]+)", requirement).group(1)
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_floor(requirement: str) -> str | None:
    """Return the ``>=`` lower bound of a requirement, or None."""
    match = re.search(r">=\s*([0-9][0-9.]*)", requirement)
    return match.group(1) if match else None


def conda_requirements() -> dict[str, str]:
    """Map each conda package of environment.yml (pip and python aside) to its requirement."""
    return {
        requirement_name(item): item
        for item in ENVIRONMENT["dependencies"]
        if isinstance(item, str) and requirement_name(item) not in {"python", "pip"}
    }


def test_environment_uses_conda_forge_and_installs_the_project():
    assert ENVIRONMENT["channels"] == ["conda-forge"]
    pip_entries = [item for item in ENVIRONMENT["dependencies"] if isinstance(item, dict)]
    assert pip_entries == [{"pip": ["-e ."]}], "environment.yml must end with `pip: [-e .]`"
    assert "pip" in ENVIRONMENT["dependencies"], "list pip itself before the pip: section"


def test_environment_packages_are_the_runtime_dependencies_plus_the_app_extra():
    project = PYPROJECT["project"]
    expected = {
        requirement_name(req): req
        for req in project["dependencies"] + project["optional-dependencies"]["app"]
    }
    conda = conda_requirements()
    assert sorted(conda) == sorted(expected), (
        f"environment.yml lists {sorted(conda)}, pyproject.toml's runtime dependencies and app "
        f"extra are {sorted(expected)}"
    )
    for name, requirement in expected.items():
        assert requirement_floor(conda[name]) == requirement_floor(requirement), (
            f"{name}: environment.yml says {conda[name]!r}, pyproject.toml says {requirement!r}"
        )


def test_environment_python_matches_requires_python():
    pythons = [
        item
        for item in ENVIRONMENT["dependencies"]
        if isinstance(item, str) and requirement_name(item) == "python"
    ]
    assert [requirement_floor(item) for item in pythons] == [
        requirement_floor(PYPROJECT["project"]["requires-python"])
    ]


def test_extras_hold_what_the_make_targets_need():
    extras = {
        name: {requirement_name(req) for req in reqs}
        for name, reqs in PYPROJECT["project"]["optional-dependencies"].items()
    }
    assert "voila" in extras["app"]
    assert {
        "pytest",
        "hypothesis",
        "nbclient",
        "nbformat",
        "playwright",
        "ruff",
        "voila",
    } <= extras["test"]
    assert "scipy" in extras["bench"]
    runtime = {requirement_name(req) for req in PYPROJECT["project"]["dependencies"]}
    assert runtime == {"numpy", "matplotlib", "pillow", "ipywidgets", "jupyterlab", "nbval"}


def _declared_with_dependencies() -> set[str]:
    """Runtime and test requirements, plus everything they require in turn (as installed)."""
    project = PYPROJECT["project"]
    pending = [requirement_name(req) for req in project["dependencies"]]
    pending += [requirement_name(req) for req in project["optional-dependencies"]["test"]]
    seen = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        pending += [requirement_name(req) for req in requires if "extra ==" not in req]
    return seen


def _imported_top_level_modules(paths: list[Path]) -> dict[str, Path]:
    modules = {}
    for path in paths:
        sources = [path.read_text(encoding="utf-8")]
        if path.suffix == ".ipynb":
            notebook = nbformat.read(path, as_version=4)
            sources = [c.source for c in notebook.cells if c.cell_type == "code"]
        for source in sources:
            for node in ast.walk(ast.parse(TransformerManager().transform_cell(source))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                modules.update({name.split(".")[0]: path for name in names})
    return modules


def test_every_third_party_import_is_a_declared_dependency():
    paths = [*REPO.glob("tests/*.py"), *REPO.glob("tests/*/*.py"), *REPO.glob("tools/*.py")]
    paths += [REPO / "conftest.py", *REPO.glob("gradcheck_lib/**/*.py")]
    paths += [*REPO.glob("notebooks/solutions/*.ipynb")]
    test_packages = {path.parent.name for path in REPO.glob("tests/*/__init__.py")}
    local = {path.stem for path in paths} | {"gradcheck_lib", "tools", "tests"} | test_packages
    declared = _declared_with_dependencies()
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for module, path in sorted(_imported_top_level_modules(paths).items()):
        if module in sys.stdlib_module_names or module in local or module == "tomli":
            continue
        names = {requirement_name(d) for d in distributions.get(module, [])}
        names.add(requirement_name(IMPORT_NAMES.get(module, module)))
        if not names & declared:
            missing.append(f"{module} (imported by {path.relative_to(REPO)})")
    assert not missing, f"declare these in pyproject.toml (runtime or test extra): {missing}"


def test_core_imports_numpy_only():
    code = (
        "import importlib, pkgutil, sys, gradcheck_lib\n"
        "for info in pkgutil.iter_modules(gradcheck_lib.__path__):\n"
        f"    if info.name not in {sorted(OPTIONAL_MODULES)!r}:\n"
        "        importlib.import_module('gradcheck_lib.' + info.name)\n"
        "print(' '.join(m for m in ('matplotlib', 'ipywidgets', 'IPython', 'scipy')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", (
        f"importing the core of gradcheck_lib loaded {result.stdout.strip()}; "
        f"only {', '.join(f'{name}.py' for name in sorted(OPTIONAL_MODULES))} may import them"
    )


def test_pytest_configuration_is_in_pyproject_not_on_the_command_line():
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["tests", "notebooks/solutions"]
    assert "--nbval-current-env" in options["addopts"]
    # Lax mode comes from conftest.py, only when no mode is asked for: in addopts, --nbval-lax
    # would keep `pytest --nbval` lax (tests/test_strict_mode.py).
    assert "--nbval-lax" not in options["addopts"]
    assert "browser" in " ".join(options["markers"])
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\t\$\(BIN\)/python -m pytest \$\(PYTEST_ARGS\)$", makefile, re.M)


@pytest.mark.slow
def test_bare_pytest_collects_tests_and_solutions_but_not_learner_copies():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    node_ids = [line for line in result.stdout.splitlines() if "::" in line]
    files = {node_id.split("::")[0] for node_id in node_ids}
    assert any(name.startswith("tests/") for name in files), result.stdout[-2000:]
    learner_copies = sorted(name for name in files if re.match(r"notebooks/\d\d_", name))
    assert not learner_copies, f"a bare pytest must not run the learner copies: {learner_copies}"
    solutions = {
        path.relative_to(REPO).as_posix() for path in REPO.glob("notebooks/solutions/*.ipynb")
    }
    assert solutions <= files, f"not collected: {sorted(solutions - files)}"


NOISY_NOTEBOOK_CELL = (
    "import sys, time\n"
    "print(f'took {time.perf_counter() % 1:.3f} s', file=sys.stderr)\n"
    "print(f'<object at {id(object()):#x}>')\n"
    "print(f'{0.1 + 0.2:.3f}')"
)


@pytest.mark.slow
@pytest.mark.parametrize("stored, passes", [("0.300", True), ("0.400", False)])
def test_nbval_sanitizes_addresses_skips_stderr_and_still_compares_numbers(
    nbval_sandbox, stored, passes
):
    cell = nbformat.v4.new_code_cell(NOISY_NOTEBOOK_CELL, metadata={"tags": ["nbval-check-output"]})
    cell.execution_count = 1
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="took 0.123 s\n"),
        nbformat.v4.new_output("stream", name="stdout", text=f"<object at 0x7f00aa>\n{stored}\n"),
    ]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    nbformat.write(notebook, nbval_sandbox / "noisy.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--color=no", "noisy.ipynb"],
        cwd=nbval_sandbox,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode == 0) == passes, result.stdout[-3000:]
    if not passes:
        assert "0.400" in result.stdout and "0.300" in result.stdout
