"""Fuzzes the public samplers of fast-smote with atheris (``make fuzz-python``).

Each input is decoded into one call: a sampler (every public one, directly or through
``fast_smote.resample(method=...)``), X (any dtype, shape and container, with NaN,
infinities, huge and subnormal values), y (any label type, sometimes the wrong length
or a single class) and the parameters in every form, valid or not.

What counts as correct behaviour: a ``ValueError`` or ``TypeError`` with a message
(not one that is also a ``LookupError``, ``AttributeError`` or ``ArithmeticError``, such
as NumPy's ``AxisError``), a ``MemoryBudgetError`` for an impossible request, warnings,
or a result that keeps the contract: as many labels as rows; for an over-sampler the
original rows and labels first and unchanged, each class grown by what
``sampling_strategy_`` asks (unless a warning says otherwise), and finite output for
finite X; for a cleaning sampler ``X[sample_indices_]``; the caller's X and y never
modified. Anything else is a finding, as are crashes, hangs (``-timeout``) and running
out of memory (``-rss_limit_mb``): impossible requests must be refused before
allocating.

By default the first finding stops the run (libFuzzer writes the input as
``crash-*``). With ``FUZZ_FINDINGS=DIR``, each distinct finding (by exception type and
where it was raised) is written to ``DIR/findings.jsonl`` with a snippet reproducing
it and its input as ``DIR/input-<id>``, and the run goes on; errors that are accepted
but were raised outside fast-smote (numpy, scikit-learn: an unvalidated path) and
warnings go to ``DIR/notes.jsonl``. ``FUZZ_DESCRIBE=1`` prints each input's snippet
(run the harness on one input file to see it). ``FUZZ_AVOID`` (comma-separated) stops
drawing values known to hang, to get past those findings: ``hang-n-jobs`` (huge
``n_jobs``), ``hang-duplicates`` (a million new rows, which the cleaning samplers
search too slowly when they are duplicates).

    python fuzz/python/fuzz_entry_points.py fuzz/python/corpus -max_total_time=60 \\
        -rss_limit_mb=4096 -timeout=10
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sys
import traceback
import warnings
from typing import Any, Callable

import atheris
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
from sklearn.svm import SVC

with atheris.instrument_imports(include=["fast_smote"]):
    import fast_smote
    from fast_smote._resample import SAMPLERS
    from fast_smote.base import BaseCleaningSampler, BaseOverSampler

FINDINGS_DIR = os.environ.get("FUZZ_FINDINGS")
DESCRIBE = os.environ.get("FUZZ_DESCRIBE") == "1"
AVOID = set(filter(None, os.environ.get("FUZZ_AVOID", "").split(",")))
PACKAGE_DIR = os.path.dirname(os.path.abspath(fast_smote.__file__))

# The RuntimeErrors the docstrings document, as imbalanced-learn raises them: noted
# (in notes.jsonl), not findings.
INTENDED_RUNTIME_ERRORS = (
    "no neighbour of any sample of class",  # ADASYN
    "no cluster has enough samples of class",  # KMeansSMOTE
)


class Finding(AssertionError):
    """A broken contract on a successful call; ``kind`` names the contract."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


class Src:
    """A value and the Python expression that rebuilds it, for reproduction snippets."""

    def __init__(self, value: Any, expr: str) -> None:
        self.value = value
        self.expr = expr


class Returns:
    """A ``sampling_strategy`` callable returning a fixed (possibly junk) value."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, y: Any) -> Any:
        return copy.copy(self.value)

    def __repr__(self) -> str:
        return f"lambda y: {self.value!r}"


# Decoding ------------------------------------------------------------------------------


def pick(fdp: atheris.FuzzedDataProvider, options: list[Any]) -> Any:
    return options[fdp.ConsumeIntInRange(0, len(options) - 1)]


def mostly(fdp: atheris.FuzzedDataProvider, valid: list[Any], invalid: list[Any]) -> Any:
    """One of ``valid`` (about 80% of the time) or of ``invalid``."""
    if not invalid or fdp.ConsumeIntInRange(0, 9) < 8:
        return pick(fdp, valid)
    return pick(fdp, invalid)


def src(value: Any) -> Src:
    return value if isinstance(value, Src) else Src(value, repr(value))


FLOAT_PALETTE = [
    0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 1e-308, 5e-324, -5e-324, 1e-45, 1.4e-45,
    1e308, -1e308, 1.7976931348623157e308, 3.4e38, -3.4e38, 65504.0, 2.0**53, 1e-10,
    float("nan"), float("inf"), float("-inf"),
]  # fmt: skip
X_DTYPES = ["float64", "float32", "int64", "int32", "uint8", "bool", "float16", "int8", "str", "object"]


def consume_values(fdp: atheris.FuzzedDataProvider, n: int, dtype: str) -> np.ndarray:
    """``n`` values of ``dtype``, drawn by one of several recipes."""
    mode = fdp.ConsumeIntInRange(0, 5)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dtype in ("str", "object"):
            codes = np.asarray(fdp.ConsumeIntListInRange(n, 0, 3), dtype=np.int64)
            words = np.array(["a", "b", "", "long category"], dtype=object)
            values = words[codes] if dtype == "object" else words[codes].astype(str)
            if dtype == "object" and mode == 0 and n:
                values[0] = pick(fdp, [None, np.nan, 1, 2.5])
            return values
        if mode == 0:  # raw bytes reinterpreted
            itemsize = np.dtype(dtype).itemsize
            raw = fdp.ConsumeBytes(n * itemsize).ljust(n * itemsize, b"\0")
            if dtype == "bool":
                return (np.frombuffer(raw, dtype=np.uint8) & 1).astype(bool)
            return np.frombuffer(raw, dtype=dtype).copy()
        if mode == 1:  # small integers: many duplicates
            return np.asarray(fdp.ConsumeIntListInRange(n, -3, 3)).astype(dtype)
        if mode == 2:  # the palette: extremes, subnormals, non-finite
            idx = np.asarray(fdp.ConsumeIntListInRange(n, 0, len(FLOAT_PALETTE) - 1), dtype=np.int64)
            return np.asarray(FLOAT_PALETTE)[idx].astype(dtype)
        if mode == 3:  # Gaussian at some scale
            seed = fdp.ConsumeIntInRange(0, 2**32 - 1)
            scale = pick(fdp, [1.0, 1e-300, 1e300, 1e-40, 1e30, 1e-5])
            return (np.random.default_rng(seed).normal(size=n) * scale).astype(dtype)
        if mode == 4:  # one constant value
            return np.full(n, pick(fdp, FLOAT_PALETTE[:10])).astype(dtype)
        return np.asarray(fdp.ConsumeFloatList(n)).astype(dtype)  # any doubles


def consume_X(fdp: atheris.FuzzedDataProvider) -> tuple[Src, int, int]:
    band = fdp.ConsumeIntInRange(0, 9)
    n_rows = fdp.ConsumeIntInRange(*([(0, 6), (6, 40), (6, 40), (6, 40), (40, 200)][band // 2]))
    n_cols = fdp.ConsumeIntInRange(*((1, 3) if band % 2 else (0, 20)))
    dtype = mostly(fdp, ["float64", "float32", "int64", "float64"], X_DTYPES[3:])
    X = consume_values(fdp, n_rows * n_cols, dtype).reshape(n_rows, n_cols)
    base = f"np.array({X.tolist()!r}, dtype={dtype!r}).reshape({n_rows}, {n_cols})"
    layout = mostly(
        fdp, ["c", "c", "c", "frame", "list", "fortran"], ["1d", "3d", "0d", "strided", "readonly"]
    )
    if layout == "frame":
        names = pick(fdp, ["str", "int"])
        columns = [f"f{j}" for j in range(n_cols)] if names == "str" else list(range(n_cols))
        frame = pd.DataFrame(X, columns=columns)
        expr = f"pd.DataFrame({base}, columns={columns!r})"
        if n_cols and fdp.ConsumeBool():  # a column of another dtype
            cast = pick(fdp, ["float32", "Int64", "category", "int8", "Float64", "object"])
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    frame[columns[0]] = frame[columns[0]].astype(cast)
                    expr = f"({expr}).astype({{{columns[0]!r}: {cast!r}}})"
                except (TypeError, ValueError, OverflowError, NotImplementedError):
                    pass
        return Src(frame, expr), n_rows, n_cols
    if layout == "list":
        return Src(X.tolist(), f"{X.tolist()!r}"), n_rows, n_cols
    if layout == "fortran":
        return Src(np.asfortranarray(X), f"np.asfortranarray({base})"), n_rows, n_cols
    if layout == "1d":
        flat = X.ravel()
        return Src(flat, f"{base}.ravel()"), n_rows * n_cols, 1
    if layout == "3d":
        return Src(X.reshape(n_rows, n_cols, 1), f"{base}.reshape({n_rows}, {n_cols}, 1)"), n_rows, n_cols
    if layout == "0d":
        scalar = X.ravel()[0] if X.size else np.float64(0.0)
        return Src(np.asarray(scalar), f"np.asarray({scalar!r})"), 0, 0
    if layout == "strided":
        return Src(X[::-1], f"{base}[::-1]"), n_rows, n_cols
    if layout == "readonly":
        X.setflags(write=False)
        return Src(X, f"{base}  # X.setflags(write=False)"), n_rows, n_cols
    return Src(X, base), n_rows, n_cols


LABEL_SETS: list[tuple[str, list[Any]]] = [
    ("int64", [0, 1, 2, 3, 4]),
    ("int64", [-5, 7, 100, 2**62, -(2**63)]),
    ("uint8", [0, 1, 2, 3, 255]),
    ("int8", [-128, 0, 1, 2, 127]),
    ("bool", [False, True]),
    ("str", ["a", "b", "c", "d", "e"]),
    ("str", ["", "minority", "ä", "0", "1"]),
    ("float64", [0.0, 1.0, 2.0, 3.0, 4.0]),
    ("float64", [0.5, 1.5, -2.25, 1e300, 5e-324]),
    ("float64", [0.0, 1.0, float("nan"), 2.0, 3.0]),
    ("object", [1, "a", None, 2.5, (1, 2)]),
    ("object", [0, 1, 2, 3, 4]),
    ("object", ["x", "y", "z", "w", "v"]),
]


def consume_y(fdp: atheris.FuzzedDataProvider, n_rows: int) -> Src:
    n = n_rows if fdp.ConsumeIntInRange(0, 9) else fdp.ConsumeIntInRange(0, n_rows + 2)
    kind, labels = mostly(fdp, LABEL_SETS[:8] + LABEL_SETS[11:], LABEL_SETS[8:11])
    n_classes = fdp.ConsumeIntInRange(1 if fdp.ConsumeIntInRange(0, 9) == 0 else 2, len(labels))
    if fdp.ConsumeBool():  # the majority first, then the smaller classes
        small = fdp.ConsumeIntInRange(1, max(1, n // max(n_classes, 1)))
        codes = [0] * max(n - small * (n_classes - 1), 0) + [
            c for c in range(1, n_classes) for _ in range(small)
        ]
        codes = (codes + [0] * n)[:n]
    else:
        codes = fdp.ConsumeIntListInRange(n, 0, n_classes - 1)
    values = [labels[c] for c in codes]
    dtype = None if kind == "object" else kind
    if dtype is None:
        y = np.empty(n, dtype=object)
        for i, value in enumerate(values):  # element by element: a tuple is one label
            y[i] = value
    else:
        y = np.asarray(values, dtype=dtype)
    expr = f"np.array({values!r}, dtype={kind!r})"
    container = mostly(fdp, ["array", "array", "list", "series"], ["column", "categorical", "onehot"])
    if container == "list":
        return Src(list(values), repr(values))
    if container == "series":
        return Src(pd.Series(y, name="target"), f"pd.Series({expr}, name='target')")
    if container == "column":
        return Src(y.reshape(-1, 1), f"{expr}.reshape(-1, 1)")
    if container == "categorical":
        try:
            return Src(pd.Categorical(y), f"pd.Categorical({expr})")
        except TypeError:
            return Src(y, expr)
    if container == "onehot":
        onehot = (
            np.eye(n_classes, dtype=np.int64)[np.asarray(codes, dtype=np.int64)] if n else np.zeros((0, 2))
        )
        return Src(onehot, f"np.eye({n_classes}, dtype=int)[{codes!r}]")
    return Src(y, expr)


HUGE = [10**12, 10**18, 2**63, 2**64, 10**30]
# A million new rows: possible, but more than the cleaning samplers search in time when
# the rows are duplicates.
BIG = [] if "hang-duplicates" in AVOID else [10**6]


def labels_array(y: Any) -> np.ndarray:
    """y as an array (a list element by element: a tuple is one label)."""
    if isinstance(y, list):
        labels = np.empty(len(y), dtype=object)
        for i, label in enumerate(y):
            labels[i] = label
        return labels
    return np.asarray(y)


def classes_of(y: Any) -> list[Any]:
    labels = labels_array(y).ravel()
    try:
        return list(np.unique(labels))
    except TypeError:
        return list(dict.fromkeys(labels.tolist()))


def count_of(y: Any, label: Any) -> int:
    labels = labels_array(y).ravel()
    if labels.dtype == object:
        label = plain(label)
        return sum(1 for value in labels.tolist() if type(value) is type(label) and value == label)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return int(np.count_nonzero(labels == label))
        except (TypeError, ValueError):
            return 0


def plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def consume_targets(fdp: atheris.FuzzedDataProvider, y: Any) -> dict[Any, Any]:
    classes = classes_of(y)
    targets: dict[Any, Any] = {}
    for _ in range(fdp.ConsumeIntInRange(0, 3)):
        if classes and fdp.ConsumeIntInRange(0, 9):
            key = pick(fdp, classes)
            key = key.item() if isinstance(key, np.generic) and fdp.ConsumeBool() else key
        else:
            key = pick(fdp, ["unknown", 99, -1, 0.5, None, True])
        current = count_of(y, key)
        delta = mostly(fdp, [0, 1, 2, 5, 20, 100], [-1, -current - 1, *BIG, *HUGE])
        target = current + delta
        form = mostly(fdp, ["int", "int", "np"], ["float", "bool", "none", "str"])
        targets[key] = {
            "int": target,
            "np": np.int64(target) if -(2**63) <= target < 2**63 else target,
            "float": float(target),
            "bool": True,
            "none": None,
            "str": str(target),
        }[form]
    return targets


def consume_strategy(fdp: atheris.FuzzedDataProvider, y: Any) -> Src | None:
    mode = fdp.ConsumeIntInRange(0, 7)
    if mode == 0:
        return None  # the default
    if mode == 1:
        names = ["auto", "minority", "not minority", "not majority", "all"]
        return src(mostly(fdp, names, ["majority", "AUTO", "", "bogus"]))
    if mode == 2:
        return src(
            mostly(fdp, [0.5, 1.0, 0.75, 0.999999], [0.0, -0.5, 1.5, float("nan"), float("inf"), 1e-300, 2])
        )
    if mode in (3, 4):
        return src(consume_targets(fdp, y))
    if mode == 5:
        classes = classes_of(y)
        chosen = [pick(fdp, classes) for _ in range(fdp.ConsumeIntInRange(0, 3))] if classes else []
        as_tuple = fdp.ConsumeBool()
        return src(tuple(chosen) if as_tuple else chosen)
    if mode == 6:
        value = mostly(fdp, [consume_targets(fdp, y)], [None, [], "auto", 0.5, {"a": [1]}])
        return Src(Returns(value), repr(Returns(value)))
    return src(pick(fdp, [None, True, np.array([0, 1]), {1, 2}, 5, np.float32(0.7), object()]))


def consume_neighbors(fdp: atheris.FuzzedDataProvider) -> Src:
    valid = [1, 2, 3, 5, np.int64(3), "nn"]
    invalid = [0, -1, 10, 50, 199, 10**6, *HUGE[:4], 5.0, float("nan"), "5", None, True, "other"]
    choice = mostly(fdp, valid, invalid)
    if choice == "nn":
        k = pick(fdp, [0, 1, 2, 3, 6, 50])
        metric = pick(fdp, ["minkowski", "manhattan", "cosine"])
        return Src(
            NearestNeighbors(n_neighbors=k, metric=metric),
            f"NearestNeighbors(n_neighbors={k}, metric={metric!r})",
        )
    if choice == "other":
        return pick(
            fdp,
            [
                Src(KNeighborsClassifier(n_neighbors=3), "KNeighborsClassifier(n_neighbors=3)"),
                Src(object(), "object()"),
            ],
        )
    return src(choice)


def consume_n_jobs(fdp: atheris.FuzzedDataProvider) -> Src:
    huge = [] if "hang-n-jobs" in AVOID else [10**6, 2**63]
    return src(mostly(fdp, [None, -1, 1, 2], [0, 3, -2, -3, -100, *huge, 2**64, 1.0, "2", True, np.int64(2)]))


def consume_random_state(fdp: atheris.FuzzedDataProvider) -> Src:
    choice = mostly(
        fdp,
        [None, 0, 1, 42, 2**32 - 1, "rs", "gen"],
        [-1, 2**32, 2**64 + 1, -(2**70), 1.5, "0", True, np.uint64(2**63)],
    )
    if choice in ("rs", "gen"):
        seed = fdp.ConsumeIntInRange(0, 1000)
        if choice == "rs":
            return Src(np.random.RandomState(seed), f"np.random.RandomState({seed})")
        return Src(np.random.default_rng(seed), f"np.random.default_rng({seed})")
    return src(choice)


SAMPLER_NAMES = [
    "SMOTE", "BorderlineSMOTE", "SVMSMOTE", "ADASYN", "KMeansSMOTE", "RandomOverSampler",
    "SMOTENC", "SMOTEN", "SMOTETomek", "SMOTEENN", "TomekLinks", "EditedNearestNeighbours",
]  # fmt: skip


def consume_specific(fdp: atheris.FuzzedDataProvider, name: str, n_cols: int) -> dict[str, Src]:
    """The parameters of sampler ``name`` besides the shared ones, each maybe left out."""
    params: dict[str, Src] = {}

    def maybe(key: str, make: Callable[[], Src]) -> None:
        if fdp.ConsumeBool():
            params[key] = make()

    if name in ("SMOTE", "BorderlineSMOTE", "SVMSMOTE", "KMeansSMOTE", "SMOTENC", "SMOTEN"):
        maybe("k_neighbors", lambda: consume_neighbors(fdp))
    if name in ("BorderlineSMOTE", "SVMSMOTE"):
        maybe("m_neighbors", lambda: consume_neighbors(fdp))
    if name in ("ADASYN", "EditedNearestNeighbours"):
        maybe("n_neighbors", lambda: consume_neighbors(fdp))
    if name == "BorderlineSMOTE":
        maybe("kind", lambda: src(mostly(fdp, ["borderline-1", "borderline-2"], ["borderline-3", None])))
    if name == "SVMSMOTE":
        maybe(
            "out_step",
            lambda: src(mostly(fdp, [0.5, 0.0, 1.0], [-1.0, 2.0, float("nan"), float("inf"), 1e308, "0.5"])),
        )
        maybe(
            "svm_estimator",
            lambda: pick(
                fdp,
                [
                    Src(None, "None"),
                    Src(SVC(kernel="linear"), "SVC(kernel='linear')"),
                    Src(object(), "object()"),
                    Src("svc", "'svc'"),
                ],
            ),
        )
    if name == "KMeansSMOTE":

        def kmeans() -> Src:
            k = pick(fdp, [1, 2, 3, 8, 0, -1, 1000])
            n_clusters = max(k, 1)
            kmeans = KMeans(n_clusters=n_clusters, n_init=1, random_state=0)
            minibatch = MiniBatchKMeans(n_clusters=2, n_init=1, random_state=0)
            valid = [
                src(k),
                Src(kmeans, f"KMeans(n_clusters={n_clusters}, n_init=1, random_state=0)"),
                Src(minibatch, "MiniBatchKMeans(n_clusters=2, n_init=1, random_state=0)"),
            ]
            return mostly(fdp, valid, [src("x"), src(2.5), Src(object(), "object()")])

        maybe("kmeans_estimator", kmeans)
        maybe(
            "cluster_balance_threshold",
            lambda: src(
                mostly(fdp, ["auto", 0.0, 0.1, 0.5], [1.0, -1.0, 2.0, float("nan"), float("inf"), "x"])
            ),
        )
        maybe(
            "density_exponent",
            lambda: src(mostly(fdp, ["auto", 0.0, 1.0, 2.0], [-1.0, float("nan"), float("inf"), 1e300, "x"])),
        )
    if name == "RandomOverSampler":
        maybe(
            "shrinkage",
            lambda: src(
                mostly(
                    fdp,
                    [None, 0.0, 1.0, 0.5],
                    [-1.0, float("nan"), float("inf"), 1e308, "x", [1.0], {0: 1.0, 1: 2.0}],
                )
            ),
        )
    if name == "SMOTENC":
        # Required: always given.
        def categorical() -> Src:
            some = sorted(
                {fdp.ConsumeIntInRange(0, max(n_cols - 1, 0)) for _ in range(fdp.ConsumeIntInRange(1, 3))}
            )
            mask = [fdp.ConsumeBool() for _ in range(n_cols)]
            return src(
                mostly(
                    fdp,
                    [some, some, mask],
                    [
                        [],
                        [-1],
                        [n_cols],
                        [n_cols + 5],
                        [*mask, True],
                        "auto",
                        "all",
                        None,
                        1.5,
                        ["f0"],
                        [0, 0],
                    ],
                )
            )

        params["categorical_features"] = categorical()
    if name in ("SMOTENC", "SMOTEN"):
        maybe(
            "categorical_encoder",
            lambda: pick(
                fdp,
                [
                    Src(None, "None"),
                    Src(OneHotEncoder(), "OneHotEncoder()"),
                    Src(OrdinalEncoder(), "OrdinalEncoder()"),
                    Src(object(), "object()"),
                ],
            ),
        )
    if name == "EditedNearestNeighbours":
        maybe("kind_sel", lambda: src(mostly(fdp, ["all", "mode"], ["bogus", None])))
    if name in ("SMOTETomek", "SMOTEENN"):
        over = [
            Src(None, "None"),
            Src(
                fast_smote.SMOTE(k_neighbors=2, random_state=0),
                "fast_smote.SMOTE(k_neighbors=2, random_state=0)",
            ),
            Src(fast_smote.ADASYN(random_state=0), "fast_smote.ADASYN(random_state=0)"),
            Src(fast_smote.RandomOverSampler(random_state=0), "fast_smote.RandomOverSampler(random_state=0)"),
            Src(fast_smote.SMOTENC([0], random_state=0), "fast_smote.SMOTENC([0], random_state=0)"),
        ]
        maybe(
            "smote",
            lambda: mostly(
                fdp, over, [Src("x", "'x'"), Src(fast_smote.TomekLinks(), "fast_smote.TomekLinks()")]
            ),
        )
        cleaner = "tomek" if name == "SMOTETomek" else "enn"
        clean = [
            Src(None, "None"),
            Src(fast_smote.TomekLinks(), "fast_smote.TomekLinks()"),
            Src(
                fast_smote.EditedNearestNeighbours(n_neighbors=2),
                "fast_smote.EditedNearestNeighbours(n_neighbors=2)",
            ),
        ]
        maybe(cleaner, lambda: mostly(fdp, clean, [Src(fast_smote.SMOTE(), "fast_smote.SMOTE()")]))
    return params


class Case:
    """One decoded call."""

    def __init__(self, fdp: atheris.FuzzedDataProvider) -> None:
        self.via_resample = fdp.ConsumeIntInRange(0, 4) == 0
        if self.via_resample:
            self.method = mostly(fdp, list(SAMPLERS), ["bogus", "SMOTE", ""])
            self.name = SAMPLERS[self.method].__name__ if self.method in SAMPLERS else "SMOTE"
        else:
            self.name = pick(fdp, SAMPLER_NAMES)
        X, n_rows, n_cols = consume_X(fdp)
        self.X = X
        self.y = consume_y(fdp, n_rows)
        self.params: dict[str, Src] = {}
        strategy = consume_strategy(fdp, self.y.value)
        if strategy is not None:
            self.params["sampling_strategy"] = strategy
        if fdp.ConsumeBool():
            self.params["n_jobs"] = consume_n_jobs(fdp)
        if self.name not in ("TomekLinks", "EditedNearestNeighbours") and fdp.ConsumeIntInRange(0, 3):
            self.params["random_state"] = consume_random_state(fdp)
        self.params.update(consume_specific(fdp, self.name, n_cols))
        self.check_determinism = fdp.ConsumeIntInRange(0, 7) == 0

    def kwargs(self) -> dict[str, Any]:
        return {key: value.value for key, value in self.params.items()}

    def call(self, kwargs: dict[str, Any] | None = None) -> tuple[Any, Any, Any]:
        """``(sampler, X_res, y_res)``; the sampler is None through ``resample``."""
        kwargs = self.kwargs() if kwargs is None else kwargs
        if self.via_resample:
            X_res, y_res = fast_smote.resample(self.X.value, self.y.value, method=self.method, **kwargs)
            return None, X_res, y_res
        sampler = getattr(fast_smote, self.name)(**kwargs)
        X_res, y_res = sampler.fit_resample(self.X.value, self.y.value)
        return sampler, X_res, y_res

    def snippet(self) -> str:
        args = ", ".join(f"{key}={value.expr}" for key, value in self.params.items())
        if self.via_resample:
            call = f"fast_smote.resample(X, y, method={self.method!r}{', ' if args else ''}{args})"
        else:
            call = f"fast_smote.{self.name}({args}).fit_resample(X, y)"
        return f"nan, inf = float('nan'), float('inf')\nX = {self.X.expr}\ny = {self.y.expr}\n{call}"


# Checking ------------------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Whether the caller's object ``a`` is unchanged from its copy ``b``."""
    if isinstance(a, pd.DataFrame):
        return a.equals(b) and list(a.dtypes) == list(b.dtypes)
    if isinstance(a, (pd.Series, pd.Categorical)):
        same_dtype = str(a.dtype) == str(b.dtype) and getattr(a, "name", None) == getattr(b, "name", None)
        return same_dtype and same(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype == object:
            return all(map(same_object, a.ravel().tolist(), b.ravel().tolist()))
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return same_object(a, b)


def same_object(a: Any, b: Any, strict: bool = True) -> bool:
    """Equal (and, if ``strict``, of the same type), or both missing (NaN, None, pandas.NA)."""
    if a is b:
        return True
    try:
        if (type(a) is type(b) or not strict) and bool(a == b):
            return True
    except TypeError:  # pandas.NA == x is NA, which has no truth value
        pass
    return bool(pd.isna(a) is True and pd.isna(b) is True)


def as_float(values: Any) -> np.ndarray | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(
                pd.DataFrame(values).to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64
            )
    except (TypeError, ValueError):
        return None


def same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """Element-wise equality of two 2-D arrays, NaN equal to NaN."""
    fa, fb = as_float(a), as_float(b)
    if fa is not None and fb is not None:
        return fa.shape == fb.shape and bool(np.array_equal(fa, fb, equal_nan=True))
    oa, ob = np.asarray(pd.DataFrame(a), dtype=object), np.asarray(pd.DataFrame(b), dtype=object)
    if oa.shape != ob.shape:
        return False
    return all(same_object(x, z, strict=False) for x, z in zip(oa.ravel().tolist(), ob.ravel().tolist()))


def check_result(
    case: Case, sampler: Any, X_res: Any, y_res: Any, caught: list[warnings.WarningMessage]
) -> None:
    X, y = case.X.value, case.y.value
    Xr, yr = np.asarray(X_res), np.asarray(y_res)
    if isinstance(X_res, list):  # element by element, as X2 below
        Xr = np.asarray(pd.DataFrame(X_res)) if X_res else Xr.reshape(0, np.shape(X)[1])
    X2 = np.asarray(pd.DataFrame(X)) if np.asarray(X, dtype=object).ndim == 2 else None
    y_shape = np.shape(y)
    # A list of mixed labels comes back as NumPy reads it (1 and 'a' as '1' and 'a'),
    # as in imbalanced-learn.
    try:
        y_values = np.asarray(y)
    except ValueError:
        y_values = labels_array(y)
    y1 = y_values.ravel() if len(y_shape) == 1 or y_shape[1:] == (1,) else None
    if Xr.ndim != 2 or yr.ndim not in (1, 2) or len(Xr) != len(yr):
        raise Finding("X_res and y_res have different lengths", f"{Xr.shape} and {yr.shape}")
    if X2 is None or not (y1 is not None or len(y_shape) == 2):
        raise Finding("accepted X or y of a wrong shape", f"X {np.shape(X)}, y {y_shape}")
    n = len(X2)
    cls = type(sampler) if sampler is not None else SAMPLERS.get(case.method, object)
    finite_X = as_float(X2)
    finite_X = finite_X is not None and bool(np.isfinite(finite_X).all())
    if issubclass(cls, BaseOverSampler):
        if len(Xr) < n or not same_values(Xr[:n], X2):
            raise Finding("the first n rows of X_res are not X", f"n={n}")
        if y1 is not None and yr.ndim == 1 and not np.array_equal(yr[:n].astype(object), y1.astype(object)):
            raise Finding("the first n labels of y_res are not y", f"n={n}")
        recounted = any("instead of the" in str(w.message) for w in caught)
        if sampler is not None and y1 is not None and yr.ndim == 1 and not recounted:
            for label, n_new in sampler.sampling_strategy_.items():
                got = count_of(yr, label) - count_of(y1, label)
                if got != n_new:
                    raise Finding(
                        "a class got another number of new samples than sampling_strategy_",
                        f"class {label!r}: {got}, not {n_new}",
                    )
            expected = n + sum(sampler.sampling_strategy_.values())
            if len(yr) != expected:
                raise Finding("the row count is not n + the counts asked", f"{len(yr)}, not {expected}")
        if finite_X:
            for j in range(Xr.shape[1]):
                column = as_float(Xr[:, j])
                if column is not None and not np.isfinite(column).all():
                    raise Finding("X is finite but X_res has NaN or inf", f"column {j}")
    elif issubclass(cls, BaseCleaningSampler):
        keep = sampler.sample_indices_
        labels_kept = y1 is None or np.array_equal(yr.astype(object), y1[keep].astype(object))
        if len(Xr) > n or not same_values(Xr, X2[keep]) or not labels_kept:
            raise Finding("X_res, y_res are not X[sample_indices_], y[sample_indices_]")
    else:  # over-sampling then cleaning
        if finite_X:
            column_values = as_float(Xr)
            if column_values is not None and not np.isfinite(column_values).all():
                raise Finding("X is finite but X_res has NaN or inf")
    if y1 is not None and yr.ndim == 1 and not set(classes_of(yr)) <= set(classes_of(y1)):
        raise Finding("y_res has labels that are not in y")


def check_deterministic(case: Case, X_res: Any, y_res: Any) -> None:
    """The same int seed gives the same result with n_jobs=1 and with n_jobs=2."""
    kwargs = case.kwargs()
    seed = kwargs.get("random_state")
    if not (isinstance(seed, int) and 0 <= seed < 2**32) or "n_jobs" not in kwargs:
        return
    if case.name in ("SMOTETomek", "SMOTEENN") and kwargs.get("smote") is not None:
        return
    for n_jobs in (1, 2):
        try:
            _, X_again, y_again = case.call({**kwargs, "n_jobs": n_jobs})
        except (ValueError, TypeError):
            return
        if not same_values(np.asarray(X_again), np.asarray(X_res)) or not np.array_equal(
            np.asarray(y_again).astype(object), np.asarray(y_res).astype(object)
        ):
            raise Finding("n_jobs changes the result for one seed", f"{kwargs['n_jobs']!r} and {n_jobs}")


def accepted(exc: BaseException) -> bool:
    if not str(exc).strip():
        return False
    if isinstance(exc, fast_smote.MemoryBudgetError):
        return True
    if isinstance(exc, RuntimeError) and any(text in str(exc) for text in INTENDED_RUNTIME_ERRORS):
        return True
    return isinstance(exc, (ValueError, TypeError)) and not isinstance(
        exc, (LookupError, AttributeError, ArithmeticError, UnicodeError)
    )


def where_raised(exc: BaseException) -> tuple[str, str]:
    """The innermost frame, and the innermost frame inside fast_smote."""
    frames = traceback.extract_tb(exc.__traceback__)
    inner = frames[-1] if frames else None
    ours = [f for f in frames if f.filename.startswith(PACKAGE_DIR)]

    def fmt(frame: Any) -> str:
        return (
            f"{os.path.relpath(frame.filename, os.path.dirname(PACKAGE_DIR))}:{frame.lineno}"
            if frame
            else "?"
        )

    return fmt(inner), fmt(ours[-1] if ours else None)


SEEN: set[str] = set()


def record(kind: str, signature: str, case: Case, data: bytes, detail: str) -> None:
    """Writes a distinct finding or note once, with the snippet and the input."""
    key = hashlib.sha1(signature.encode()).hexdigest()[:12]
    if key in SEEN or not FINDINGS_DIR:
        return
    SEEN.add(key)
    os.makedirs(FINDINGS_DIR, exist_ok=True)
    with open(os.path.join(FINDINGS_DIR, f"input-{key}"), "wb") as f:
        f.write(data)
    line = {"id": key, "signature": signature, "snippet": case.snippet(), "detail": detail[-3000:]}
    with open(os.path.join(FINDINGS_DIR, f"{kind}.jsonl"), "a") as f:
        f.write(json.dumps(line) + "\n")
    if kind == "findings":
        print(f"\n== new finding {key}: {signature}", file=sys.stderr, flush=True)


def load_seen() -> None:
    for kind in ("findings", "notes"):
        path = os.path.join(FINDINGS_DIR or "", f"{kind}.jsonl")
        if FINDINGS_DIR and os.path.exists(path):
            with open(path) as f:
                SEEN.update(json.loads(line)["id"] for line in f if line.strip())


def TestOneInput(data: bytes) -> None:
    case = Case(atheris.FuzzedDataProvider(data))
    if DESCRIBE:
        print(case.snippet(), file=sys.stderr, flush=True)
    X_copy, y_copy = copy.deepcopy(case.X.value), copy.deepcopy(case.y.value)
    problem: BaseException | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            sampler, X_res, y_res = case.call()
            check_result(case, sampler, X_res, y_res, caught)
            if case.check_determinism:
                check_deterministic(case, X_res, y_res)
        except Finding as exc:
            problem = exc
        except Exception as exc:  # classifying every exception is the point
            if accepted(exc):
                inner, ours = where_raised(exc)
                if not inner.startswith("fast_smote/") or isinstance(exc, RuntimeError):
                    record(
                        "notes",
                        f"{type(exc).__name__} from {inner} via {ours}",
                        case,
                        data,
                        "".join(traceback.format_exception(exc)),
                    )
            else:
                problem = exc
    for w in caught:
        if issubclass(w.category, RuntimeWarning) or not str(w.message).strip():
            where = f"{os.path.basename(w.filename)}:{w.lineno}"
            record(
                "notes",
                f"{w.category.__name__} at {where}: {str(w.message)[:80]}",
                case,
                data,
                str(w.message),
            )
    if problem is None and not (same(case.X.value, X_copy) and same(case.y.value, y_copy)):
        problem = Finding("the caller's X or y was modified in place")
    if problem is None:
        return
    inner, ours = where_raised(problem)
    detail = "".join(traceback.format_exception(problem))
    if FINDINGS_DIR:
        signature = f"{type(problem).__name__} at {inner} via {ours}"
        if isinstance(problem, Finding):
            signature = f"Finding: {problem.kind} ({case.name})"
        record("findings", signature, case, data, detail)
        return
    print(case.snippet(), file=sys.stderr, flush=True)
    raise problem


def seed_corpus(argv: list[str]) -> None:
    """Fills an empty corpus directory (the first non-option argument) with a few
    pseudo-random inputs: long inputs decode into varied calls at once, where libFuzzer
    alone would start from one-byte inputs."""
    dirs = [arg for arg in argv[1:] if not arg.startswith("-")]
    if not dirs or os.path.isfile(dirs[0]) or (os.path.isdir(dirs[0]) and os.listdir(dirs[0])):
        return
    os.makedirs(dirs[0], exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(64):
        size = int(rng.integers(32, 2048))
        with open(os.path.join(dirs[0], f"seed-{i:02d}"), "wb") as f:
            f.write(rng.bytes(size))


def main() -> None:
    load_seen()
    seed_corpus(sys.argv)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
