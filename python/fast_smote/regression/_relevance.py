"""The relevance of a target value (Ribeiro 2011, "Utility-based regression"): a function
``phi`` from y into [0, 1] that says how rare, and so how important, a value is.

The default is the thesis's automatic one: a piecewise cubic Hermite interpolation
through control points placed on the box plot of y (relevance 1 at the whisker ends
beyond which there are extreme values, 0 at the median), with the slopes made monotone
by Fritsch and Carlson's (1980) test. Users may give their own control points, or any
function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

#: Which tails the automatic control points make relevant.
EXTREMES = ("both", "high", "low")


def five_numbers(y: np.ndarray) -> np.ndarray:
    """Tukey's five-number summary of sorted ``y``: minimum, lower hinge, median, upper
    hinge, maximum, the hinges being the medians of each half of the data (the middle
    value counted in both halves), as R's ``fivenum`` computes them."""
    n = len(y)
    quarter = np.floor((n + 3) / 2) / 2
    depths = np.array([1.0, quarter, (n + 1) / 2, n + 1 - quarter, float(n)]) - 1
    result: np.ndarray = 0.5 * (y[np.floor(depths).astype(np.int64)] + y[np.ceil(depths).astype(np.int64)])
    return result


def whiskers(sorted_y: np.ndarray, coefficient: float) -> tuple[float, float, float]:
    """The box plot's lower whisker end, median and upper whisker end of sorted ``y``
    (R's ``boxplot.stats``): a whisker ends at the most extreme value within
    ``coefficient`` times the inter-hinge range of its hinge."""
    _, low_hinge, median, high_hinge, _ = five_numbers(sorted_y)
    spread = coefficient * (high_hinge - low_hinge)
    low = sorted_y[np.searchsorted(sorted_y, low_hinge - spread, side="left")]
    high = sorted_y[np.searchsorted(sorted_y, high_hinge + spread, side="right") - 1]
    return float(low), float(median), float(high)


def automatic_control_points(sorted_y: np.ndarray, extremes: str, coefficient: float) -> np.ndarray:
    """The thesis's control points ``(y, relevance, slope)`` for sorted ``y``: relevance 1
    at a whisker end beyond which ``y`` has values (on the tails ``extremes`` names), 0
    at the median, and 0 at the minimum and maximum where a tail has no extreme value;
    every slope 0."""
    low, median, high = whiskers(sorted_y, coefficient)
    smallest, largest = float(sorted_y[0]), float(sorted_y[-1])
    points = []
    if extremes in ("both", "low") and smallest < low:
        points.append((low, 1.0))
    else:
        points.append((smallest, 0.0))
    points.append((median, 0.0))
    if extremes in ("both", "high") and largest > high:
        points.append((high, 1.0))
    else:
        points.append((largest, 0.0))
    # The median may be the minimum or the maximum (a value shared by half the rows).
    kept = [points[0]] + [p for before, p in zip(points, points[1:]) if p[0] > before[0]]
    return np.array([(y, relevance, 0.0) for y, relevance in kept])


def check_control_points(points: Any) -> np.ndarray:
    """User control points as an ``(m, 3)`` float array ``(y, relevance, slope)``: rows of
    ``(y, relevance)`` or ``(y, relevance, slope)``, ``y`` strictly increasing,
    relevance in [0, 1], all finite; slopes 0 where not given."""
    try:
        array = np.array(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"relevance control points must be numbers, got {points!r}") from exc
    if array.ndim != 2 or array.shape[1] not in (2, 3) or array.shape[0] < 2:
        raise ValueError(
            "relevance control points must be at least 2 rows of (y, relevance) or (y, relevance, "
            f"slope); got an array of shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise ValueError("relevance control points must be finite (no NaN or infinity)")
    order = np.diff(array[:, 0])
    if (order <= 0).any():
        at = int(np.flatnonzero(order <= 0)[0])
        raise ValueError(
            "relevance control points must be in strictly increasing order of y; "
            f"row {at + 1} (y = {array[at + 1, 0]:g}) does not follow row {at} (y = {array[at, 0]:g})"
        )
    relevance = array[:, 1]
    if ((relevance < 0) | (relevance > 1)).any():
        bad = relevance[(relevance < 0) | (relevance > 1)][0]
        raise ValueError(f"relevance control points must have relevance in [0, 1], got {bad:g}")
    if array.shape[1] == 2:
        array = np.column_stack([array, np.zeros(len(array))])
    return array


def monotone_slopes(x: np.ndarray, relevance: np.ndarray, slopes: np.ndarray) -> np.ndarray:
    """The slopes adjusted, interval by interval from the left, so that the cubic of each
    interval is monotone (Fritsch and Carlson 1980): flat on a flat interval, no slope
    against the interval's direction, and a pair outside the monotone region scaled back
    onto the circle of radius 3."""
    slopes = slopes.copy()
    secants = np.diff(relevance) / np.diff(x)
    for i, secant in enumerate(secants):  # a few control points, each interval in turn
        if secant == 0:
            slopes[i] = slopes[i + 1] = 0.0
            continue
        alpha, beta = slopes[i] / secant, slopes[i + 1] / secant
        if alpha < 0:
            slopes[i], alpha = 0.0, 0.0
        if beta < 0:
            slopes[i + 1], beta = 0.0, 0.0
        left, right = 2 * alpha + beta - 3, alpha + 2 * beta - 3
        # Outside the monotone region: both above the lines and below the ellipse.
        if left > 0 and right > 0 and alpha * (left + right) < left * left:
            tau = 3 / np.hypot(alpha, beta)
            slopes[i], slopes[i + 1] = tau * alpha * secant, tau * beta * secant
    return slopes


class Relevance:
    """The relevance function of control points ``(y, relevance, slope)``: a cubic
    Hermite interpolation with monotone slopes between them, constant beyond the first
    and last, in [0, 1].

    Parameters
    ----------
    control_points : ndarray of shape (m, 3)
        Checked control points (see :func:`check_control_points`).
    """

    def __init__(self, control_points: np.ndarray) -> None:
        self.control_points = control_points
        x, relevance, slopes = control_points.T
        slopes = monotone_slopes(x, relevance, slopes)
        width = np.diff(x)
        secant = np.diff(relevance) / width
        self._x = x
        self._relevance = relevance
        self._slope = slopes[:-1]
        self._quadratic = (3 * secant - 2 * slopes[:-1] - slopes[1:]) / width
        self._cubic = (slopes[:-1] - 2 * secant + slopes[1:]) / width**2

    def __call__(self, y: np.ndarray) -> np.ndarray:
        """The relevance of each value of ``y`` (float64)."""
        y = np.asarray(y, dtype=np.float64)
        x = self._x
        interval = np.clip(np.searchsorted(x, y, side="right") - 1, 0, len(x) - 2)
        s = np.clip(y, x[0], x[-1]) - x[interval]
        value = self._relevance[interval] + s * (
            self._slope[interval] + s * (self._quadratic[interval] + s * self._cubic[interval])
        )
        result: np.ndarray = np.clip(value, 0.0, 1.0)
        return result

    def __repr__(self) -> str:
        return f"Relevance(control_points={self.control_points.tolist()!r})"


def relevance_function(
    relevance: Any, sorted_y: np.ndarray, extremes: str, coefficient: float
) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray | None]:
    """The relevance function a sampler's ``relevance`` parameter asks for, fitted to
    sorted ``y``, and its control points (None for a callable)."""
    if isinstance(relevance, str):
        if relevance != "auto":
            raise ValueError(f"relevance must be 'auto', control points or a callable, got {relevance!r}")
        if extremes not in EXTREMES:
            raise ValueError(f"extremes must be one of {', '.join(map(repr, EXTREMES))}, got {extremes!r}")
        points = automatic_control_points(sorted_y, extremes, coefficient)
        return Relevance(points), points
    if callable(relevance):
        return relevance, None
    points = check_control_points(relevance)
    return Relevance(points), points


def relevance_of(function: Callable[[np.ndarray], np.ndarray], y: np.ndarray) -> np.ndarray:
    """``function(y)``, checked: one finite value in [0, 1] per value of ``y``."""
    values = np.asarray(function(y), dtype=np.float64)
    if values.shape != y.shape:
        raise ValueError(f"the relevance function returned shape {values.shape} for y of shape {y.shape}")
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise ValueError(
            "the relevance function must return values in [0, 1]; "
            f"it gave {values[at].item()!r} for y = {y[at].item()!r}"
        )
    return values
