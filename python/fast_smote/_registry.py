"""The samplers by the names ``resample(method=...)`` and the command line take.

Each name maps to where its class lives, not to the class, so that the names are known
without importing scikit-learn (the command line's ``--help`` starts in a fraction of
a second); :func:`load` imports the class.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: The over-samplers for numeric data: name -> "module:Class" under fast_smote.
OVER_SAMPLERS = {
    "smote": "over_sampling:SMOTE",
    "borderline-smote": "over_sampling:BorderlineSMOTE",
    "svm-smote": "over_sampling:SVMSMOTE",
    "adasyn": "over_sampling:ADASYN",
    "kmeans-smote": "over_sampling:KMeansSMOTE",
    "random": "over_sampling:RandomOverSampler",
}

#: The other samplers taken by name: categorical data, and over-sampling followed by
#: cleaning. With ``OVER_SAMPLERS`` and ``VARIANTS``, the one place a sampler is
#: registered.
MORE_SAMPLERS = {
    "smotenc": "over_sampling:SMOTENC",
    "smoten": "over_sampling:SMOTEN",
    "smote-tomek": "combine:SMOTETomek",
    "smote-enn": "combine:SMOTEENN",
}

#: The top-ranked over-samplers of Kovacs's comparison (2019) that imbalanced-learn
#: lacks, in the order of that ranking.
VARIANTS = {
    "polynom-fit-smote": "over_sampling:PolynomFitSMOTE",
    "prowsyn": "over_sampling:ProWSyn",
    "smote-ipf": "combine:SMOTEIPF",
    "lee-smote": "over_sampling:LeeSMOTE",
    "smobd": "over_sampling:SMOBD",
    "g-smote": "over_sampling:GSMOTE",
    "ccr": "over_sampling:CCR",
    "lvq-smote": "over_sampling:LVQSMOTE",
    "assembled-smote": "over_sampling:AssembledSMOTE",
}

#: The over-samplers for a continuous target.
REGRESSION = {
    "smoter": "regression:SMOTER",
    "smogn": "regression:SMOGN",
}

#: Every sampler's name: imbalanced-learn's over-samplers, the others, the variants,
#: then the regression samplers.
SAMPLER_NAMES = [*OVER_SAMPLERS, *MORE_SAMPLERS, *VARIANTS, *REGRESSION]


def load(name: str) -> Any:
    """The sampler class registered as ``name``."""
    module, _, cls = {**OVER_SAMPLERS, **MORE_SAMPLERS, **VARIANTS, **REGRESSION}[name].partition(":")
    return getattr(import_module(f"fast_smote.{module}"), cls)
