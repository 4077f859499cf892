"""The README's Python examples run as written, in order, in one namespace."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
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


DOCS = sorted((README.parent / "docs").glob("*.md"))


@pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")
@pytest.mark.parametrize("page", DOCS, ids=lambda page: page.name)
def test_every_python_example_of_the_docs_runs(page):
    """Each page's examples run as written, in order, in a namespace of their own."""
    namespace: dict = {}
    for block in re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL):
        try:
            exec(compile(block, str(page), "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message shows which example
            pytest.fail(f"{page.name} example failed with {exc!r}:\n{block}")


def test_links_between_the_readme_and_the_docs_resolve():
    """Every relative link of the README and the docs names a file that exists and, with
    an anchor, a heading of that file."""

    def anchors(page: Path) -> set[str]:
        headings = re.findall(r"(?m)^#+ (.*)$", re.sub(r"(?s)```.*?```", "", page.read_text()))
        return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}

    for page in [README, *DOCS]:
        for target, anchor in re.findall(r"\]\((?!https?:)([^)#\s]*)(?:#([\w\-]+))?\)", page.read_text()):
            linked = (page.parent / target).resolve() if target else page
            assert linked.exists(), f"{page.name} links to {target}"
            if anchor and linked.suffix == ".md":
                assert anchor in anchors(linked), f"{page.name} links to {target}#{anchor}"


def test_the_diagnostics_example_script_prints_the_readmes_report(tmp_path):
    """docs/diagnostics_example.py (which makes the README's image) runs, writes the
    image, and prints the report the README shows."""
    script = README.parent / "docs" / "diagnostics_example.py"
    image = tmp_path / "example.png"
    result = subprocess.run(
        [sys.executable, str(script), str(image)], capture_output=True, text=True, check=True
    )
    assert image.read_bytes()[:4] == b"\x89PNG"
    section = README.read_text().split("## Diagnostics: see what SMOTE did", 1)[1]
    shown = re.search(r"```text\n(.*?)```", section, flags=re.DOTALL).group(1)
    assert result.stdout.startswith(shown)
    assert (README.parent / "docs" / "diagnostics-example.png").is_file()


def _commands(page: Path, heading: str) -> list[list[str]]:
    """The ``fast-smote`` command lines of the bash blocks under ``heading``, each as
    its arguments (a trailing backslash continues a line)."""
    section = page.read_text().split(heading, 1)[1].split("\n## ", 1)[0]
    lines = "\n".join(re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)).replace("\\\n", " ")
    commands = [line for line in lines.splitlines() if line.startswith("fast-smote ")]
    return [shlex.split(line, comments=True)[1:] for line in commands]


def test_the_command_line_examples_run_as_written(tmp_path, monkeypatch, capsys):
    """The README's and the diagnostics page's commands, in order, from a copy of the
    repository's examples (bench aside: it times for minutes)."""
    from fast_smote._cli import main

    shutil.copytree(README.parent / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    docs = README.parent / "docs"
    commands = (
        _commands(README, "## Command line")
        + _commands(docs / "cli.md", "## resample")
        + _commands(docs / "diagnostics.md", "# Diagnostics")
    )
    ran = [args for args in commands if args[0] != "bench"]
    assert len(ran) >= 6
    for args in ran:
        assert main(args) == 0, (args, capsys.readouterr().err)
    for written in (
        "balanced.csv",
        "out.parquet",
        "out.csv",
        "churn.csv",
        "approx.csv",
        "report.png",
        "report.svg",
        "report.json",
    ):
        assert (tmp_path / written).stat().st_size > 0, written
