"""Every public sampler, registered once for the reliability tests (property tests,
concurrency, inputs left unchanged): what kind of output it makes, so that its
invariants can be checked, and how to build it for a dataset.

A new sampler is covered by adding one ``SamplerCase`` to ``CASES``;
``test_every_public_sampler_is_registered`` fails until it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import fast_smote

#: Kinds of output, each with its invariants (see ``test_properties``):
#: ``interpolating``: the originals, then rows on segments recorded in ``provenance_``;
#: ``copies``: the originals, then copies of class rows (``sample_indices_``), or
#: smoothed copies when ``shrinkage`` is set;
#: ``fitted``: the originals, then rows made from the whole class (PolynomFitSMOTE's
#: star, inside the class's range of each feature, and its curve; LVQ-SMOTE's
#: translations);
#: ``translating``: the originals, the classes not grown possibly moved (CCR's
#: cleaning), then new rows inside their class's spheres (``radii_``);
#: ``categorical``: interpolating on the continuous columns, categories voted;
#: ``cleaning``: ``X[sample_indices_]``;
#: ``combined``: rows of the over-sampler's output, some removed.
KINDS = ("interpolating", "fitted", "translating", "copies", "categorical", "cleaning", "combined")


@dataclass(frozen=True)
class SamplerCase:
    """How the tests build and check one sampler."""

    name: str
    cls: type
    kind: str
    #: The constructor's neighbour-count parameter, if any.
    neighbors_param: str | None = "k_neighbors"
    #: Extra constructor arguments for a dataset with ``n_features`` columns.
    extra: Callable[[int], dict[str, Any]] = field(default=lambda n_features: {})
    #: Whether it takes ``random_state``.
    seeded: bool = True
    #: Whether every class it oversamples gets exactly the count the strategy asks for.
    exact_counts: bool = True

    def make(self, n_features: int, **params: Any) -> Any:
        if not self.seeded:
            params.pop("random_state", None)
        return self.cls(**self.extra(n_features), **params)


def _first_column_categorical(n_features: int) -> dict[str, Any]:
    return {"categorical_features": [0]}


CASES: dict[str, SamplerCase] = {
    case.name: case
    for case in [
        SamplerCase("SMOTE", fast_smote.SMOTE, "interpolating"),
        SamplerCase("BorderlineSMOTE-1", fast_smote.BorderlineSMOTE, "interpolating", exact_counts=False),
        SamplerCase(
            "BorderlineSMOTE-2",
            fast_smote.BorderlineSMOTE,
            "interpolating",
            extra=lambda n_features: {"kind": "borderline-2"},
            exact_counts=False,
        ),
        SamplerCase("SVMSMOTE", fast_smote.SVMSMOTE, "interpolating", exact_counts=False),
        SamplerCase(
            "ADASYN", fast_smote.ADASYN, "interpolating", neighbors_param="n_neighbors", exact_counts=False
        ),
        SamplerCase(
            "KMeansSMOTE",
            fast_smote.KMeansSMOTE,
            "interpolating",
            extra=lambda n_features: {"cluster_balance_threshold": 0.1},
            exact_counts=False,
        ),
        SamplerCase("ProWSyn", fast_smote.ProWSyn, "interpolating", neighbors_param="n_neighbors"),
        SamplerCase("GSMOTE", fast_smote.GSMOTE, "interpolating"),
        SamplerCase("LeeSMOTE", fast_smote.LeeSMOTE, "interpolating"),
        SamplerCase("SMOBD", fast_smote.SMOBD, "interpolating", neighbors_param=None),
        SamplerCase("LVQSMOTE", fast_smote.LVQSMOTE, "fitted", neighbors_param="n_neighbors"),
        SamplerCase("CCR", fast_smote.CCR, "translating", neighbors_param=None),
        SamplerCase(
            "AssembledSMOTE", fast_smote.AssembledSMOTE, "interpolating", neighbors_param="n_neighbors"
        ),
        SamplerCase("PolynomFitSMOTE-star", fast_smote.PolynomFitSMOTE, "fitted", neighbors_param=None),
        SamplerCase(
            "PolynomFitSMOTE-polynomial",
            fast_smote.PolynomFitSMOTE,
            "fitted",
            neighbors_param=None,
            extra=lambda n_features: {"topology": "polynomial"},
        ),
        SamplerCase(
            "PolynomFitSMOTE-bus",
            fast_smote.PolynomFitSMOTE,
            "interpolating",
            neighbors_param=None,
            extra=lambda n_features: {"topology": "bus"},
        ),
        SamplerCase(
            "PolynomFitSMOTE-mesh",
            fast_smote.PolynomFitSMOTE,
            "interpolating",
            neighbors_param=None,
            extra=lambda n_features: {"topology": "mesh"},
        ),
        SamplerCase("RandomOverSampler", fast_smote.RandomOverSampler, "copies", neighbors_param=None),
        SamplerCase(
            "RandomOverSampler-shrinkage",
            fast_smote.RandomOverSampler,
            "copies",
            neighbors_param=None,
            extra=lambda n_features: {"shrinkage": 0.5},
        ),
        SamplerCase("SMOTENC", fast_smote.SMOTENC, "categorical", extra=_first_column_categorical),
        SamplerCase("SMOTEN", fast_smote.SMOTEN, "categorical"),
        SamplerCase("TomekLinks", fast_smote.TomekLinks, "cleaning", neighbors_param=None, seeded=False),
        SamplerCase(
            "EditedNearestNeighbours",
            fast_smote.EditedNearestNeighbours,
            "cleaning",
            neighbors_param="n_neighbors",
            seeded=False,
        ),
        SamplerCase(
            "IterativePartitioningFilter",
            fast_smote.IterativePartitioningFilter,
            "cleaning",
            neighbors_param=None,
        ),
        SamplerCase("SMOTETomek", fast_smote.SMOTETomek, "combined", neighbors_param=None),
        SamplerCase("SMOTEIPF", fast_smote.SMOTEIPF, "combined", neighbors_param=None),
        SamplerCase("SMOTEENN", fast_smote.SMOTEENN, "combined", neighbors_param=None),
    ]
}


def public_sampler_classes() -> set[type]:
    """Every sampler class fast_smote exports."""
    from fast_smote.base import BaseSampler

    exported = (getattr(fast_smote, name) for name in fast_smote.__all__)
    return {obj for obj in exported if isinstance(obj, type) and issubclass(obj, BaseSampler)}


def every_sampler() -> list[Any]:
    """One seeded instance of each registered case, with the parameters small test
    data allow (SMOTENC takes column 0 as categorical)."""
    return [case.make(1, random_state=0) for case in CASES.values()]
