"""Over-sampling followed by cleaning, with imbalanced-learn's names: ``fast_smote.combine.SMOTETomek`` ..."""

from ._combine import SMOTEENN, SMOTEIPF, SMOTETomek

__all__ = ["SMOTEENN", "SMOTEIPF", "SMOTETomek"]
