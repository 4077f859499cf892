"""The cleaning samplers, with imbalanced-learn's names: ``fast_smote.under_sampling.TomekLinks`` ..."""

from ._cleaning import EditedNearestNeighbours, TomekLinks

__all__ = ["EditedNearestNeighbours", "TomekLinks"]
