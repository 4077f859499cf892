"""fast-smote: exact, reproducible SMOTE-family oversampling with a parallel Rust core.

A drop-in for imbalanced-learn's over-samplers::

    import fast_smote
    X_res, y_res = fast_smote.resample(X, y, random_state=0)
    X_res, y_res = fast_smote.SMOTE(k_neighbors=5, random_state=0).fit_resample(X, y)

Resample training data only (put the sampler in an ``imblearn.pipeline.Pipeline``):
synthetic rows in a test set leak information and inflate scores.
"""

from importlib.metadata import PackageNotFoundError, version

from ._resample import METHODS, resample
from .over_sampling import (
    ADASYN,
    SMOTE,
    SVMSMOTE,
    BorderlineSMOTE,
    KMeansSMOTE,
    Provenance,
    RandomOverSampler,
)

try:
    __version__ = version("fast-smote")
except PackageNotFoundError:  # pragma: no cover - running from an unbuilt checkout
    __version__ = "0+unknown"

__all__ = [
    "ADASYN",
    "METHODS",
    "SMOTE",
    "SVMSMOTE",
    "BorderlineSMOTE",
    "KMeansSMOTE",
    "Provenance",
    "RandomOverSampler",
    "__version__",
    "resample",
]
