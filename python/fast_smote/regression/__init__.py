"""Over-sampling for a continuous target: SMOTER and SMOGN, and the relevance function
that tells their rare targets from the common ones."""

from ._base import Bump
from ._relevance import Relevance
from ._smoter import SMOGN, SMOTER, RegressionProvenance

__all__ = ["SMOGN", "SMOTER", "Bump", "RegressionProvenance", "Relevance"]
