"""The ``fast-smote`` command line (also ``python -m fast_smote``).

``fast-smote resample data.csv --target label -o out.csv`` oversamples a CSV or
Parquet file, ``fast-smote diagnose data.csv --target label`` shows where the new rows
land, ``fast-smote demo`` oversamples a generated dataset, and ``fast-smote bench``
times fast-smote against imbalanced-learn.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import json
import os
import shlex
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _registry
from ._core import __version__
from ._format import aligned_rows, format_bytes
from ._tables import Backend, Column, CommandError, csv_chunk_rows, load_backend, table_format

if TYPE_CHECKING:
    from .neighbors import ApproximateNearestNeighbors

# scikit-learn, which the samplers, the diagnostics and the validation import, takes a
# second or more to import: those modules are imported where they are used, so that
# --help, --version and every refusal before the work come at once.

#: The samplers that take non-numeric (categorical) features.
CATEGORICAL_METHODS = ("smotenc", "smoten")
#: Sampler parameters set by an option of their own rather than ``--param``.
OPTION_OF = {
    "sampling_strategy": "--sampling-strategy",
    "random_state": "--seed",
    "n_jobs": "--n-jobs",
    "k_neighbors": "--k-neighbors",
    "categorical_features": "--categorical",
}
#: The parameters that set a neighbour search (an int k, or an estimator).
NEIGHBOR_PARAMS = ("k_neighbors", "m_neighbors", "n_neighbors")
#: How to install what plots need.
PLOT_EXTRA = "pip install 'fast-smote[plot]'"
#: ``--report`` extensions that get a plot (matplotlib's formats).
REPORT_FIGURES = (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".webp")
#: Column names shown in a message before the rest are only counted.
MAX_NAMES_SHOWN = 20
#: Rows (or cells) shown in a message before the rest are only counted.
MAX_ROWS_SHOWN = 5


class Progress:
    """Stage lines on stderr (``reading ...``, then the result and its time), or none.

    Parameters
    ----------
    quiet : bool
        Print nothing.
    """

    #: Seconds before a long stage's first "still ..." line; each next one waits twice as long.
    first_tick = 10.0

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.started = 0.0

    def _print(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def start(self, what: str) -> None:
        self.started = time.perf_counter()
        self._print(f"{what} ...")

    def step(self, text: str) -> None:
        self._print(f"  {text}")

    def finish(self, result: str) -> None:
        self._print(f"  {result} in {time.perf_counter() - self.started:.2f} s")

    @contextmanager
    def ticking(self, doing: str) -> Iterator[None]:
        """While the block runs, a ``still <doing>: 10 s`` line after :attr:`first_tick`
        seconds, then at twice the time, and so on: a long run is seen to be alive, and
        a log file gets a handful of lines, not one a second."""
        done = threading.Event()

        def tick() -> None:
            started, wait = time.perf_counter(), self.first_tick
            while not done.wait(started + wait - time.perf_counter()):
                self._print(f"  still {doing}: {time.perf_counter() - started:.0f} s")
                wait *= 2

        ticker = threading.Thread(target=tick, name="fast-smote progress", daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join()


def _names(names: Sequence[str]) -> str:
    """``a, b, c`` for a message, cut after :data:`MAX_NAMES_SHOWN` names."""
    shown = ", ".join(repr(name) for name in names[:MAX_NAMES_SHOWN])
    hidden = len(names) - MAX_NAMES_SHOWN
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def _rows(rows: np.ndarray, first_line: int | None) -> str:
    """``row 3 (line 5)``, ``rows 3, 8 (lines 5, 10)``: rows counted from 0 as in the
    Python API, and for a CSV file the lines of the file (data row 0 is ``first_line``),
    cut after :data:`MAX_ROWS_SHOWN`."""
    shown = rows[:MAX_ROWS_SHOWN].tolist()
    more = ", ..." if len(rows) > MAX_ROWS_SHOWN else ""
    text = f"row{'s' if len(rows) > 1 else ''} {', '.join(map(str, shown))}{more}"
    if first_line is None:
        return text
    lines = ", ".join(str(row + first_line) for row in shown)
    return f"{text} (line{'s' if len(rows) > 1 else ''} {lines}{more})"


def _option(option: str, value: str) -> str:
    """``--option value`` as it is typed in a shell (quoted where it must be)."""
    return f"{option} {shlex.quote(value)}"


def _closest_column(name: str, names: Sequence[str], option: str) -> str:
    """What to say of a column name given to ``option`` that is not among ``names``:
    the same name in other letter case, else the most similar names (as options to
    copy), else the columns there are."""
    same = [n for n in names if n.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if close:
        return f"did you mean {' or '.join(_option(option, n) for n in close)}?"
    return f"its columns: {_names(names)}"


def check_writable(destination: Path, what: str) -> None:
    """Refuses, before any work, a file that cannot be written: its folder must exist
    and be writable, and the file itself, if it exists."""
    folder = destination.parent
    if not folder.is_dir():
        raise CommandError(
            f"cannot write {what} {str(destination)!r}: the folder {str(folder)!r} does not exist"
        )
    if not os.access(folder, os.W_OK) or (destination.exists() and not os.access(destination, os.W_OK)):
        raise CommandError(f"cannot write {what} {str(destination)!r}: permission denied")


def parse_regression_strategy(text: str) -> Any:
    """``--sampling-strategy`` of a regression sampler: a JSON list of factors, one per
    bump, or a name (``auto``, ``balance``, ``extreme``); the sampler checks them."""
    if text.lstrip().startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--sampling-strategy {text!r} is not valid JSON ({exc})") from exc
    return text


def parse_sampling_strategy(text: str, y: np.ndarray, target: str) -> Any:
    """``--sampling-strategy``: a JSON object of class -> count, a float, or a name.

    A JSON object's keys are strings; each is matched to the class whose label prints
    the same (``"1"`` to the integer label ``1``, ``"yes"`` to the string ``"yes"``).
    Names and ranges are left to the sampler to check.
    """
    if text.lstrip().startswith("{"):
        try:
            targets = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--sampling-strategy {text!r} is not valid JSON ({exc})") from exc
        label_of = {str(label): label for label in np.unique(y).tolist()}
        unknown = [key for key in targets if key not in label_of]
        if unknown:
            raise CommandError(
                f"--sampling-strategy names {_names(unknown)}, not a class of column {target!r} "
                f"(its classes: {_names(list(label_of))})"
            )
        return {label_of[key]: count for key, count in targets.items()}
    try:
        return float(text)
    except ValueError:
        return text


def _param_value(text: str) -> Any:
    """``--param`` values are JSON where they parse (``3``, ``0.5``, ``null``), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def sampler_params(args: argparse.Namespace, y: np.ndarray, categorical: list[int] | None) -> dict[str, Any]:
    """The keyword arguments of the sampler ``args.method`` names."""
    sampler = _registry.load(args.method)
    accepted = set(inspect.signature(sampler).parameters)
    own = sorted(accepted - set(OPTION_OF))
    hint = f"{sampler.__name__}'s own parameters: {', '.join(own) or 'none'} (set with --param NAME=VALUE)"
    if args.method in _registry.REGRESSION:
        strategy = parse_regression_strategy(args.sampling_strategy)
    else:
        strategy = parse_sampling_strategy(args.sampling_strategy, y, args.target)
    params = {
        "sampling_strategy": strategy,
        "random_state": args.seed,
        "n_jobs": args.n_jobs,
    }
    if args.k_neighbors is not None:
        if "k_neighbors" not in accepted:
            raise CommandError(f"--k-neighbors does not apply to --method {args.method}; {hint}")
        params["k_neighbors"] = args.k_neighbors
    for item in args.param:
        name, equals, text = item.partition("=")
        if name in OPTION_OF:
            raise CommandError(f"set {name} with {OPTION_OF[name]}, not --param")
        if not equals or name not in own:
            close = difflib.get_close_matches(name, own, n=1)
            suggestion = f"did you mean {_option('--param', f'{close[0]}={text}')}? " if close else ""
            raise CommandError(
                f"--param {item!r} is not NAME=VALUE for a parameter of the sampler; {suggestion}{hint}"
            )
        params[name] = _param_value(text)
    if categorical is not None:
        params["categorical_features"] = categorical
    approximate_searches(args, params, sampler)
    return params


def approximate_searches(args: argparse.Namespace, params: dict[str, Any], sampler: type[Any]) -> None:
    """With ``--approximate``, every neighbour search of the sampler (its own
    ``k_neighbors``, ``m_neighbors``, ``n_neighbors``, or its inner samplers') becomes an
    ``ApproximateNearestNeighbors`` searching as many neighbours as the int would."""
    from .neighbors import ApproximateNearestNeighbors, check_effort

    if not args.approximate:
        if args.effort is not None:
            raise CommandError("--effort sets the approximate search's effort: add --approximate")
        return
    if args.method == "smoten":
        raise CommandError(
            "--approximate does not apply to --method smoten: its Value Difference Metric has no "
            "approximate search"
        )
    try:
        effort = check_effort(1.0 if args.effort is None else args.effort)
    except ValueError as exc:
        raise CommandError(f"--effort: {exc}") from exc
    signature = inspect.signature(sampler).parameters

    def approximate(k: Any, name: str) -> ApproximateNearestNeighbors:
        if isinstance(k, bool) or not isinstance(k, int):
            raise CommandError(f"{name} must be an int to search approximately, got {k!r}")
        return ApproximateNearestNeighbors(n_neighbors=k + 1, effort=effort)

    searches = getattr(sampler, "_neighbor_searches", NEIGHBOR_PARAMS)
    names = [name for name in searches if name in signature]
    for name in names:
        params[name] = approximate(params.get(name, signature[name].default), name)
    if "smote" in signature:  # the combinations: their inner samplers search
        from .over_sampling import SMOTE
        from .under_sampling import EditedNearestNeighbours, TomekLinks

        shared = {"random_state": params["random_state"], "n_jobs": params["n_jobs"]}
        params["smote"] = SMOTE(
            sampling_strategy=params["sampling_strategy"], k_neighbors=approximate(5, "k_neighbors"), **shared
        )
        if "enn" in signature:
            params["enn"] = EditedNearestNeighbours(
                sampling_strategy="all", n_jobs=params["n_jobs"], n_neighbors=approximate(3, "n_neighbors")
            )
        if "tomek" in signature:
            params["tomek"] = TomekLinks(
                sampling_strategy="all", n_jobs=params["n_jobs"], n_neighbors=approximate(1, "n_neighbors")
            )
    elif not names:
        raise CommandError(
            f"--approximate does not apply to --method {args.method}: "
            f"{sampler.__name__} takes no neighbour search to make approximate"
        )


def categorical_features(spec: str | None, method: str, features: Sequence[Column]) -> list[int] | None:
    """Positions among the features of ``--categorical``'s columns (SMOTENC only).

    ``auto`` (the default) takes the non-numeric columns.
    """
    if method != "smotenc":
        if spec is not None:
            raise CommandError("--categorical applies to --method smotenc only")
        return None
    if spec is None or spec == "auto":
        return [j for j, column in enumerate(features) if not column.numeric]
    position = {column.name: j for j, column in enumerate(features)}
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in position]
    if unknown:
        raise CommandError(
            f"--categorical names {_names(unknown)}, not a feature column "
            f"(features: {_names(list(position))})"
        )
    return [position[name] for name in names]


def _not_numeric_error(
    not_numeric: Sequence[Column], method: str, backend: Backend, first_line: int | None
) -> CommandError:
    """Why feature columns that are not numeric cannot be used by ``method``, with the
    fix to copy: the cells that are not numbers in a column of numbers (a stray text cell
    makes the whole column text), else the columns to treat as categories."""
    for column in not_numeric:
        rows = backend.not_numbers(column)
        filled = len(column.values) - column.null_count
        if rows is not None and 0 < len(rows) <= filled // 2:
            cells = ", ".join(repr(column.values[row]) for row in rows[:MAX_ROWS_SHOWN])
            return CommandError(
                f"feature column {column.name!r} holds numbers, but {len(rows):,} of its cells "
                f"do not: {cells} at {_rows(rows, first_line)}; correct or empty those cells"
            )
    described = ", ".join(f"{c.name!r} ({c.dtype})" for c in not_numeric[:MAX_NAMES_SHOWN])
    columns = _option("--categorical", ",".join(c.name for c in not_numeric))
    if method == "smotenc":
        return CommandError(f"feature columns that are not numeric: {described}; add them to {columns}")
    return CommandError(
        f"--method {method} needs numeric features; not numeric: {described}. To oversample these "
        f"columns as categories, use --method smotenc {columns} (or --categorical auto)"
    )


def _missing_values_error(columns: Sequence[Column], first_line: int | None) -> CommandError | None:
    """The numeric feature columns' empty, NaN and infinite cells, by column and row."""
    from ._validation import missing_rows

    found = []
    for column in columns:
        values = column.values
        # Integer columns with empty cells arrive as floats (NaN), boolean ones as objects (None).
        rows = np.flatnonzero(~np.isfinite(values)) if values.dtype.kind == "f" else missing_rows(values)
        if len(rows):
            in_all = f", {len(rows):,} in all" if len(rows) > MAX_ROWS_SHOWN else ""
            found.append(f"{column.name!r} at {_rows(rows, first_line)}{in_all}")
    if not found:
        return None
    return CommandError(
        f"numeric feature columns with missing or infinite values: {'; '.join(found[:MAX_NAMES_SHOWN])}: "
        "impute or drop them first"
    )


def feature_matrix(
    features: Sequence[Column],
    method: str,
    categorical: list[int] | None,
    backend: Backend,
    first_line: int | None,
) -> np.ndarray:
    """X for the sampler, after checking that its columns suit it.

    Numeric samplers get float32 when every feature is float32 and float64 otherwise
    (as they would compute in anyway); SMOTENC and SMOTEN get an object array of the
    columns' values, categories as they were read. Messages name rows as the Python API
    does, and for a CSV file (``first_line`` being data row 0's line) the file's lines.
    """
    as_category = set(range(len(features))) if method == "smoten" else set(categorical or ())
    not_numeric = [c for j, c in enumerate(features) if not c.numeric and j not in as_category]
    if not_numeric:
        raise _not_numeric_error(not_numeric, method, backend, first_line)
    missing = _missing_values_error([c for j, c in enumerate(features) if j not in as_category], first_line)
    if missing is not None:
        raise missing
    if method in CATEGORICAL_METHODS:
        dtype: type = object
    else:
        dtype = np.float32 if all(c.values.dtype == np.float32 for c in features) else np.float64
    X: np.ndarray = np.empty((len(features[0].values), len(features)), dtype=dtype)
    for j, column in enumerate(features):
        X[:, j] = column.values
    return X


def restore_numeric(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A resampled numeric column in the dtype it was read with, where that loses nothing.

    Float columns always take their type back. Integer and boolean columns do when
    every value still fits (copies, votes, steps between equal values); otherwise they
    become float64, as interpolated values do in the samplers themselves.
    """
    if values.dtype == dtype:
        return values
    values = values.astype(np.float64)  # object arrays from SMOTENC/SMOTEN, or floats
    if dtype.kind == "f":
        return values.astype(dtype)
    if dtype.kind == "b":
        exact = np.isin(values, (0.0, 1.0)).all()
    else:
        info = np.iinfo(dtype)
        exact = np.all((values == np.round(values)) & (values >= info.min) & (values <= info.max))
    return values.astype(dtype) if exact else values


def output_column(column: Column, values: np.ndarray) -> tuple[str, np.ndarray, Any]:
    """``(name, values, dtype)`` to write: the input's dtype, or None (inferred) for an
    integer column that became float."""
    if not column.numeric:
        return column.name, values, column.dtype
    restored = restore_numeric(values, column.values.dtype)
    return column.name, restored, column.dtype if restored.dtype == column.values.dtype else None


def bump_count_table(target: str, sampler: Any, y_res: np.ndarray) -> str:
    """A regression sampler's rows per bump of the target before and after."""
    rows = []
    for bump in sampler.bumps_:
        after = int(np.count_nonzero((y_res >= bump.low) & (y_res <= bump.high)))
        rows.append(
            [
                f"[{bump.low:.6g}, {bump.high:.6g}]",
                "rare" if bump.rare else "common",
                f"{bump.n_samples:,}",
                f"{after:,}",
                f"{after - bump.n_samples:+,}",
            ]
        )
    n_before, n_after = sum(bump.n_samples for bump in sampler.bumps_), len(y_res)
    rows.append(["total", "", f"{n_before:,}", f"{n_after:,}", f"{n_after - n_before:+,}"])
    return "\n".join(aligned_rows([[target, "bump", "before", "after", "change"], *rows]))


def class_count_table(target: str, y: np.ndarray, y_res: np.ndarray) -> str:
    """Rows per class before and after, as a small aligned table."""
    before, after = Counter(y.tolist()), Counter(y_res.tolist())
    rows = [
        [str(label), f"{before[label]:,}", f"{after[label]:,}", f"{after[label] - before[label]:+,}"]
        for label in sorted(before.keys() | after.keys())
    ]
    rows.append(["total", f"{len(y):,}", f"{len(y_res):,}", f"{len(y_res) - len(y):+,}"])
    return "\n".join(aligned_rows([[target, "before", "after", "change"], *rows]))


@dataclass(frozen=True)
class TrainingData:
    """A file read for a sampler: its columns, the target, the columns left out of the
    resampling (``--exclude``), and X and y."""

    columns: list[Column]
    target: Column
    excluded: list[Column]
    features: list[Column]
    X: np.ndarray
    y: np.ndarray
    categorical: list[int] | None


def io_errors(backend: Backend) -> tuple[type[Exception], ...]:
    """What reading or writing a file can raise: the file system's errors and the backend's."""
    return (OSError, *backend.errors)


def read_table(path: Path, backend: Backend, progress: Progress) -> list[Column]:
    """Every column of a CSV or Parquet file."""
    fmt = table_format(path)
    if not path.is_file():
        raise CommandError(f"input file {str(path)!r} not found")
    progress.start(f"reading {path} ({format_bytes(path.stat().st_size)}) with {backend.name}")
    try:
        table = backend.read(path, fmt)
    except io_errors(backend) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc
    columns = backend.columns(table)
    progress.finish(f"{backend.n_rows(table):,} rows x {len(columns)} columns")
    return columns


def read_training_data(
    path: Path, args: argparse.Namespace, backend: Backend, progress: Progress
) -> TrainingData:
    """X and y of a file, checked for ``args.method``: the target column ``args.target``
    and the other columns as features."""
    columns = read_table(path, backend, progress)
    names = [column.name for column in columns]
    if args.target not in names:
        raise CommandError(
            f"no column {args.target!r} in {path}; {_closest_column(args.target, names, '--target')}"
        )
    target = columns[names.index(args.target)]
    if target.null_count:
        raise CommandError(f"target column {args.target!r} has {target.null_count:,} missing values")
    excluded_names = _column_list(args.exclude, "--exclude", names)
    if args.target in excluded_names:
        raise CommandError(f"--exclude names the target {args.target!r}, which the resampling needs")
    excluded = [column for column in columns if column.name in excluded_names]
    features = [column for column in columns if column is not target and column.name not in excluded_names]
    if not features:
        besides = " and the --exclude columns" if excluded else ""
        raise CommandError(f"{path} has no column besides the target {args.target!r}{besides}")
    categorical = categorical_features(args.categorical, args.method, features)
    first_line = 2 if table_format(path) == "csv" else None  # after the header line
    X = feature_matrix(features, args.method, categorical, backend, first_line)
    return TrainingData(columns, target, excluded, features, X, target.values, categorical)


def _column_list(spec: str | None, option: str, names: Sequence[str]) -> list[str]:
    """The column names of a comma-separated option, each checked against ``names``."""
    listed = [name.strip() for name in (spec or "").split(",") if name.strip()]
    for name in listed:
        if name not in names:
            closest = _closest_column(name, names, option)
            raise CommandError(f"{option} names {name!r}, not a column; {closest}")
    return listed


def source_rows(sampler: Any, n_rows: int) -> np.ndarray:
    """For each row a fitted sampler of the command line returned, the input row it is,
    or -1 for a new row: over-samplers return the ``n_rows`` input rows first, then the
    new ones, and the combinations clean that output (``sample_indices_`` of it)."""
    if getattr(sampler, "bumps_", None) is not None:  # a regression sampler: kept rows, then new ones
        new = np.full(len(sampler.provenance_), -1, dtype=np.int64)
        return np.concatenate([sampler.sample_indices_, new])
    cleaner = getattr(sampler, "tomek_", None) or getattr(sampler, "enn_", None)
    over_sampler = sampler if cleaner is None else sampler.smote_
    provenance = getattr(over_sampler, "provenance_", None)
    # Without a provenance (RandomOverSampler), sample_indices_ lists every row returned.
    if provenance is not None:
        n_new = len(provenance.base_index)
    else:
        n_new = len(over_sampler.sample_indices_) - n_rows
    rows = np.full(n_rows + n_new, -1, dtype=np.int64)
    rows[:n_rows] = np.arange(n_rows)
    return rows if cleaner is None else rows[cleaner.sample_indices_]


def carried_column(column: Column, rows: np.ndarray) -> tuple[str, np.ndarray, Any]:
    """An ``--exclude`` column for the output rows ``rows`` (input rows, -1 for a new
    row, which gets a missing value), in the type it was read with."""
    if (rows >= 0).all():
        return column.name, column.values[rows], column.dtype
    values = np.full(len(rows), None, dtype=object)
    kept = rows >= 0
    values[kept] = column.values[rows[kept]].tolist()
    return column.name, values, column.dtype


def run_sampler(args: argparse.Namespace, data: TrainingData, progress: Progress) -> tuple[Any, Any, Any]:
    """The sampler ``args`` describe, and its ``fit_resample`` of the data; its
    warnings are printed in the command's words."""
    sampler = _registry.load(args.method)(**sampler_params(args, data.y, data.categorical))
    if args.seed_drawn and not args.quiet:
        print(f"fast-smote: no --seed given: this run uses --seed {args.seed}", file=sys.stderr)
    progress.start(f"resampling with {sampler!r}")
    with progress.ticking("resampling"):
        X_res, y_res = fit_resample_reporting(sampler, data.X, data.y)
    progress.finish(f"{len(y_res):,} rows ({len(y_res) - len(data.y):+,})")
    return sampler, X_res, y_res


def fit_resample_reporting(sampler: Any, X: Any, y: Any) -> tuple[Any, Any]:
    """``sampler.fit_resample(X, y)`` with its warnings printed in the command's words
    and its documented errors (about the data or the parameters) as a ``CommandError``."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            X_res, y_res = sampler.fit_resample(X, y)
    except (ValueError, TypeError, RuntimeError) as exc:
        raise CommandError(f"{type(sampler).__name__}: {exc}") from exc
    finally:
        for warning in caught:  # not as a line of the command's source
            print(f"fast-smote: warning: {warning.message}", file=sys.stderr)
    return X_res, y_res


def report_format(path: Path) -> str:
    """How ``--report`` writes: a figure (by matplotlib), JSON or text."""
    suffix = path.suffix.lower()
    if suffix in REPORT_FIGURES:
        return "figure"
    if suffix in (".json", ".txt"):
        return suffix[1:]
    raise CommandError(
        f"--report {str(path)!r}: the extension must be one of {', '.join(REPORT_FIGURES)} (a plot), "
        ".json or .txt"
    )


def check_report_request(args: argparse.Namespace, destination: Path | None) -> None:
    """Refuses, before any work, a report that cannot be made."""
    if destination is not None:
        check_writable(destination, "the report")
    if destination is not None and report_format(destination) == "figure" and not find_spec("matplotlib"):
        raise CommandError(f"--report {str(destination)!r} is a plot, which needs matplotlib: {PLOT_EXTRA}")
    if args.method == "smoten":
        raise CommandError(
            "diagnose needs continuous features, and --method smoten resamples categorical ones "
            "only: its results are not diagnosed"
        )
    if args.method in _registry.REGRESSION:
        raise CommandError(
            f"diagnose reads class labels, and --method {args.method} resamples a continuous "
            "target: its results are not diagnosed"
        )


def write_report(
    data: TrainingData,
    X_res: Any,
    y_res: Any,
    sampler: Any,
    destination: Path | None,
    progress: Progress,
    show: bool,
) -> None:
    """Diagnose the resampling; print the report (with ``show``) and write it to ``destination``."""
    from ._diagnostics import diagnose

    progress.start("diagnosing the new rows")
    try:
        report = diagnose(data.X, data.y, X_res, y_res, sampler, warn=False)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"cannot diagnose the resampling: {exc}") from exc
    progress.finish(f"{len(report.warnings)} warning(s)")
    if show:
        print(report)
    if destination is None:
        return
    fmt = report_format(destination)
    try:
        if fmt == "figure":
            report.plot(destination)
        elif fmt == "json":
            destination.write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n")
        else:
            destination.write_text(f"{report}\n")
    except ImportError as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:
        raise CommandError(f"cannot write {destination}: {exc}") from exc
    if not progress.quiet:
        print(f"report written to {destination}", file=sys.stderr)


def resample_file(args: argparse.Namespace) -> None:
    """``fast-smote resample``: read, oversample, write, and print the class counts."""
    source, destination = Path(args.input), Path(args.output)
    table_format(source)
    destination_format = table_format(destination)
    check_writable(destination, "the output")
    report = Path(args.report) if args.report else None
    if report is not None:
        check_report_request(args, report)
    backend = load_backend()
    progress = Progress(args.quiet)
    data = read_training_data(source, args, backend, progress)
    sampler, X_res, y_res = run_sampler(args, data, progress)

    progress.start(f"writing {destination}")
    resampled = iter(np.asarray(X_res).T)
    rows = source_rows(sampler, len(data.y)) if data.excluded and not args.drop_excluded else None
    written = []
    for column in data.columns:
        if column is data.target:
            written.append(output_column(column, y_res))
        elif column not in data.excluded:
            written.append(output_column(column, next(resampled)))
        elif rows is not None:
            written.append(carried_column(column, rows))
    output = backend.build(written)
    chunked = destination_format == "csv" and len(y_res) > csv_chunk_rows(len(written))

    def report_rows(rows_written: int) -> None:
        if chunked:
            progress.step(f"{rows_written:,} of {len(y_res):,} rows ({rows_written / len(y_res):.0%})")

    try:
        backend.write(output, destination, destination_format, report_rows)
    except io_errors(backend) as exc:
        raise CommandError(f"cannot write {destination}: {exc}") from exc
    progress.finish(f"{len(y_res):,} rows x {len(written)} columns")
    if not args.quiet:
        if args.method in _registry.REGRESSION:
            print(bump_count_table(args.target, sampler, np.asarray(y_res)))
        else:
            print(class_count_table(args.target, data.y, np.asarray(y_res)))
    if report is not None:
        write_report(data, X_res, y_res, sampler, report, progress, show=not args.quiet)


def diagnose_file(args: argparse.Namespace) -> None:
    """``fast-smote diagnose``: resample a file in memory (or read a resampled one) and
    print the diagnostics."""
    source = Path(args.input)
    table_format(source)
    report = Path(args.report) if args.report else None
    check_report_request(args, report)
    backend = load_backend()
    progress = Progress(args.quiet)
    data = read_training_data(source, args, backend, progress)
    if args.resampled is None:
        sampler, X_res, y_res = run_sampler(args, data, progress)
    else:
        resampled = read_training_data(Path(args.resampled), args, backend, progress)
        feature_names = [c.name for c in data.features]
        if [c.name for c in resampled.features] != feature_names:
            raise CommandError(
                f"{args.resampled} must have the columns of {source}: features {_names(feature_names)}"
            )
        sampler, X_res, y_res = None, resampled.X, resampled.y
    write_report(data, X_res, y_res, sampler, report, progress, show=True)


def demo(n_samples: int, n_features: int, seed: int, method: str) -> None:
    """``fast-smote demo``: oversample a generated imbalanced dataset and show the result."""
    from sklearn.datasets import make_classification

    import fast_smote

    n_informative = min(n_features, 5)
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=min(2, n_features - n_informative),
        weights=[0.9, 0.1],
        flip_y=0.02,
        random_state=seed,
    )
    X = X.astype(np.float32)
    sampler = _registry.load(method)(random_state=seed)
    name = type(sampler).__name__
    print(f"fast-smote {fast_smote.__version__}: {name} demo on {n_samples} x {n_features} float32")
    print(f"class counts before: {dict(sorted(Counter(y.tolist()).items()))}")
    start = time.perf_counter()
    with Progress(quiet=False).ticking(f"resampling with {name}"):
        X_res, y_res = fit_resample_reporting(sampler, X, y)
    elapsed = time.perf_counter() - start
    print(f"class counts after:  {dict(sorted(Counter(y_res.tolist()).items()))}")
    print(
        f"generated {len(y_res) - len(y)} rows in {elapsed:.3f} s; "
        f"X_res is {X_res.shape[0]} x {X_res.shape[1]} {X_res.dtype}"
    )
    first = len(y)
    provenance = getattr(sampler, "provenance_", None)
    if provenance is not None:
        base, neighbor = provenance.base_index[0], provenance.neighbor_index[0]
        print(f"row {first} = X[{base}] + {provenance.step[0]:.3f} * (X[{neighbor}] - X[{base}])")
    else:
        print(f"row {first} is a copy of X[{sampler.sample_indices_[first]}]")
    start = time.perf_counter()
    report = fast_smote.diagnose(X, y, X_res, y_res, sampler, warn=False)
    print(f"\n{report}\n(diagnosed in {time.perf_counter() - start:.3f} s)")


def bench(argv: Sequence[str]) -> int:
    """``fast-smote bench``: the benchmark against imbalanced-learn, with its own options."""
    try:
        from . import _bench
    except ModuleNotFoundError as exc:  # imbalanced-learn, pandas: the bench extra
        raise CommandError(
            f"fast-smote bench needs {exc.name}, which is not installed: pip install 'fast-smote[bench]'"
        ) from exc
    return _bench.main(argv, prog="fast-smote bench")


def add_sampler_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose and set up the sampler."""
    parser.add_argument(
        "-m",
        "--method",
        default="smote",
        choices=_registry.SAMPLER_NAMES,
        help="the sampler (default: smote)",
    )
    parser.add_argument(
        "-s",
        "--sampling-strategy",
        default="auto",
        metavar="STRATEGY",
        help=(
            "auto, minority, 'not minority', 'not majority' or all; a float (binary data: minority "
            "as a share of the majority); or a JSON object of class to count, e.g. '{\"1\": 500}'"
        ),
    )
    parser.add_argument("-k", "--k-neighbors", type=int, help="neighbours to interpolate with (default 5)")
    parser.add_argument(
        "--categorical",
        metavar="COLUMNS",
        help="smotenc: the categorical columns, comma-separated, or auto (the non-numeric ones, the default)",
    )
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another parameter of the sampler, e.g. kind=borderline-2 (VALUE is JSON or text); repeatable",
    )
    parser.add_argument(
        "--approximate",
        action="store_true",
        help=(
            "search the nearest neighbours approximately (fast_smote.neighbors.ApproximateNearestNeighbors) "
            "in every search of the method: much faster on large classes, at the cost of sometimes "
            "missing a true neighbour; not for random (no search) or smoten (its own metric)"
        ),
    )
    parser.add_argument(
        "--effort",
        type=float,
        metavar="FLOAT",
        help=(
            "with --approximate: cells scanned per query, in (0, 100] (default 1; higher: slower, "
            "better recall)"
        ),
    )
    parser.add_argument(
        "--seed",
        type=int,
        help="random_state (default: a fresh seed every run, printed so that it can be repeated)",
    )
    parser.add_argument("-j", "--n-jobs", type=int, help="threads (default: all cores)")
    parser.add_argument(
        "--exclude",
        metavar="COLUMNS",
        help=(
            "columns to leave out of the resampling, comma-separated, such as identifiers; they are "
            "carried along into the output (input rows keep their values, new rows get a missing "
            "value) unless --drop-excluded"
        ),
    )


def build_parser() -> argparse.ArgumentParser:
    # The module docstring's second paragraph, without its reStructuredText quotes.
    description = __doc__.split("\n\n")[1].replace("``", "'")
    parser = argparse.ArgumentParser(prog="fast-smote", description=description)
    parser.add_argument("--version", action="version", version=f"fast-smote {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    resample = commands.add_parser(
        "resample",
        help="oversample a CSV or Parquet file",
        description=(
            "Oversample a CSV or Parquet file (the format from the extension) and write the result, "
            "original rows first, with the input's columns in the input's order. "
            "Needs polars or pyarrow: pip install 'fast-smote[cli]'."
        ),
    )
    resample.add_argument("input", help="the data: .csv or .parquet")
    resample.add_argument(
        "-t",
        "--target",
        required=True,
        help="the column holding the class labels (for smoter and smogn: the numeric target)",
    )
    resample.add_argument("-o", "--output", required=True, help="where to write the result: .csv or .parquet")
    add_sampler_options(resample)
    resample.add_argument(
        "--report",
        metavar="PATH",
        help=(
            "also diagnose the new rows (see fast-smote diagnose) and write the report: a plot "
            "(.png, .svg, .pdf; needs matplotlib), .json or .txt"
        ),
    )
    resample.add_argument(
        "-q", "--quiet", action="store_true", help="no progress, no summary (errors and warnings still show)"
    )
    resample.add_argument(
        "--drop-excluded",
        action="store_true",
        help="leave the --exclude columns out of the output too",
    )

    diagnose_parser = commands.add_parser(
        "diagnose",
        help="show where resampling puts the new rows: class territory, spacing, duplicates, bases",
        description=(
            "Resample a CSV or Parquet file in memory (or read a resampled one with --resampled) and "
            "print fast_smote.diagnose's report: the class counts, the share of new rows nearer to "
            "another class than to their own, their distances to the class against the originals' "
            "spacing, near duplicates and the most used base samples, with warnings in plain words. "
            "Needs polars or pyarrow: pip install 'fast-smote[cli]'."
        ),
    )
    diagnose_parser.add_argument("input", help="the data before resampling: .csv or .parquet")
    diagnose_parser.add_argument("-t", "--target", required=True, help="the column holding the class labels")
    diagnose_parser.add_argument(
        "--resampled",
        metavar="PATH",
        help="diagnose this resampled file (same columns) instead of resampling with --method",
    )
    add_sampler_options(diagnose_parser)
    diagnose_parser.add_argument(
        "--report", metavar="PATH", help="also write the report: a plot (.png, .svg, .pdf), .json or .txt"
    )
    diagnose_parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")

    demo_parser = commands.add_parser("demo", help="oversample a generated imbalanced dataset")
    demo_parser.add_argument(
        "--n-samples", type=int, default=100_000, help="rows of the generated data (default: 100000)"
    )
    demo_parser.add_argument("--n-features", type=int, default=10, help="its columns (default: 10)")
    demo_parser.add_argument(
        "--seed", type=int, default=0, help="seed of the data and the sampler (default: 0)"
    )
    demo_parser.add_argument(
        "--method",
        default="smote",
        choices=sorted({**_registry.OVER_SAMPLERS, **_registry.VARIANTS}),
        help="the sampler (default: smote)",
    )

    commands.add_parser(
        "bench",
        add_help=False,
        help="time fast-smote against imbalanced-learn (fast-smote bench --help for its options)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for a problem with the input).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments, without the program name; ``sys.argv[1:]`` by default.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        # The benchmark parses its own options: it is imported only when it runs.
        if argv[:1] == ["bench"]:
            return bench(argv[1:])
        args = build_parser().parse_args(argv)
        if args.command in ("resample", "diagnose"):
            args.seed_drawn = args.seed is None
            args.seed = fresh_seed() if args.seed is None else args.seed
        if args.command == "resample":
            resample_file(args)
        elif args.command == "diagnose":
            diagnose_file(args)
        else:
            demo(args.n_samples, args.n_features, args.seed, args.method)
    except CommandError as exc:
        print(f"fast-smote: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (such as ``head``) stopped reading: end quietly. Python would
        # report the pipe again when it flushes stdout at exit, so stdout goes nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def fresh_seed() -> int:
    """A seed from the operating system's entropy, printed so that a run can be repeated."""
    return int(np.random.SeedSequence().generate_state(1)[0])
