"""Running the measurements in fresh processes forked from a server that has imported everything."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

from ._cases import PRELOAD, Case
from ._family import FamilyCase, FamilyResult, family_task
from ._measure import BackgroundLoad, Effort
from ._peers import reference_task
from ._results import CaseResult
from ._samplers import fast_smote_task, imblearn_task


def _with_background_load(task: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    with BackgroundLoad() as load:
        result = task(*args)
    result["background_cores"] = load.cores
    return result


class Runner:
    """Runs each task in a fresh process forked from a server that preloaded the libraries."""

    def __init__(self, effort: Effort) -> None:
        self.effort = effort
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(PRELOAD)

    def fresh(self, task: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        """``task(*args)`` in a new process, with the background load it ran under."""
        with ProcessPoolExecutor(max_workers=1, mp_context=self.context) as pool:
            return pool.submit(_with_background_load, task, *args).result()

    def run(self, case: Case) -> CaseResult:
        """Every measurement of one case, each in its own process."""
        return CaseResult(
            case=case,
            imblearn=self.fresh(imblearn_task, case, self.effort),
            fast_smote=self.fresh(fast_smote_task, case, self.effort, None),
            reference=self.fresh(reference_task, case, self.effort),
            fast_smote_serial=(self.fresh(fast_smote_task, case, self.effort, 1) if case.scaling else None),
        )

    def run_family(self, case: FamilyCase) -> FamilyResult:
        """Both libraries on one family case, each in its own process."""
        return FamilyResult(
            case=case,
            imblearn=self.fresh(family_task, case, "imblearn", self.effort),
            fast_smote=self.fresh(family_task, case, "fast_smote", self.effort),
        )
