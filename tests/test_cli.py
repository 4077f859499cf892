"""The ``fast-smote`` command line: resampling files, its messages and errors, demo, bench."""

from __future__ import annotations

import csv
import json
import re
import shlex
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np
import pytest

import fast_smote
from fast_smote import _cli, _tables
from fast_smote._cli import main
from fast_smote._resample import SAMPLERS

N_MAJORITY, N_MINORITY = 450, 50
COLUMNS = ["amount", "label", "count", "score"]
#: Clusters that qualify on this small data (none do with KMeansSMOTE's defaults).
KMEANS_PARAMS = ["-p", "kmeans_estimator=3", "-p", "cluster_balance_threshold=0.01"]


@pytest.fixture
def pl():
    return pytest.importorskip("polars")


@pytest.fixture(params=["polars", "pyarrow"])
def backend(request, monkeypatch):
    """Each table library in turn, as the only one the command line finds."""
    pytest.importorskip(request.param)
    only = {"polars": _tables.PolarsBackend, "pyarrow": _tables.ArrowBackend}[request.param]
    monkeypatch.setattr(_tables, "BACKENDS", (only,))
    return request.param


def make_frame(pl, seed=0):
    """Float64, int64 and float32 features around a string label (10 % "yes")."""
    rng = np.random.default_rng(seed)
    label = rng.permutation(np.repeat(["no", "yes"], [N_MAJORITY, N_MINORITY]))
    n = len(label)
    return pl.DataFrame(
        {
            "amount": rng.gamma(2.0, 50.0, n) + 40.0 * (label == "yes"),
            "label": label,
            "count": rng.integers(0, 20, n),
            "score": rng.normal(size=n).astype(np.float32),
        }
    )


def make_categorical_frame(pl, seed=0):
    """The numeric frame with a ``category`` column and a string column."""
    rng = np.random.default_rng(seed)
    frame = make_frame(pl, seed)
    return frame.with_columns(
        pl.Series("channel", rng.choice(["web", "shop", "phone"], frame.height)).cast(pl.Categorical),
        pl.Series("country", rng.choice(["de", "fr", "it"], frame.height)),
    )


@pytest.fixture
def csv_file(tmp_path, pl):
    path = tmp_path / "data.csv"
    make_frame(pl).write_csv(path)
    return path


@pytest.fixture
def categorical_file(tmp_path, pl):
    path = tmp_path / "mixed.parquet"
    make_categorical_frame(pl).write_parquet(path)
    return path


def resample(*args):
    return main(["resample", *map(str, args)])


def counts(column) -> dict:
    labels, n = np.unique(column.to_numpy(), return_counts=True)
    return dict(zip(labels.tolist(), n.tolist()))


def test_csv_round_trip(backend, csv_file, tmp_path, pl, capsys):
    out = tmp_path / "out.csv"
    assert resample(csv_file, "--target", "label", "-o", out, "--seed", 0) == 0
    original, result = pl.read_csv(csv_file), pl.read_csv(out, infer_schema_length=None)
    assert result.columns == COLUMNS
    assert counts(result["label"]) == {"no": N_MAJORITY, "yes": N_MAJORITY}
    # The original rows first, in order and unchanged (floats written exactly).
    for name in COLUMNS:
        np.testing.assert_array_equal(
            result[name].head(original.height).to_numpy(), original[name].to_numpy()
        )
    assert (result["label"].tail(N_MAJORITY - N_MINORITY) == "yes").all()
    summary = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"label +before +after +change", summary[0])
    assert re.fullmatch(r"no +450 +450 +\+0", summary[1])
    assert re.fullmatch(r"yes +50 +450 +\+400", summary[2])
    assert re.fullmatch(r"total +500 +900 +\+400", summary[3])


def test_csv_types_from_the_whole_file(backend, tmp_path, pl):
    """A column of integers whose first fraction comes after the rows types are guessed from."""
    source, out = tmp_path / "late.csv", tmp_path / "out.csv"
    rng = np.random.default_rng(0)
    x = [str(v) for v in rng.integers(0, 9, 1999)] + ["0.5"]
    label = ["a"] * 1800 + ["b"] * 200
    source.write_text("x,label\n" + "".join(f"{v},{c}\n" for v, c in zip(x, label)))
    assert resample(source, "-t", "label", "-o", out, "-q") == 0
    result = pl.read_csv(out, infer_schema_length=None)
    assert result["x"].dtype == pl.Float64 and result["x"][1999] == 0.5


def test_same_seed_same_file(csv_file, tmp_path):
    for name in ("a.csv", "b.csv"):
        assert resample(csv_file, "-t", "label", "-o", tmp_path / name, "--seed", 7, "-q", "-j", 1) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.mark.parametrize(
    ("method", "changed"),
    [("random", {}), ("smote", {"count": "Float64"})],  # copies keep integers, interpolation not
)
def test_parquet_round_trip_keeps_dtypes(backend, tmp_path, pl, method, changed):
    source, out = tmp_path / "data.parquet", tmp_path / "out.parquet"
    frame = make_frame(pl).with_columns(pl.col("count").cast(pl.Int32))
    frame.write_parquet(source)
    assert resample(source, "-t", "label", "-o", out, "-m", method, "--seed", 0, "-q") == 0
    result = pl.read_parquet(out)
    expected = {name: str(dtype) for name, dtype in frame.schema.items()} | changed
    assert {name: str(dtype) for name, dtype in result.schema.items()} == expected
    assert counts(result["label"]) == {"no": N_MAJORITY, "yes": N_MAJORITY}
    assert result.head(frame.height).equals(frame.cast(result.schema))


def test_parquet_in_csv_out(categorical_file, tmp_path, pl):
    out = tmp_path / "out.csv"
    assert resample(categorical_file, "-t", "label", "-o", out, "-m", "smotenc", "--seed", 0, "-q") == 0
    assert pl.read_csv(out, infer_schema_length=None).columns == [*COLUMNS, "channel", "country"]


def test_smotenc_keeps_categories(backend, categorical_file, tmp_path, pl):
    out = tmp_path / "out.parquet"
    args = [categorical_file, "-t", "label", "-o", out, "-m", "smotenc", "--seed", 0, "-q"]
    assert resample(*args, "--categorical", "channel,country") == 0
    by_name = pl.read_parquet(out)
    assert resample(*args) == 0  # --categorical auto: the non-numeric columns, the same two
    result = pl.read_parquet(out)
    assert result.equals(by_name)
    # The integer column is interpolated, so float; every other column keeps its type.
    assert result.schema == pl.read_parquet(categorical_file).schema | {"count": pl.Float64}
    assert set(result["channel"].cast(pl.String)) == {"web", "shop", "phone"}
    assert set(result["country"]) == {"de", "fr", "it"}
    assert counts(result["label"]) == {"no": N_MAJORITY, "yes": N_MAJORITY}


@pytest.mark.parametrize("method", sorted(SAMPLERS))
@pytest.mark.filterwarnings("ignore")  # ADASYN's and KMeansSMOTE's rounding, shown as warnings
def test_every_method(method, csv_file, categorical_file, tmp_path, pl, capsys):
    categorical = method in ("smotenc", "smoten")
    source = categorical_file if categorical else csv_file
    params = KMEANS_PARAMS if method == "kmeans-smote" else []
    out = tmp_path / "out.parquet"
    assert resample(source, "-t", "label", "-o", out, "-m", method, "--seed", 0, *params) == 0
    result = pl.read_parquet(out)
    assert result.columns == ([*COLUMNS, "channel", "country"] if categorical else COLUMNS)
    assert re.search(r"^yes +50 +\d", capsys.readouterr().out, flags=re.MULTILINE)


def test_sampler_parameters(csv_file, tmp_path, capsys):
    out = tmp_path / "out.csv"
    args = [csv_file, "-t", "label", "-o", out, "--seed", 0]
    assert (
        resample(*args, "-m", "borderline-smote", "-p", "kind=borderline-2", "-k", 3, "-p", "m_neighbors=8")
        == 0
    )
    assert "BorderlineSMOTE(k_neighbors=3, kind='borderline-2', m_neighbors=8" in capsys.readouterr().err
    assert resample(*args, "-m", "random", "-p", "shrinkage=0.5") == 0
    assert "RandomOverSampler(random_state=0, shrinkage=0.5)" in capsys.readouterr().err


@pytest.fixture
def three_classes(tmp_path, pl):
    path = tmp_path / "three.csv"
    rng = np.random.default_rng(1)
    label = np.repeat([0, 1, 2], [300, 120, 60])
    pl.DataFrame({"x": rng.normal(size=480) + label, "y": rng.normal(size=480), "label": label}).write_csv(
        path
    )
    return path


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("auto", {0: 300, 1: 300, 2: 300}),
        ("minority", {0: 300, 1: 120, 2: 300}),
        ("not minority", {0: 300, 1: 300, 2: 60}),
        ("not majority", {0: 300, 1: 300, 2: 300}),
        ("all", {0: 300, 1: 300, 2: 300}),
        ('{"1": 200, "2": 100}', {0: 300, 1: 200, 2: 100}),
    ],
)
def test_sampling_strategy_forms(three_classes, tmp_path, pl, strategy, expected):
    out = tmp_path / "out.csv"
    assert resample(three_classes, "-t", "label", "-o", out, "--sampling-strategy", strategy, "-q") == 0
    assert counts(pl.read_csv(out, infer_schema_length=None)["label"]) == expected


@pytest.mark.parametrize(("strategy", "n_yes"), [("0.5", 225), ('{"yes": 100}', 100)])
def test_sampling_strategy_ratio_and_string_labels(csv_file, tmp_path, pl, strategy, n_yes):
    out = tmp_path / "out.csv"
    assert resample(csv_file, "-t", "label", "-o", out, "-s", strategy, "-q") == 0
    assert counts(pl.read_csv(out, infer_schema_length=None)["label"]) == {"no": N_MAJORITY, "yes": n_yes}


@pytest.mark.parametrize("backend", ["polars", "pyarrow"], indirect=True)
def test_progress_and_csv_chunks(backend, csv_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_tables, "CSV_CHUNK_CELLS", 4 * 400)  # 400 rows a chunk
    out = tmp_path / "out.csv"
    assert resample(csv_file, "-t", "label", "-o", out, "--seed", 0) == 0
    err = capsys.readouterr().err
    stages = [
        rf"reading {re.escape(str(csv_file))} \([\d.]+ KiB\) with {backend} \.\.\.",
        r"  500 rows x 4 columns in [\d.]+ s",
        re.escape("resampling with SMOTE(random_state=0) ..."),
        r"  900 rows \(\+400\) in [\d.]+ s",
        rf"writing {re.escape(str(out))} \.\.\.",
        r"  400 of 900 rows \(44%\)",
        r"  800 of 900 rows \(89%\)",
        r"  900 of 900 rows \(100%\)",
        r"  900 rows x 4 columns in [\d.]+ s",
    ]
    assert len(err.splitlines()) == len(stages), err
    for line, stage in zip(err.splitlines(), stages):
        assert re.fullmatch(stage, line), (line, stage)
    rows = list(csv.reader(out.open()))
    assert rows[0] == COLUMNS and len(rows) == 901  # one header


def test_quiet(csv_file, tmp_path, capsys):
    assert resample(csv_file, "-t", "label", "-o", tmp_path / "out.csv", "--quiet") == 0
    assert capsys.readouterr() == ("", "")


def test_warnings_in_one_line(csv_file, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert (
        resample(csv_file, "-t", "label", "-o", out, "-m", "kmeans-smote", *KMEANS_PARAMS, "--seed", 0, "-q")
        == 0
    )
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(
        "fast-smote: warning: KMeansSMOTE generated 402 samples for class 'yes' instead of"
    )


@pytest.fixture
def inputs(tmp_path, pl, csv_file):
    """Input files by name, most with one problem each."""
    frame = make_frame(pl)
    row_3 = pl.int_range(frame.height) == 3
    paths = {
        "data.csv": csv_file,
        "data.xlsx": tmp_path / "data.xlsx",
        "garbage.parquet": tmp_path / "garbage.parquet",
    }
    paths["data.xlsx"].write_bytes(csv_file.read_bytes())
    paths["garbage.parquet"].write_text("not parquet")
    for name, data in {
        "city.csv": frame.with_columns(city=pl.lit("Paris")),
        "null-label.parquet": frame.with_columns(label=pl.when(row_3).then(None).otherwise("label")),
        "null-count.parquet": frame.with_columns(count=pl.when(row_3).then(None).otherwise("count")),
        "label-only.csv": frame.select("label"),
    }.items():
        paths[name] = tmp_path / name
        if name.endswith(".csv"):
            data.write_csv(paths[name])
        else:
            data.write_parquet(paths[name])
    return paths


#: (input file, arguments, the message after "fast-smote: error: ")
ERRORS = {
    "missing file": ("nope.csv", [], r"input file '.*nope\.csv' not found"),
    "input extension": (
        "data.xlsx",
        [],
        r"unknown extension '\.xlsx' of .*data\.xlsx: use one of \.csv, \.parquet, \.pq",
    ),
    "output extension": (
        "data.csv",
        ["-o", "out.json"],
        r"unknown extension '\.json' of out\.json: use one of .*",
    ),
    "missing target": (
        "data.csv",
        ["-t", "class"],
        r"no column 'class' in .*data\.csv; its columns: 'amount', 'label', 'count', 'score'",
    ),
    "non-numeric feature": (
        "city.csv",
        [],
        r"--method smote needs numeric features; not numeric: 'city' \(\w+\)\. To oversample these "
        r"columns as categories, use --method smotenc --categorical city \(or --categorical auto\)",
    ),
    "non-numeric feature not in --categorical": (
        "city.csv",
        ["-m", "smotenc", "--categorical", "count"],
        r"feature columns that are not numeric: 'city' \(\w+\); add them to --categorical city",
    ),
    "unknown --categorical": (
        "data.csv",
        ["-m", "smotenc", "--categorical", "label,colour"],
        r"--categorical names 'label', 'colour', not a feature column "
        r"\(features: 'amount', 'count', 'score'\)",
    ),
    "--categorical without smotenc": (
        "data.csv",
        ["--categorical", "auto"],
        r"--categorical applies to --method smotenc only",
    ),
    "sampler ValueError": (
        "data.csv",
        ["-k", "60"],
        r"SMOTE: class 'yes' has 50 samples, but k_neighbors=60 needs at least 61",
    ),
    "sampler TypeError": (
        "data.csv",
        ["-s", '{"yes": "many"}'],
        r"SMOTE: sampling_strategy\['yes'\] must be an int target count, got 'many'",
    ),
    "unknown strategy": ("data.csv", ["-s", "most"], r"SMOTE: sampling_strategy='most' is not known; .*"),
    "unknown class": (
        "data.csv",
        ["-s", '{"maybe": 100}'],
        r"--sampling-strategy names 'maybe', not a class of column 'label' \(its classes: 'no', 'yes'\)",
    ),
    "bad JSON": ("data.csv", ["-s", "{1: 2}"], r"--sampling-strategy '\{1: 2\}' is not valid JSON \(.*\)"),
    "--k-neighbors without k_neighbors": (
        "data.csv",
        ["-m", "adasyn", "-k", "3"],
        r"--k-neighbors does not apply to --method adasyn; "
        r"ADASYN's own parameters: n_neighbors \(set with --param NAME=VALUE\)",
    ),
    "unknown --param": (
        "data.csv",
        ["-p", "kind=borderline-2"],
        r"--param 'kind=borderline-2' is not NAME=VALUE for a parameter of the sampler; "
        r"SMOTE's own parameters: none \(set with --param NAME=VALUE\)",
    ),
    "--param for an option": (
        "data.csv",
        ["-p", "random_state=1"],
        r"set random_state with --seed, not --param",
    ),
    "missing target values": ("null-label.parquet", [], r"target column 'label' has 1 missing values"),
    "missing feature values": (
        "null-count.parquet",
        [],
        r"numeric feature columns with missing or infinite values: 'count' at row 3: "
        r"impute or drop them first",
    ),
    "target only": ("label-only.csv", [], r".*label-only\.csv has no column besides the target 'label'"),
    "unreadable": ("garbage.parquet", [], r"cannot read .*garbage\.parquet: .*"),
}


@pytest.mark.parametrize("backend", ["polars", "pyarrow"], indirect=True)
@pytest.mark.parametrize("case", list(ERRORS))
def test_errors(case, backend, inputs, tmp_path, monkeypatch, capsys):
    name, args, message = ERRORS[case]
    monkeypatch.chdir(tmp_path)
    assert resample(inputs.get(name, name), "-t", "label", "-o", "out.csv", *args) == 2
    captured = capsys.readouterr()
    (line,) = [line for line in captured.err.splitlines() if line.startswith("fast-smote: error: ")]
    assert re.fullmatch(message, line.removeprefix("fast-smote: error: ")), line
    assert "Traceback" not in captured.err and not (tmp_path / "out.csv").exists()


def test_error_without_table_library(csv_file, tmp_path, monkeypatch, capsys):
    def missing():
        raise ImportError("No module named 'polars'")

    monkeypatch.setattr(_tables, "BACKENDS", (missing,))
    assert resample(csv_file, "-t", "label", "-o", tmp_path / "out.csv") == 2
    assert capsys.readouterr().err == (
        "fast-smote: error: reading and writing CSV or Parquet needs polars or pyarrow: "
        "pip install 'fast-smote[cli]'\n"
    )


def test_usage_errors_exit_2(csv_file, capsys):
    with pytest.raises(SystemExit) as exit_info:
        resample(csv_file, "-t", "label", "-o", "out.csv", "-m", "smoothie")
    assert exit_info.value.code == 2
    assert "invalid choice: 'smoothie'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        resample(csv_file, "-o", "out.csv")
    assert exit_info.value.code == 2
    assert "the following arguments are required: -t/--target" in capsys.readouterr().err


def test_demo(capsys):
    assert main(["demo", "--n-samples", "2000", "--n-features", "4"]) == 0
    assert f"fast-smote {fast_smote.__version__}: SMOTE demo on 2000 x 4 float32" in capsys.readouterr().out


def test_bench_help(capsys):
    pytest.importorskip("imblearn")
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: fast-smote bench ") and "--quick" in out


def test_bench_without_imblearn(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "imblearn", None)  # import imblearn now fails
    for name in [name for name in sys.modules if name.startswith("fast_smote._bench")]:
        monkeypatch.delitem(sys.modules, name)  # the benchmark and its modules, imported anew
    monkeypatch.delattr(fast_smote, "_bench", raising=False)
    assert main(["bench", "--quick"]) == 2
    assert capsys.readouterr().err == (
        "fast-smote: error: fast-smote bench needs imblearn, which is not installed: "
        "pip install 'fast-smote[bench]'\n"
    )


def test_console_script(csv_file, tmp_path, pl):
    """The installed ``fast-smote`` script, in a process of its own."""
    script = Path(sysconfig.get_path("scripts")) / "fast-smote"
    out = tmp_path / "out.parquet"
    done = subprocess.run(
        [script, "resample", csv_file, "--target", "label", "-o", out, "--seed", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"^yes +50 +450 +\+400$", done.stdout, flags=re.MULTILINE)
    assert "resampling with SMOTE(random_state=0) ..." in done.stderr
    assert counts(pl.read_parquet(out)["label"]) == {"no": N_MAJORITY, "yes": N_MAJORITY}
    failed = subprocess.run(
        [script, "resample", tmp_path / "nope.csv", "-t", "label", "-o", out],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 2
    assert failed.stderr == f"fast-smote: error: input file '{tmp_path / 'nope.csv'}' not found\n"


def test_python_dash_m():
    done = subprocess.run(
        [sys.executable, "-m", "fast_smote", "--help"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("usage: fast-smote ")
    assert all(command in done.stdout for command in ("resample", "demo", "bench"))


def test_resample_writes_a_report_in_each_format(backend, csv_file, tmp_path, pl, capsys):
    out = tmp_path / "out.csv"
    args = [csv_file, "-t", "label", "-o", out, "--seed", 0]
    assert resample(*args, "--report", tmp_path / "report.png") == 0
    assert (tmp_path / "report.png").read_bytes()[:4] == b"\x89PNG"
    printed = capsys.readouterr().out
    assert "fast-smote diagnostics of SMOTE(random_state=0) (3 features)" in printed
    assert re.search(r"^new rows +0 +400$", printed, flags=re.MULTILINE)
    assert resample(*args, "--report", tmp_path / "report.json", "-q") == 0
    assert capsys.readouterr().out == ""
    report = json.loads((tmp_path / "report.json").read_text())
    assert [c["label"] for c in report["classes"]] == ["no", "yes"]
    assert report["classes"][1]["n_synthetic"] == 400 and report["provenance"] is True
    assert resample(*args, "--report", tmp_path / "report.txt", "-q") == 0
    # The same numbers as the library's own report of the same resampling.
    frame = pl.read_csv(csv_file)
    X = frame.drop("label").to_numpy().astype(np.float64)
    y = frame["label"].to_numpy()
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    expected = fast_smote.diagnose(X, y, X_res, y_res, sampler, warn=False)
    assert (tmp_path / "report.txt").read_text() == f"{expected}\n"


def test_a_bad_report_extension_is_refused_before_any_work(csv_file, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert resample(csv_file, "-t", "label", "-o", out, "--report", tmp_path / "report.docx") == 2
    error = capsys.readouterr().err
    assert "--report" in error and "report.docx" in error and ".png, .svg, .pdf" in error
    assert not out.exists()


def test_a_plot_report_without_matplotlib_is_refused_before_any_work(csv_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_cli, "find_spec", lambda name: None if name == "matplotlib" else object())
    out = tmp_path / "out.csv"
    assert resample(csv_file, "-t", "label", "-o", out, "--report", tmp_path / "report.svg") == 2
    assert "pip install 'fast-smote[plot]'" in capsys.readouterr().err and not out.exists()
    # Text and JSON reports need no matplotlib.
    assert resample(csv_file, "-t", "label", "-o", out, "--report", tmp_path / "report.json", "-q") == 0


def test_diagnose_resamples_in_memory_and_prints_the_report(backend, csv_file, tmp_path, capsys):
    assert main(["diagnose", str(csv_file), "--target", "label", "--seed", 0, "-m", "adasyn", "-q"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("fast-smote diagnostics of ADASYN(random_state=0) (3 features)")
    assert "bases used" in printed and "in other-class territory" in printed
    assert sorted(tmp_path.iterdir()) == [csv_file]  # nothing written


def test_diagnose_reads_a_resampled_file(backend, csv_file, tmp_path, pl, capsys):
    out = tmp_path / "out.parquet"
    assert resample(csv_file, "-t", "label", "-o", out, "--seed", 3, "-q") == 0
    report = tmp_path / "report.json"
    command = ["diagnose", str(csv_file), "-t", "label", "--resampled", str(out), "--report", str(report)]
    assert main(command) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("fast-smote diagnostics of a resampling") and "bases used" not in printed
    data = json.loads(report.read_text())
    assert data["provenance"] is False and data["classes"][1]["n_synthetic"] == N_MAJORITY - N_MINORITY


def test_diagnose_refusals(csv_file, categorical_file, tmp_path, pl, capsys):
    assert main(["diagnose", str(categorical_file), "-t", "label", "-m", "smoten", "--seed", 0]) == 2
    assert "diagnose needs continuous features" in capsys.readouterr().err
    out = tmp_path / "out.csv"
    command = [categorical_file, "-t", "label", "-o", out, "-m", "smoten", "--report", tmp_path / "r.png"]
    assert resample(*command) == 2
    assert "diagnose needs continuous features" in capsys.readouterr().err and not out.exists()
    other = tmp_path / "other.csv"
    make_frame(pl).drop("score").write_csv(other)
    assert main(["diagnose", str(csv_file), "-t", "label", "--resampled", str(other)]) == 2
    assert "must have the columns of" in capsys.readouterr().err
    assert main(["diagnose", str(tmp_path / "missing.csv"), "-t", "label"]) == 2
    assert "not found" in capsys.readouterr().err


def test_smotenc_results_are_diagnosed_with_their_categories(categorical_file, tmp_path, capsys):
    report = tmp_path / "report.json"
    command = ["diagnose", str(categorical_file), "-t", "label", "-m", "smotenc", "--seed", 0, "-q"]
    assert main([*command, "--report", str(report)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("fast-smote diagnostics of SMOTENC(") and "(5 features)" in printed
    data = json.loads(report.read_text())
    assert data["n_features"] == 5 and data["classes"][1]["n_synthetic"] == N_MAJORITY - N_MINORITY


def test_version_and_plain_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"fast-smote {fast_smote.__version__}\n"
    for command in ([], ["demo"], ["resample"], ["diagnose"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        out = capsys.readouterr().out
        assert "``" not in out, command
    # Every demo option is described.
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = capsys.readouterr().out
    for help_text in ("rows of the generated data", "its columns", "seed of the data and the sampler"):
        assert help_text in out, help_text


def test_a_run_without_seed_prints_the_seed_that_repeats_it(csv_file, tmp_path, capsys):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert resample(csv_file, "-t", "label", "-o", first) == 0
    (seed,) = re.findall(
        r"fast-smote: no --seed given: this run uses --seed (\d+)\n", capsys.readouterr().err
    )
    assert resample(csv_file, "-t", "label", "-o", second, "--seed", seed, "-q") == 0
    assert first.read_bytes() == second.read_bytes()
    assert resample(csv_file, "-t", "label", "-o", second, "-q") == 0
    assert capsys.readouterr() == ("", "")


def test_a_reader_that_stops_early_ends_the_run_quietly():
    script = Path(sysconfig.get_path("scripts")) / "fast-smote"
    done = subprocess.run(
        f"'{script}' demo --n-samples 2000 --n-features 3 | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.startswith("fast-smote ") and done.stdout.count("\n") == 1
    assert done.stderr == ""


def test_a_wrong_target_gets_the_closest_column(csv_file, tmp_path, capsys):
    out = tmp_path / "out.csv"
    for given, hint in [
        ("LABEL", "did you mean --target label?"),  # letter case first
        ("labl", "did you mean --target label?"),
        ("zzz", "its columns: 'amount', 'label', 'count', 'score'"),
    ]:
        assert resample(csv_file, "-t", given, "-o", out) == 2
        assert capsys.readouterr().err.splitlines()[-1].endswith(hint), given


def test_an_output_that_cannot_be_written_is_refused_before_any_work(csv_file, tmp_path, capsys):
    missing = tmp_path / "no such folder"
    for args in (["-o", missing / "out.csv"], ["-o", tmp_path / "out.csv", "--report", missing / "r.json"]):
        assert resample(csv_file, "-t", "label", *args) == 2
        what = "report" if "--report" in args else "output"
        assert capsys.readouterr().err == (
            f"fast-smote: error: cannot write the {what} '{args[-1]}': "
            f"the folder '{missing}' does not exist\n"
        )


def test_the_demo_reports_warnings_and_errors_in_the_commands_words(capsys):
    assert main(["demo", "--method", "adasyn", "--n-samples", "5000"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("fast-smote: warning: ADASYN generated ") and err.count("\n") == 1
    # KMeans-SMOTE finds no qualifying cluster in this small demo: one line, exit 2.
    assert main(["demo", "--method", "kmeans-smote", "--n-samples", "5000"]) == 2
    assert capsys.readouterr().err == (
        "fast-smote: error: KMeansSMOTE: no cluster has enough samples of class 1 (a share of at "
        "least 0.5 and more than 2); lower cluster_balance_threshold or use more clusters\n"
    )


def read_back(path, pl):
    return pl.read_csv(path, infer_schema_length=None)


@pytest.mark.parametrize("backend", ["polars", "pyarrow"], indirect=True)
def test_a_stray_text_cell_is_named_not_taken_for_a_category(backend, tmp_path, capsys):
    source = tmp_path / "typo.csv"
    rng = np.random.default_rng(0)
    amounts = [f"{v:.2f}" for v in rng.gamma(2.0, 50.0, 60)]
    amounts[7], amounts[30] = "n/a", "12,5"
    labels = ["a"] * 50 + ["b"] * 10
    source.write_text(
        "amount,label\n" + "".join(f"{v},{c}\n" for v, c in zip(amounts, labels)).replace("12,5", '"12,5"')
    )
    assert resample(source, "-t", "label", "-o", tmp_path / "out.csv", "-q") == 2
    assert capsys.readouterr().err == (
        "fast-smote: error: feature column 'amount' holds numbers, but 2 of its cells do not: "
        "'n/a', '12,5' at rows 7, 30 (lines 9, 32); correct or empty those cells\n"
    )


@pytest.mark.parametrize("backend", ["polars", "pyarrow"], indirect=True)
def test_suggested_fixes_can_be_pasted_into_a_shell(backend, tmp_path, pl, capsys):
    frame = make_frame(pl).rename({"label": "class label"}).with_columns(pl.lit("Paris").alias("home city"))
    source, out = tmp_path / "spaces.csv", tmp_path / "out.csv"
    frame.write_csv(source)
    assert resample(source, "-t", "Class Label", "-o", out) == 2
    assert capsys.readouterr().err.endswith("did you mean --target 'class label'?\n")
    assert resample(source, "-t", "class label", "-o", out) == 2
    assert "use --method smotenc --categorical 'home city' (or" in capsys.readouterr().err
    assert resample(source, "-t", "class label", "-o", out, "-m", "smotenc", "--categorical", "count") == 2
    assert capsys.readouterr().err.endswith("add them to --categorical 'home city'\n")
    # The suggestion, pasted as a shell would split it, runs.
    fixed = ["-m", "smotenc", *shlex.split("--categorical 'home city'"), "-q"]
    assert resample(source, *shlex.split("--target 'class label'"), "-o", out, *fixed) == 0


@pytest.mark.parametrize("backend", ["polars", "pyarrow"], indirect=True)
def test_missing_and_infinite_values_are_named_by_column_and_row(backend, tmp_path, capsys):
    source = tmp_path / "holes.csv"
    rows = [f"{i}.5,{i % 7},{'b' if i % 10 == 0 else 'a'}" for i in range(60)]
    rows[4] = "NaN,1,a"
    rows[11] = "inf,,a"
    rows[12] = "1.5,,a"
    source.write_text("x,n,label\n" + "\n".join(rows) + "\n")
    assert resample(source, "-t", "label", "-o", tmp_path / "out.csv", "-q") == 2
    assert capsys.readouterr().err == (
        "fast-smote: error: numeric feature columns with missing or infinite values: "
        "'x' at rows 4, 11 (lines 6, 13); 'n' at rows 11, 12 (lines 13, 14): "
        "impute or drop them first\n"
    )


def test_a_misspelt_param_gets_the_parameter_it_resembles(csv_file, tmp_path, capsys):
    args = [csv_file, "-t", "label", "-o", tmp_path / "out.csv", "-m", "borderline-smote"]
    assert resample(*args, "-p", "kindd=borderline-2") == 2
    err = capsys.readouterr().err
    assert (
        "did you mean --param kind=borderline-2? BorderlineSMOTE's own parameters: kind, m_neighbors" in err
    )


@pytest.fixture
def with_ids(tmp_path, pl):
    path = tmp_path / "ids.csv"
    make_frame(pl).with_columns(pl.format("c{}", pl.int_range(N_MAJORITY + N_MINORITY)).alias("id")).select(
        "id", *COLUMNS
    ).write_csv(path)
    return path


@pytest.mark.parametrize("backend", ["polars", "pyarrow"], indirect=True)
@pytest.mark.parametrize("method", ["smote", "random", "smote-tomek", "smote-enn"])
def test_excluded_columns_are_carried_along_or_dropped(backend, method, with_ids, tmp_path, pl):
    out = tmp_path / "out.csv"
    assert (
        resample(with_ids, "-t", "label", "-o", out, "-m", method, "--exclude", "id", "--seed", 0, "-q") == 0
    )
    original, result = read_back(with_ids, pl), read_back(out, pl)
    assert result.columns == ["id", *COLUMNS]
    # Every row that has an id is the input row of that id, unchanged; new rows have none.
    found = result.filter(pl.col("id").is_not_null())
    joined = found.join(original, on="id", suffix="_in")
    assert joined.height == found.height == found["id"].n_unique()
    for name in COLUMNS:
        np.testing.assert_array_equal(joined[name].to_numpy(), joined[f"{name}_in"].to_numpy())
    new = result.filter(pl.col("id").is_null())
    assert new.height == result.height - found.height
    if method in ("smote", "random"):
        assert found.height == original.height and new.height == N_MAJORITY - N_MINORITY
    assert (
        resample(with_ids, "-t", "label", "-o", out, "-m", method, "--exclude", "id", "--drop-excluded", "-q")
        == 0
    )
    assert read_back(out, pl).columns == COLUMNS


def test_exclude_refusals(with_ids, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert resample(with_ids, "-t", "label", "-o", out, "--exclude", "ID", "-q") == 2
    assert capsys.readouterr().err == (
        "fast-smote: error: --exclude names 'ID', not a column; did you mean --exclude id?\n"
    )
    assert resample(with_ids, "-t", "label", "-o", out, "--exclude", "id,label") == 2
    assert "--exclude names the target 'label', which the resampling needs" in capsys.readouterr().err


def test_long_runs_show_they_are_alive(monkeypatch, capsys):
    progress = _cli.Progress(quiet=False)
    progress.first_tick = 0.05
    with progress.ticking("waiting"):
        time.sleep(0.3)  # ticks at 0.05, 0.1 and 0.2 s
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["  still waiting: 0 s"] * 3
    with _cli.Progress(quiet=True).ticking("waiting"):
        time.sleep(0.1)
    assert capsys.readouterr().err == ""
    # The demo and resample tick while the sampler runs.
    monkeypatch.setattr(_cli.Progress, "first_tick", 0.001)
    assert main(["demo", "--n-samples", "20000"]) == 0
    assert "  still resampling with SMOTE: " in capsys.readouterr().err
