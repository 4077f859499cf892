"""fast-smote: exact, reproducible SMOTE-family oversampling with a parallel Rust core.

A drop-in for imbalanced-learn's SMOTE family, SMOTENC/SMOTEN, Tomek links, edited
nearest neighbours and their combinations::

    import fast_smote
    X_res, y_res = fast_smote.resample(X, y, random_state=0)
    X_res, y_res = fast_smote.SMOTE(k_neighbors=5, random_state=0).fit_resample(X, y)
    print(fast_smote.diagnose(X, y, X_res, y_res))  # where the new rows landed

Resample training data only (put the sampler in an ``imblearn.pipeline.Pipeline``):
synthetic rows in a test set leak information and inflate scores.
"""

import os as _os

from . import _core
from ._core import __version__
from ._diagnostics import (
    ClassDiagnostics,
    DiagnosticReport,
    DistanceSummary,
    SamplingQualityWarning,
    diagnose,
)
from ._errors import UnsuitableDataError
from ._memory import MemoryBudgetError
from ._resample import METHODS, MORE_METHODS, resample
from .combine import SMOTEENN, SMOTETomek
from .neighbors import ApproximateNearestNeighbors, NearestNeighbors
from .over_sampling import (
    ADASYN,
    SMOTE,
    SMOTEN,
    SMOTENC,
    SVMSMOTE,
    BorderlineSMOTE,
    KMeansSMOTE,
    Provenance,
    RandomOverSampler,
)
from .under_sampling import EditedNearestNeighbours, TomekLinks

# A child forked after the core's threads started must not wait for them: it builds
# its own thread pools (whose table no other thread holds while the process forks).
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(
        before=_core.lock_thread_pools,
        after_in_parent=_core.unlock_thread_pools,
        after_in_child=_core.forget_thread_pools,
    )

__all__ = [
    "ADASYN",
    "METHODS",
    "MORE_METHODS",
    "SMOTE",
    "SMOTEENN",
    "SMOTEN",
    "SMOTENC",
    "SVMSMOTE",
    "ApproximateNearestNeighbors",
    "BorderlineSMOTE",
    "ClassDiagnostics",
    "DiagnosticReport",
    "DistanceSummary",
    "EditedNearestNeighbours",
    "KMeansSMOTE",
    "MemoryBudgetError",
    "NearestNeighbors",
    "Provenance",
    "RandomOverSampler",
    "SMOTETomek",
    "SamplingQualityWarning",
    "TomekLinks",
    "UnsuitableDataError",
    "__version__",
    "diagnose",
    "resample",
]
