"""The ``smogn`` package (0.1.2, GPL-3), the reference ``fast_smote.regression`` is
compared with in its tests and benchmark, adapted at run time (nothing of it is copied
here).

smogn 0.1.2 predates NumPy 2: it calls ``np.quantile(..., interpolation=)`` and turns
one-element arrays into numbers. Its modules get a NumPy that still does both, changing
nothing else.

One departure from the paper is mended too: the target of an interpolated row is meant
to weight the parents' targets by the new row's distance to each, but smogn assigns
those distances feature by feature instead of adding them up, so that the last
assignment wins, and the last column is the target itself, read from its output before
it is written (uninitialised memory). Its source is patched when loaded so that the
distances add up over the features, the target left out, as the paper says. With smogn
as shipped, the new targets' distribution differs (KS p = 2e-5 on the log-normal data of
tests/test_regression_parity.py).

smogn's other departures (see ``fast_smote.regression.SMOGN``) are left as they are;
callers choose data where they do not show: positive features (it clips features with a
positive value at 0), and y scaled down (``target_scale``: its distances take y among
the features).
"""

from __future__ import annotations

import importlib
import inspect
import random
import sys
import types
import warnings
from typing import Any, Callable

import numpy as np


def _module_like(original: types.ModuleType, **overrides: Any) -> types.ModuleType:
    """A module with ``original``'s public names, some of them replaced."""
    shim = types.ModuleType(f"{original.__name__}_for_smogn")
    shim.__dict__.update(
        {name: getattr(original, name) for name in dir(original) if not name.startswith("__")}
    )
    shim.__dict__.update(overrides)
    return shim


def _quantile(a: Any, q: Any, interpolation: str = "linear", **kwargs: Any) -> Any:
    return np.quantile(a, q, method=interpolation, **kwargs)  # type: ignore[call-overload]


def _scalar_draws(draw: Callable[..., Any]) -> Callable[..., Any]:
    """``draw`` giving a number, not a one-element array, for ``size=1``."""

    def wrapped(*args: Any, size: Any = None, **kwargs: Any) -> Any:
        values = draw(*args, size=size, **kwargs)
        return values[0] if size == 1 else values

    return wrapped


def _paper_target_weights(module: types.ModuleType) -> None:
    """Re-runs smogn's ``over_sampling`` module with the parents' distances summed over
    the features (the target, its last column, left out)."""
    source = inspect.getsource(module)
    loop = "for z in feat_list_num:"
    if not source.count(loop) == source.count("a = abs(") == source.count("b = abs(") == 2:
        raise RuntimeError("this is not smogn 0.1.2's over_sampling module: it cannot be patched")
    lines = []
    for line in source.splitlines(keepends=True):
        if line.strip() == loop:
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(f"{indent}a = b = 0\n{indent}for z in feat_list_num[:-1]:\n")
        else:
            lines.append(line.replace("a = abs(", "a += abs(").replace("b = abs(", "b += abs("))
    exec(compile("".join(lines), str(module.__file__), "exec"), module.__dict__)


#: smogn once adapted (adapting twice would patch the patched source).
_ADAPTED: list[types.ModuleType] = []


def load_smogn() -> types.ModuleType:
    """smogn, adapted (once per process)."""
    if _ADAPTED:
        return _ADAPTED[0]
    smogn = importlib.import_module("smogn")
    over_sampling = sys.modules["smogn.over_sampling"]
    _paper_target_weights(over_sampling)
    sys.modules["smogn.smoter"].over_sampling = over_sampling.over_sampling  # type: ignore[attr-defined]
    random_module = _module_like(
        np.random, choice=_scalar_draws(np.random.choice), normal=_scalar_draws(np.random.normal)
    )
    sys.modules["smogn.box_plot_stats"].np = _module_like(np, quantile=_quantile)  # type: ignore[attr-defined]
    over_sampling.np = _module_like(np, random=random_module)  # type: ignore[attr-defined]
    _ADAPTED.append(smogn)
    return smogn


def smogn_new_rows(
    X: np.ndarray, y: np.ndarray, *, seed: int, target_scale: float = 1.0, **params: Any
) -> tuple[np.ndarray, np.ndarray]:
    """The new rows and targets ``smogn.smoter`` makes for ``X, y`` (without
    undersampling it returns the new rows only), seeded by ``seed``; its distances see
    ``y * target_scale``. ``params`` are ``smoter``'s (``k``, ``pert``, ``rel_coef``...)."""
    import pandas as pd

    smogn = load_smogn()
    columns = [f"x{j}" for j in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns).assign(target=y * target_scale)
    np.random.seed(seed)
    random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made = smogn.smoter(data=frame, y="target", under_samp=False, **params)
    return made[columns].to_numpy(), made["target"].to_numpy() / target_scale
