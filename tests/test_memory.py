"""Requests that cannot fit in memory fail at once, before anything is allocated, with
a ``MemoryError`` that states the size."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from samplers import CASES

import fast_smote
from fast_smote import _format, _memory

OVER_SAMPLERS = [
    name for name, case in CASES.items() if case.kind in ("interpolating", "copies", "categorical")
]


def _data():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 3, size=(300, 4)).astype(np.float64)
    y = np.repeat([0, 1], [240, 60])
    return X, y


def _asking_a_trillion_rows(name):
    return CASES[name].make(4, random_state=0, sampling_strategy={1: 10**12})


@pytest.mark.parametrize("name", OVER_SAMPLERS)
def test_a_trillion_rows_fail_at_once_with_the_size(name):
    X, y = _data()
    sampler = _asking_a_trillion_rows(name)
    with pytest.raises(MemoryError, match=r"would need about [\d.]+ TiB") as caught:
        sampler.fit_resample(X, y)
    assert isinstance(caught.value, fast_smote.MemoryBudgetError)
    assert "1,000,000,000,240 rows" in str(caught.value)


#: Refuses a trillion rows with every over-sampler in a fresh process and prints how far
#: its peak memory grew past the peak of the imports and the data.
REFUSALS_IN_A_FRESH_PROCESS = """
import resource, sys
import fast_smote
from test_memory import _asking_a_trillion_rows, _data

X, y = _data()
samplers = [_asking_a_trillion_rows(name) for name in sys.argv[1:]]
peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for sampler in samplers:
    try:
        sampler.fit_resample(X, y)
    except fast_smote.MemoryBudgetError:
        pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before)
"""


def test_the_refusals_allocate_nothing():
    # In a fresh process, so that the peak before the calls is only the imports' and
    # the data's (an earlier test's larger peak would hide any allocation here).
    tests = Path(__file__).resolve().parent
    result = subprocess.run(
        [sys.executable, "-c", REFUSALS_IN_A_FRESH_PROCESS, *OVER_SAMPLERS],
        capture_output=True,
        text=True,
        check=True,
        cwd=tests,
        env={**os.environ, "PYTHONPATH": str(tests)},
    )
    grown_kib = int(result.stdout)
    assert grown_kib < 50_000, f"the peak memory grew by {grown_kib:,} KiB"


def test_the_combinations_refuse_through_their_over_sampler():
    X, y = _data()
    for combined in (fast_smote.SMOTETomek, fast_smote.SMOTEENN):
        with pytest.raises(fast_smote.MemoryBudgetError):
            combined(sampling_strategy={1: 10**12}, random_state=0).fit_resample(X, y)
    with pytest.raises(fast_smote.MemoryBudgetError):
        fast_smote.resample(X, y, sampling_strategy={1: 10**13})


def test_the_estimate_counts_output_provenance_frames_and_the_search(monkeypatch):
    X, y = _data()
    n_new = 1_000_000
    # Output 1 000 300 rows x 4 float64 + provenance (16 + 8 bytes a row) + search copy.
    needed = 1_000_300 * 32 + n_new * 24 + 2 * 240 * 5 * 8
    monkeypatch.setattr(_memory, "available_bytes", lambda: needed)
    strategy = {1: 60 + n_new}
    fast_smote.SMOTE(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    monkeypatch.setattr(_memory, "available_bytes", lambda: needed - 1)
    with pytest.raises(fast_smote.MemoryBudgetError, match=re.escape("1,000,300 rows of 4 float64")):
        fast_smote.SMOTE(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    # A DataFrame is handed back as a second copy of the output.
    monkeypatch.setattr(_memory, "available_bytes", lambda: needed + 1_000_300 * 32 - 1)
    with pytest.raises(fast_smote.MemoryBudgetError):
        fast_smote.SMOTE(sampling_strategy=strategy, random_state=0).fit_resample(pd.DataFrame(X), y)


def test_unknown_memory_checks_nothing(monkeypatch):
    X, y = _data()
    monkeypatch.setattr(_memory, "available_bytes", lambda: None)
    X_res, _ = fast_smote.SMOTE(sampling_strategy={1: 1000}, random_state=0).fit_resample(X, y)
    assert len(X_res) == 300 + 940


def test_available_memory_is_read_from_the_machine():
    available = _memory.available_bytes()
    assert available is not None and 0 < available
    with open("/proc/meminfo") as meminfo:
        total_kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    with open("/proc/meminfo") as meminfo:
        swap_kib = int(next(line for line in meminfo if line.startswith("SwapTotal")).split()[1])
    assert available <= (total_kib + swap_kib) * 1024


def test_sizes_read_in_binary_units():
    assert _format.format_bytes(512) == "512 B"
    assert _format.format_bytes(3 * 2**30 // 2) == "1.50 GiB"
    assert _format.format_bytes(8 * 10**12) == "7.28 TiB"
