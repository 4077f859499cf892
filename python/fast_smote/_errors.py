"""The exceptions fast-smote raises beyond Python's own: each is a subclass of every
type imbalanced-learn raises for the same bad input, so that code written for either
library catches it."""

from __future__ import annotations


class UnsuitableDataError(ValueError, RuntimeError):
    """The data gives the method nothing to work with: ADASYN without a sample that is
    hard to learn, KMeans-SMOTE without a cluster that qualifies. A ``ValueError``, as
    for any data a sampler cannot resample, and a ``RuntimeError``, which is what
    imbalanced-learn raises there."""


class NonNumericError(TypeError, ValueError):
    """X has columns that are not numbers where the sampler needs numbers: a
    ``TypeError`` (a wrong type of data) and the ``ValueError`` imbalanced-learn raises."""


class NotASupportVectorMachineError(TypeError, RuntimeError):
    """SVMSMOTE's ``svm_estimator`` has no support vectors after fitting: a ``TypeError``
    (a wrong kind of estimator) and the ``RuntimeError`` imbalanced-learn raises."""
