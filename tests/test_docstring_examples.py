"""Every ``Examples`` section of gradcheck_lib's docstrings runs, and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gradcheck_lib

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(gradcheck_lib.__path__, prefix="gradcheck_lib.")
)


def examples(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    return [test for test in doctest.DocTestFinder().find(module) if test.examples]


@pytest.mark.parametrize("name", MODULES)
def test_the_modules_examples_print_what_they_show(name):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in examples(name):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_the_examples_are_found():
    # negative control of the finder: the public functions carry examples
    assert sum(len(test.examples) for name in MODULES for test in examples(name)) >= 30
