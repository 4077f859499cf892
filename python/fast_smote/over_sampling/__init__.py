"""The over-samplers, with imbalanced-learn's names: ``fast_smote.over_sampling.SMOTE`` ..."""

from ._adasyn import ADASYN
from ._assembled import AssembledSMOTE
from ._base import Provenance
from ._ccr import CCR
from ._cluster import KMeansSMOTE
from ._filter import SVMSMOTE, BorderlineSMOTE
from ._gsmote import GSMOTE
from ._lee import LeeSMOTE
from ._lvq import LVQSMOTE
from ._polynom_fit import PolynomFitSMOTE
from ._prowsyn import ProWSyn
from ._random import RandomOverSampler
from ._smobd import SMOBD
from ._smote import SMOTE
from ._smote_nc import SMOTEN, SMOTENC

__all__ = [
    "ADASYN",
    "CCR",
    "GSMOTE",
    "LVQSMOTE",
    "SMOBD",
    "SMOTE",
    "SMOTEN",
    "SMOTENC",
    "SVMSMOTE",
    "AssembledSMOTE",
    "BorderlineSMOTE",
    "KMeansSMOTE",
    "LeeSMOTE",
    "PolynomFitSMOTE",
    "ProWSyn",
    "Provenance",
    "RandomOverSampler",
]
