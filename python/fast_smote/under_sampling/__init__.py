"""The cleaning samplers, with imbalanced-learn's names: ``fast_smote.under_sampling.TomekLinks`` ..."""

from ._cleaning import EditedNearestNeighbours, TomekLinks
from ._ipf import IterativePartitioningFilter

__all__ = ["EditedNearestNeighbours", "IterativePartitioningFilter", "TomekLinks"]
