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
from importlib import import_module as _import_module
from typing import TYPE_CHECKING, Any

from . import _core
from ._containers import register_dask_backend as _register_dask_backend
from ._core import __version__

#: Where each public name lives. It is imported on first use: scikit-learn takes a
#: second or more to import, which the command line's --help and --version need not wait.
_HOMES = {
    "ClassDiagnostics": "_diagnostics",
    "DiagnosticReport": "_diagnostics",
    "DistanceSummary": "_diagnostics",
    "SamplingQualityWarning": "_diagnostics",
    "diagnose": "_diagnostics",
    "UnsuitableDataError": "_errors",
    "MemoryBudgetError": "_memory",
    "METHODS": "_resample",
    "MORE_METHODS": "_resample",
    "VARIANT_METHODS": "_resample",
    "REGRESSION_METHODS": "_resample",
    "resample": "_resample",
    "SMOTEENN": "combine",
    "SMOTEIPF": "combine",
    "SMOTETomek": "combine",
    "ApproximateNearestNeighbors": "neighbors",
    "NearestNeighbors": "neighbors",
    "ADASYN": "over_sampling",
    "AssembledSMOTE": "over_sampling",
    "SMOTE": "over_sampling",
    "SMOTEN": "over_sampling",
    "SMOTENC": "over_sampling",
    "SVMSMOTE": "over_sampling",
    "BorderlineSMOTE": "over_sampling",
    "KMeansSMOTE": "over_sampling",
    "CCR": "over_sampling",
    "GSMOTE": "over_sampling",
    "LeeSMOTE": "over_sampling",
    "LVQSMOTE": "over_sampling",
    "PolynomFitSMOTE": "over_sampling",
    "ProWSyn": "over_sampling",
    "SMOBD": "over_sampling",
    "Provenance": "over_sampling",
    "RandomOverSampler": "over_sampling",
    "EditedNearestNeighbours": "under_sampling",
    "IterativePartitioningFilter": "under_sampling",
    "TomekLinks": "under_sampling",
}
#: The subpackages reached as attributes (``fast_smote.over_sampling``), also on first use.
_SUBPACKAGES = ("combine", "neighbors", "over_sampling", "regression", "under_sampling")

if TYPE_CHECKING:  # what type checkers see: the same names, imported at once
    from ._diagnostics import (
        ClassDiagnostics,
        DiagnosticReport,
        DistanceSummary,
        SamplingQualityWarning,
        diagnose,
    )
    from ._errors import UnsuitableDataError
    from ._memory import MemoryBudgetError
    from ._resample import METHODS, MORE_METHODS, REGRESSION_METHODS, VARIANT_METHODS, resample
    from .combine import SMOTEENN, SMOTEIPF, SMOTETomek
    from .neighbors import ApproximateNearestNeighbors, NearestNeighbors
    from .over_sampling import (
        ADASYN,
        CCR,
        GSMOTE,
        LVQSMOTE,
        SMOBD,
        SMOTE,
        SMOTEN,
        SMOTENC,
        SVMSMOTE,
        AssembledSMOTE,
        BorderlineSMOTE,
        KMeansSMOTE,
        LeeSMOTE,
        PolynomFitSMOTE,
        Provenance,
        ProWSyn,
        RandomOverSampler,
    )
    from .under_sampling import EditedNearestNeighbours, IterativePartitioningFilter, TomekLinks


def __getattr__(name: str) -> Any:
    """A public name or subpackage, imported the first time it is asked for."""
    if name in _HOMES:
        value = getattr(_import_module(f"{__name__}.{_HOMES[name]}"), name)
    elif name in _SUBPACKAGES:
        value = _import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES, *_SUBPACKAGES})


# Dask collections go to fast_smote.dask, which imports the samplers: registered here,
# above both, rather than imported by the samplers' base.
_register_dask_backend(lambda: _import_module(f"{__name__}.dask"))

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
    "CCR",
    "GSMOTE",
    "LVQSMOTE",
    "METHODS",
    "MORE_METHODS",
    "REGRESSION_METHODS",
    "SMOBD",
    "SMOTE",
    "SMOTEENN",
    "SMOTEIPF",
    "SMOTEN",
    "SMOTENC",
    "SVMSMOTE",
    "VARIANT_METHODS",
    "ApproximateNearestNeighbors",
    "AssembledSMOTE",
    "BorderlineSMOTE",
    "ClassDiagnostics",
    "DiagnosticReport",
    "DistanceSummary",
    "EditedNearestNeighbours",
    "IterativePartitioningFilter",
    "KMeansSMOTE",
    "LeeSMOTE",
    "MemoryBudgetError",
    "NearestNeighbors",
    "PolynomFitSMOTE",
    "ProWSyn",
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
