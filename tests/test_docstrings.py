"""Every example in the package's docstrings runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import fast_smote

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(fast_smote.__path__, "fast_smote.")
    if name != "fast_smote._core"
)


@pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failed == 0


def test_the_samplers_and_diagnose_have_examples():
    finder = doctest.DocTestFinder()
    for obj in (*fast_smote.METHODS.values(), fast_smote.diagnose):
        assert any(test.examples for test in finder.find(obj)), obj
