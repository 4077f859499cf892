"""The lowest checks of X, shared by the dense, sparse and categorical paths: its
shape, its dtype, and the messages for values a sampler cannot use; and the checks of
samplers' numeric parameters.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

#: The NumPy kinds of numeric features (bool, signed and unsigned integers, floats).
NUMERIC_KINDS = "biuf"


def float_dtype_for(dtype: np.dtype) -> np.dtype:
    """The core type for an input dtype: float32 stays float32 (float16 widens to it),
    everything numeric else becomes float64 (integers are not rounded back later)."""
    if dtype.kind == "f" and dtype.itemsize <= 4:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


#: What a sampler of numeric features says of features that are not numbers.
NOT_NUMERIC = (
    "this sampler needs numeric features: encode categorical columns as numbers, or use "
    "SMOTENC (with categorical_features) or SMOTEN for categorical features"
)


def check_shape(shape: tuple[Any, ...]) -> None:
    """X must be 2-D with at least one sample and one feature. Dask's X checks the same
    by parts (its number of rows is known last): :func:`check_2d`, then
    :func:`check_samples` and :func:`check_features`."""
    check_2d(shape)
    check_samples(shape[0], shape)
    check_features(shape[1], shape)


def check_2d(shape: tuple[Any, ...]) -> None:
    if len(shape) != 2:
        raise ValueError(
            f"X must be a 2-D array of shape (n_samples, n_features), got an array of shape {shape}"
        )


# The wording of scikit-learn's checks, which tools may match.
def check_samples(n_samples: int, shape: tuple[Any, ...]) -> None:
    if n_samples == 0:
        raise ValueError(f"X is empty: it has 0 sample(s) (shape={shape}) while a minimum of 1 is required.")


def check_features(n_features: int, shape: tuple[Any, ...]) -> None:
    if n_features == 0:
        raise ValueError(f"X has 0 feature(s) (shape={shape}) while a minimum of 1 is required.")


def require_y(y: Any) -> None:
    if y is None:
        raise ValueError("fit_resample requires y to be passed, but the target y is None")


def check_y_shape(shape: tuple[Any, ...]) -> None:
    """y must be 1-D (after a column vector is flattened)."""
    if len(shape) != 1:
        raise ValueError(f"y must be 1-D of shape (n_samples,), got shape {shape}")


def check_lengths(n_X: int, n_y: int) -> None:
    if n_X != n_y:
        raise ValueError(f"X and y have different numbers of samples: X has {n_X}, y has {n_y}")


def reject_complex(values: np.ndarray) -> None:
    if values.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: X has dtype {values.dtype}; SMOTE interpolates real-valued features"
        )


def non_finite_error(value: Any, row: int, column: int, name: str = "X") -> ValueError:
    """The error for a NaN or infinite ``value`` at ``(row, column)`` of X (called
    ``name`` in the message)."""
    what = "NaN" if np.isnan(value) else "infinity"
    return ValueError(
        f"{name} contains {what} at row {row}, column {column}; the features to interpolate "
        "must be finite (impute or drop missing values first)"
    )


def check_int(name: str, value: Any, least: int) -> int:
    """A sampler's int parameter of at least ``least`` (a bool is not one)."""
    if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < least:
        raise ValueError(f"{name} must be at least {least}, got {value}")
    return int(value)


def check_real(
    name: str, value: Any, low: float, high: float = math.inf, *, above: bool = False, infinite: bool = False
) -> float:
    """A sampler's real parameter in ``[low, high]`` (``(low, high]`` when ``above``; a
    bool is not one; NaN is out, and infinity unless ``infinite``)."""
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    real = float(value)
    in_range = (low < real if above else low <= real) and real <= high
    if not ((infinite or math.isfinite(real)) and in_range):
        least = f"above {low:g}" if above else f"at least {low:g}"
        where = least if high == math.inf else f"in {'(' if above else '['}{low:g}, {high:g}]"
        kind = "a number" if infinite else "a finite number"
        raise ValueError(f"{name} must be {kind} {where}, got {value}")
    return real
