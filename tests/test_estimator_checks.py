"""imbalanced-learn's and scikit-learn's own estimator checks, run on every sampler.

imbalanced-learn's checks for third-party samplers all pass. scikit-learn's
``check_estimator`` is written for classifiers, regressors and transformers; the checks
that do not apply to a sampler are listed in ``SKLEARN_CHECKS_THAT_DO_NOT_APPLY`` with
the reason, and every other one runs and passes. scikit-learn skips its array-API checks
itself (12 of them, "SCIPY_ARRAY_API is not set"): the samplers take NumPy, SciPy sparse,
pandas and polars inputs, not array-API arrays.
"""

from __future__ import annotations

import warnings

import pytest
from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from samplers import every_sampler
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks


@pytest.fixture(autouse=True)
def _quiet_count_warnings():
    # Some samplers make fewer rows than asked on the checks' tiny datasets, and say so;
    # a column-vector y is flattened with scikit-learn's warning, which the checks expect.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"\w+ generated \d+ samples for class", UserWarning)
        warnings.filterwarnings("ignore", "y is a column vector", DataConversionWarning)
        yield


def _as_list(mark: pytest.MarkDecorator) -> pytest.MarkDecorator:
    """imbalanced-learn's parametrize mark with its cases in a list (pytest deprecates a
    generator there)."""
    names, cases = mark.args
    return pytest.mark.parametrize(names, list(cases), **mark.kwargs)


@_as_list(imblearn_checks(every_sampler()))
def test_imblearn_estimator_checks(estimator, check):
    check(estimator)


#: scikit-learn checks that test what a sampler does not do, by sampler, with the reason.
SKLEARN_CHECKS_THAT_DO_NOT_APPLY: dict[str, dict[str, str]] = {
    "SMOTENC": {
        "check_estimators_nan_inf": (
            "the check puts NaN and inf in column 0, which these checks' SMOTENC treats as "
            "categorical, where a missing or infinite value is a category like any other; "
            "NaN and inf in a continuous column are refused (tests/test_categorical.py)"
        ),
    },
}


@sklearn_checks(
    every_sampler(),
    expected_failed_checks=lambda sampler: SKLEARN_CHECKS_THAT_DO_NOT_APPLY.get(type(sampler).__name__, {}),
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
