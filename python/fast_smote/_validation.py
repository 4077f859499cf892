"""Input validation shared by every sampler: one path from user data to the core.

Everything a sampler receives goes through :func:`check_X_y` (arrays, labels and the
container they came in), :func:`resolve_sampling_strategy`, :func:`check_n_jobs` and
:func:`seed_from`. Nothing here modifies the caller's objects.
"""

from __future__ import annotations

import numbers
import os
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import type_of_target

from ._checks import check_lengths, check_y_shape, require_y
from ._containers import XLayout, YLayout, labels_of
from ._features import check_X

if TYPE_CHECKING:
    from ._category_codes import CategoricalFeatures

#: The strategies an over-sampler accepts by name.
OVER_SAMPLING_STRATEGIES = ("auto", "minority", "not minority", "not majority", "all")


def plain(value: Any) -> Any:
    """A NumPy scalar as a plain Python value, for messages (``1``, not ``np.int64(1)``)."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class ClassCounts:
    """The classes of y and how many samples each has: what a sampling strategy is
    resolved from. ``classes`` are the sorted labels; a class's code is its position
    among them."""

    #: The labels (a callable ``sampling_strategy`` is called with them).
    y: Any
    classes: np.ndarray
    counts: np.ndarray

    @cached_property
    def code_of(self) -> dict[Any, int]:
        """Class label -> code (its position among the sorted labels)."""
        return {label: code for code, label in enumerate(self.classes.tolist())}

    def label(self, code: int) -> Any:
        """The label of class ``code`` as a plain Python value (for messages)."""
        return plain(self.classes[code])

    def plan(self, strategy: StrategyDict) -> tuple[list[int], list[int]]:
        """Codes of the classes a resolved strategy grows, and how many samples each gets."""
        grown = [(self.code_of[label], int(n)) for label, n in strategy.items() if n > 0]
        return [code for code, _ in grown], [n for _, n in grown]


@dataclass(frozen=True)
class Dataset(ClassCounts):
    """Validated training data and what is needed to hand results back.

    ``X`` is C-contiguous float32 or float64 (the core's types); ``codes[i]`` is the
    position of ``y[i]`` in ``classes`` (sorted labels), in the narrowest integer type.
    """

    X: np.ndarray
    codes: np.ndarray
    #: How X and y came, when not as NumPy arrays (results go back the same way).
    x_container: XLayout | None = None
    y_container: YLayout | None = None
    #: The categorical columns, for samplers that take them (``X`` then holds the
    #: continuous columns only).
    categorical: CategoricalFeatures | None = None

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Columns of the caller's X (continuous and categorical)."""
        return int(self.X.shape[1]) + (self.categorical.n_features if self.categorical else 0)

    def rows_of(self, code: int) -> np.ndarray:
        """Rows of X in class ``code``, in order."""
        return np.flatnonzero(self.codes == code)

    def wrap_X(self, X_res: np.ndarray, categorical_codes: np.ndarray | None = None) -> Any:
        """``X_res`` in the container X came in (a DataFrame keeps columns and float32
        columns); with categorical features, their original values and the new rows'
        decoded from ``categorical_codes``."""
        if self.categorical is not None:
            assert categorical_codes is not None
            return self.categorical.assemble(X_res, categorical_codes, self.x_container)
        if self.x_container is None:
            return X_res
        return self.x_container.wrap(X_res)

    def take_X(self, X: Any, rows: np.ndarray) -> Any:
        """The rows ``rows`` of the caller's ``X``, in its container and dtypes."""
        if self.x_container is not None:
            return self.x_container.take(X, rows)
        return np.asarray(X)[rows]

    def resampled_y(self, codes: list[int], n_new: list[int]) -> np.ndarray:
        """y followed by ``n_new[i]`` labels of class ``codes[i]``, for each ``i``, in y's dtype."""
        y_res = np.empty(self.n_samples + sum(n_new), dtype=self.y.dtype)
        y_res[: self.n_samples] = self.y
        start = self.n_samples
        for code, count in zip(codes, n_new):
            y_res[start : start + count] = self.classes[code]
            start += count
        return y_res

    def wrap_y(self, y_res: np.ndarray) -> Any:
        """``y_res`` in the container y came in (a Series keeps its name and dtype, a
        one-column frame its column, a one-hot matrix its columns)."""
        if self.y_container is None:
            return y_res
        return self.y_container.wrap(y_res)


def flattened_column(values: np.ndarray) -> np.ndarray:
    """A column-vector y flattened to 1-D, with scikit-learn's warning; other shapes as
    they are."""
    if values.ndim == 2 and values.shape[1] == 1:
        warnings.warn(
            "y is a column vector; it was flattened to shape (n_samples,)",
            DataConversionWarning,
            stacklevel=5,
        )
        return values.ravel()
    return values


def check_y(y: Any, n_samples: int) -> tuple[np.ndarray, YLayout | None]:
    """y as a 1-D array of labels, plus its layout unless it is a 1-D NumPy array."""
    require_y(y)
    labels, container = labels_of(y)
    labels = flattened_column(labels)
    check_y_shape(labels.shape)
    check_lengths(n_samples, labels.shape[0])
    check_no_missing_labels(labels)
    return labels, container


def _is_missing(value: Any) -> bool:
    # NaN and NaT differ from themselves; pandas' NA compares to NA, not to False.
    return value is None or (value != value) is not False


_missing = np.frompyfunc(_is_missing, 1, 1)


def missing_rows(values: np.ndarray) -> np.ndarray:
    """The positions in 1-D ``values`` that hold no value (None, NaN, NaT or pandas' NA)."""
    if values.dtype.kind in "fc":
        return np.flatnonzero(np.isnan(values))
    if values.dtype.kind in "OmM" and values.size:
        return np.flatnonzero(np.asarray(_missing(values), dtype=bool))
    return np.zeros(0, dtype=np.int64)


def check_no_missing_labels(labels: np.ndarray, partition: int | None = None) -> None:
    """A ValueError naming the rows of 1-D ``labels`` that hold no label (None, NaN,
    NaT or pandas' NA), as positions in y or in its partition ``partition``."""
    rows = missing_rows(labels)
    if len(rows):
        shown = ", ".join(map(str, rows[:5].tolist())) + (", ..." if len(rows) > 5 else "")
        where = "" if partition is None else f" of its partition {partition}"
        raise ValueError(
            f"y has missing labels (None, NaN or NA) at row{'s' if len(rows) > 1 else ''} {shown}{where} "
            f"({len(rows)} in all): drop those rows, or give them a class, before resampling"
        )


def _encode_integer_labels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(labels, return_inverse=True, return_counts=True)`` for integer or bool
    labels, by counting instead of sorting when their range is small (the usual case)."""
    if labels.dtype.kind == "b":
        offsets, low, span = labels.view(np.uint8), 0, 2
    else:
        low, high = int(labels.min()), int(labels.max())
        span = high - low + 1
        if span > max(1 << 16, labels.size):
            classes, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
            return classes, codes.ravel().astype(np.min_scalar_type(len(classes) - 1)), counts
        offsets = labels if low == 0 else labels - low
    counts_by_offset = np.bincount(offsets, minlength=span)
    present = np.flatnonzero(counts_by_offset)
    code_of_offset = np.zeros(span, dtype=np.min_scalar_type(max(len(present) - 1, 0)))
    code_of_offset[present] = np.arange(len(present))
    classes = (present + low).astype(labels.dtype)
    return classes, code_of_offset[offsets], counts_by_offset[present]


def encode_labels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted classes of 1-D ``labels``, each label's class code (in the narrowest
    integer type) and each class's count; refuses labels that are not classes."""
    if labels.dtype.kind in "biu":
        return _encode_integer_labels(labels)
    target_type = type_of_target(labels)
    if target_type not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: y must hold class labels, but its values look {target_type}; "
            "SMOTE oversamples classification targets"
        )
    classes, codes, counts = unique_labels(labels)
    return classes, codes.astype(np.min_scalar_type(len(classes) - 1)), counts


def unique_labels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted distinct labels, the position of each label among them and their
    counts (``np.unique``), with a clear error for labels that cannot be sorted."""
    try:
        classes, where, counts = np.unique(labels, return_inverse=True, return_counts=True)
    except TypeError as exc:
        raise TypeError(f"the labels in y cannot be compared with each other: {exc}") from None
    return classes, where.ravel(), counts


def check_several_classes(classes: np.ndarray) -> None:
    if len(classes) < 2:
        raise ValueError(
            f"y has a single class ({classes.tolist()[0]!r}): 1 class, but resampling "
            "needs at least 2 classes"
        )


def check_X_y(X: Any, y: Any, *, categorical_features: Any = None, any_values: bool = False) -> Dataset:
    """Validate training data once for every sampler.

    ``categorical_features`` (for the samplers that take categorical features) selects
    the categorical columns, as SMOTENC's parameter does, or is ``"all"``;
    ``any_values`` is for samplers that only copy rows (see :func:`check_X`).
    """
    categorical = None
    if categorical_features is None:
        values, x_container = check_X(X, any_values=any_values)
    else:
        from ._category_codes import check_mixed_X

        values, x_container, categorical = check_mixed_X(X, categorical_features)
    labels, y_container = check_y(y, values.shape[0])
    classes, codes, counts = encode_labels(labels)
    check_several_classes(classes)
    return Dataset(
        X=values,
        y=labels,
        classes=classes,
        codes=codes,
        counts=counts,
        x_container=x_container,
        y_container=y_container,
        categorical=categorical,
    )


def _extreme_class(data: ClassCounts, largest: bool) -> int:
    """Code of the majority (or minority) class; ties go to the smallest label."""
    return int(np.argmax(data.counts) if largest else np.argmin(data.counts))


StrategyDict = dict[Any, int]


def resolve_sampling_strategy(
    sampling_strategy: Any, data: ClassCounts, sampling_type: str = "over-sampling"
) -> StrategyDict:
    """``{class label: number of samples to generate}``, ordered by class label; for a
    cleaning sampler (``sampling_type="clean-sampling"``), the classes it may remove
    samples from, each mapped to the minority's size (imbalanced-learn's convention)."""
    if sampling_type == "clean-sampling":
        return _cleaning_strategy(sampling_strategy, data)
    if isinstance(sampling_strategy, str):
        return _strategy_by_name(sampling_strategy, data)
    if isinstance(sampling_strategy, (bool, np.bool_)):
        raise TypeError("sampling_strategy cannot be a bool")
    if isinstance(sampling_strategy, numbers.Real):
        return _strategy_from_ratio(float(sampling_strategy), data)
    if isinstance(sampling_strategy, dict):
        return _strategy_from_targets(sampling_strategy, data)
    if isinstance(sampling_strategy, (list, tuple, np.ndarray)):
        raise ValueError(
            "sampling_strategy cannot be a list for over-samplers (lists select classes "
            "for cleaning methods); use a dict {class: target count}"
        )
    if callable(sampling_strategy):
        targets = sampling_strategy(data.y)
        if not isinstance(targets, dict):
            raise TypeError(
                "a callable sampling_strategy must return a dict {class: target count}, "
                f"got {type(targets).__name__}"
            )
        return _strategy_from_targets(targets, data)
    raise TypeError(
        "sampling_strategy must be a float, one of "
        f"{', '.join(map(repr, OVER_SAMPLING_STRATEGIES))}, a dict or a callable; "
        f"got {type(sampling_strategy).__name__}"
    )


def _strategy_by_name(name: str, data: ClassCounts) -> StrategyDict:
    if name == "majority":
        raise ValueError("sampling_strategy='majority' cannot be used with an over-sampler")
    if name not in OVER_SAMPLING_STRATEGIES:
        raise ValueError(
            f"sampling_strategy={name!r} is not known; use one of "
            f"{', '.join(map(repr, OVER_SAMPLING_STRATEGIES))}, a float, a dict or a callable"
        )
    n_majority = int(data.counts[_extreme_class(data, largest=True)])
    codes = _classes_named("not majority" if name == "auto" else name, data)
    return {data.classes[code]: n_majority - int(data.counts[code]) for code in codes}


def _classes_named(name: str, data: ClassCounts) -> list[int]:
    """Codes of the classes a strategy name selects: ``'minority'``, ``'majority'``,
    ``'not minority'``, ``'not majority'`` or ``'all'`` (each sampler kind reads
    ``'auto'`` as one of these itself)."""
    majority = _extreme_class(data, largest=True)
    minority = _extreme_class(data, largest=False)
    selected: Callable[[int], bool] = {
        "minority": lambda c: c == minority,
        "majority": lambda c: c == majority,
        "not minority": lambda c: c != minority,
        "not majority": lambda c: c != majority,
        "all": lambda c: True,
    }[name]
    return [code for code in range(len(data.classes)) if selected(code)]


#: The strategies a cleaning sampler accepts by name.
CLEANING_STRATEGIES = ("auto", "majority", "not minority", "not majority", "all")


def _cleaning_strategy(sampling_strategy: Any, data: ClassCounts) -> StrategyDict:
    if isinstance(sampling_strategy, str):
        if sampling_strategy == "minority":
            raise ValueError(
                "sampling_strategy='minority' cannot be used with a cleaning sampler, "
                "which removes samples; use 'not minority', 'majority', 'all' or a list of classes"
            )
        if sampling_strategy not in CLEANING_STRATEGIES:
            raise ValueError(
                f"sampling_strategy={sampling_strategy!r} is not known; use one of "
                f"{', '.join(map(repr, CLEANING_STRATEGIES))} or a list of classes"
            )
        codes = _classes_named("not minority" if sampling_strategy == "auto" else sampling_strategy, data)
    elif isinstance(sampling_strategy, (list, tuple, np.ndarray)):
        code_of = data.code_of
        unknown = [plain(key) for key in sampling_strategy if key not in code_of]
        if unknown:
            raise ValueError(
                f"sampling_strategy names classes that are not in y: {unknown!r}; "
                f"the classes are {data.classes.tolist()!r}"
            )
        codes = sorted({code_of[key] for key in sampling_strategy})
    elif isinstance(sampling_strategy, dict) or callable(sampling_strategy):
        raise ValueError(
            "a cleaning sampler does not take a dict or a callable sampling_strategy "
            "(it removes the samples its rule finds, not a number of them); give a list "
            "of the classes to clean instead"
        )
    elif isinstance(sampling_strategy, numbers.Real) and not isinstance(sampling_strategy, (bool, np.bool_)):
        raise ValueError(
            "a cleaning sampler does not take a float sampling_strategy (a ratio); give "
            f"one of {', '.join(map(repr, CLEANING_STRATEGIES))} or a list of classes"
        )
    else:
        raise TypeError(
            f"sampling_strategy must be one of {', '.join(map(repr, CLEANING_STRATEGIES))} "
            f"or a list of classes; got {type(sampling_strategy).__name__}"
        )
    n_minority = int(data.counts[_extreme_class(data, largest=False)])
    return {data.classes[code]: n_minority for code in codes}


def _strategy_from_ratio(ratio: float, data: ClassCounts) -> StrategyDict:
    if len(data.classes) != 2:
        raise ValueError(
            "a float sampling_strategy is only defined for binary targets, but y has "
            f"{len(data.classes)} classes; use a dict {{class: target count}} instead"
        )
    if not 0.0 < ratio <= 1.0:
        raise ValueError(f"a float sampling_strategy must be in (0, 1], got {ratio}")
    majority = _extreme_class(data, largest=True)
    minority = 1 - majority
    n_new = int(ratio * data.counts[majority] - data.counts[minority])
    if n_new <= 0:
        raise ValueError(
            f"sampling_strategy={ratio} asks for {int(ratio * data.counts[majority])} "
            f"minority samples, but class {data.label(minority)!r} already has "
            f"{data.counts[minority]}: nothing would be generated; increase the ratio"
        )
    return {data.classes[minority]: n_new}


def _strategy_from_targets(targets: dict[Any, Any], data: ClassCounts) -> StrategyDict:
    code_of = data.code_of
    unknown = [key for key in targets if key not in code_of]
    if unknown:
        raise ValueError(
            f"sampling_strategy names classes that are not in y: {unknown!r}; "
            f"the classes are {data.classes.tolist()!r}"
        )
    resolved: dict[int, int] = {}
    for key, target in targets.items():
        if isinstance(target, (bool, np.bool_)) or not isinstance(target, numbers.Integral):
            raise TypeError(f"sampling_strategy[{key!r}] must be an int target count, got {target!r}")
        code = code_of[key]
        current = int(data.counts[code])
        if target < current:
            raise ValueError(
                f"sampling_strategy asks for {target} samples of class {key!r}, which "
                f"already has {current}; an over-sampler cannot remove samples"
            )
        resolved[code] = int(target) - current
    return {data.classes[code]: resolved[code] for code in sorted(resolved)}


def check_class_sizes(data: ClassCounts, codes: list[int], needed: int, what: str) -> None:
    """Every class to oversample must have ``needed`` samples (a sample and its neighbours)."""
    for code in codes:
        if data.counts[code] < needed:
            raise ValueError(
                f"class {data.label(code)!r} has {data.counts[code]} samples, but {what} "
                f"needs at least {needed} samples in every class to oversample"
            )


def check_n_jobs(n_jobs: Any) -> int | None:
    """Threads for the core: ``None`` means every core (joblib's conventions otherwise).
    No more threads than CPUs are started: results never depend on the thread count, and
    each count keeps a pool of its own."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be None or an int, got {n_jobs!r}")
    threads = int(n_jobs)
    if threads == -1:
        return None
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if threads > 0:
        return min(threads, cpus)
    if threads == 0 or cpus + 1 + threads < 1:
        raise ValueError(
            f"n_jobs={threads} leaves no thread to run on ({cpus} CPUs); use None, -1 "
            "or a positive number of threads"
        )
    return cpus + 1 + threads


_SEED_BOUND = 2**32


def estimator_random_state(random_state: Any) -> Any:
    """``random_state`` for a scikit-learn estimator, which takes None, an int or a
    RandomState: a NumPy Generator gives an int drawn from it (advancing it)."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(_SEED_BOUND))
    return random_state


def seed_from(random_state: Any) -> int:
    """The core's 64-bit seed for ``random_state`` (None, an int, a RandomState or Generator).

    An int is used as it is; None draws from NumPy's global state and an instance
    draws from itself (advancing it), as scikit-learn estimators do.
    """
    if random_state is None:
        return int(np.random.randint(0, np.iinfo(np.int64).max, dtype=np.int64))
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError("random_state cannot be a bool")
    if isinstance(random_state, numbers.Integral):
        seed = int(random_state)
        if not 0 <= seed < _SEED_BOUND:
            raise ValueError(f"random_state must be between 0 and 2**32 - 1, got {seed}")
        return seed
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, np.iinfo(np.int64).max, dtype=np.int64))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, np.iinfo(np.int64).max))
    raise TypeError(
        "random_state must be None, an int, a numpy.random.RandomState or a "
        f"numpy.random.Generator; got {type(random_state).__name__}"
    )
