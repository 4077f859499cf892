"""What the installed distribution says about itself."""

import ast
import importlib
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import fast_smote


def test_version_is_the_distributions():
    # Cargo.toml is the one source: maturin writes it into the distribution's metadata,
    # and the compiled core reports it as fast_smote.__version__.
    assert fast_smote.__version__ == version("fast-smote")


def test_public_names_are_imported_on_first_use_as_type_checkers_see_them():
    # What mypy sees (the TYPE_CHECKING imports) and what runs (_HOMES) name the same
    # objects from the same modules, and __all__ lists exactly those and the version.
    tree = ast.parse(Path(fast_smote.__file__).read_text())
    (guarded,) = [
        node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    imports = [node for node in guarded.body if isinstance(node, ast.ImportFrom)]
    seen = {alias.name: node.module for node in imports for alias in node.names}
    assert seen == fast_smote._HOMES
    assert sorted(fast_smote.__all__) == sorted([*seen, "__version__"])
    for name, module in seen.items():
        assert getattr(fast_smote, name) is getattr(importlib.import_module(f"fast_smote.{module}"), name)
    assert fast_smote.over_sampling.SMOTE is fast_smote.SMOTE
    assert set(fast_smote.__all__) <= set(dir(fast_smote))
    with pytest.raises(AttributeError, match="module 'fast_smote' has no attribute 'SMOOTE'"):
        fast_smote.SMOOTE  # noqa: B018


def test_importing_the_package_and_the_command_line_leaves_scikit_learn_unimported():
    code = (
        "import sys, contextlib, io\n"
        "import fast_smote\n"
        "from fast_smote._cli import main\n"
        "for argv in (['--help'], ['resample', '--help'], ['demo', '--help'], ['--version']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "        main(argv)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "[]\n"
