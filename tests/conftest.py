"""Shared datasets for the Python tests."""

from __future__ import annotations

import numpy as np
import pytest


def make_imbalanced(counts, n_features=4, seed=0, dtype=np.float64, spread=3.0):
    """Gaussian blobs, class ``c`` with ``counts[c]`` rows around a centre of its own."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(len(counts), n_features))
    X = np.concatenate([rng.normal(size=(n, n_features)) + centres[c] for c, n in enumerate(counts)])
    y = np.repeat(np.arange(len(counts)), counts)
    order = rng.permutation(len(y))
    return X[order].astype(dtype), y[order]


@pytest.fixture
def binary():
    return make_imbalanced([200, 40])


@pytest.fixture
def multiclass():
    return make_imbalanced([150, 60, 30, 20])
