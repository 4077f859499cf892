"""The README's Python examples run as written, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


# The family example shows ADASYN's and KMeansSMOTE's rounding, which they warn about.
@pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")
def test_every_python_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 5
    namespace: dict = {}
    for block in blocks:
        try:
            exec(compile(block, str(README), "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message shows which example
            pytest.fail(f"README example failed with {exc!r}:\n{block}")
