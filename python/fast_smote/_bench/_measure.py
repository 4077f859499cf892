"""Measuring a call: time (best of runs in a budget), peak memory from /proc, background
load; and the CPU it ran on."""

from __future__ import annotations

import contextlib
import gc
import math
import os
import platform
import time
from dataclasses import dataclass
from typing import Any, Callable


def cpu_description() -> str:
    """The CPU's model name and its widest vector extension (avx512f, avx2), named next
    to every table."""
    model, flags = platform.processor() or "unknown CPU", set()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    vectors = "avx512f" if "avx512f" in flags else "avx2 only" if "avx2" in flags else "no avx2"
    return f"{model} ({vectors})"


@dataclass(frozen=True)
class Effort:
    """How long to keep repeating a measurement.

    Runs repeat until ``budget`` seconds have passed (always at least one run, at most
    ``max_repeats``), and the best time is kept; a run longer than the budget is
    therefore measured once.
    """

    budget: float
    max_repeats: int


FULL = Effort(budget=2.0, max_repeats=7)


QUICK = Effort(budget=1.0, max_repeats=3)


def _status_kib(field_name: str) -> int:
    """A ``kB`` field of ``/proc/self/status`` such as ``VmRSS``."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field_name} field")


class BackgroundLoad:
    """Context manager measuring how busy other processes kept the CPUs meanwhile.

    ``cores`` (set on exit) is the CPU time of every other process on the machine
    per second of wall time: 0 on a quiet machine, and anything much above 0 means
    the times of this block were measured with competition for the cores.
    """

    cores: float | None = None

    @staticmethod
    def _machine_busy_seconds() -> float:
        with open("/proc/stat") as stat:
            ticks = [int(t) for t in stat.readline().split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = ticks[:8]
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own_busy_seconds() -> float:
        own = os.times()
        return own.user + own.system

    def __enter__(self) -> BackgroundLoad:
        self._start = (
            time.perf_counter(),
            self._machine_busy_seconds(),
            self._own_busy_seconds(),
        )
        return self

    def __exit__(self, *exc_info: Any) -> None:
        wall, machine, own = self._start
        others = (self._machine_busy_seconds() - machine) - (self._own_busy_seconds() - own)
        self.cores = max(others, 0.0) / (time.perf_counter() - wall)


class PeakMemory:
    """Context manager recording the peak resident memory above the level on entry.

    The kernel's high-water mark is reset on entry (Linux >= 4.0), so the peak is
    exact rather than sampled. ``extra_bytes`` is set on exit.
    """

    extra_bytes: int | None = None

    def __enter__(self) -> PeakMemory:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        self._baseline_kib = _status_kib("VmRSS")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.extra_bytes = (_status_kib("VmHWM") - self._baseline_kib) * 1024


def timed(call: Callable[[], Any], memory: PeakMemory | None = None) -> float:
    """Seconds ``call()`` takes, optionally under ``memory``; its result is dropped."""
    gc.collect()
    with memory if memory is not None else contextlib.nullcontext():
        start = time.perf_counter()
        call()
        return time.perf_counter() - start


def best_of(
    measure: Callable[[bool], dict[str, float]], effort: Effort, min_runs: int = 1
) -> tuple[dict[str, float], int]:
    """Per-key minimum of ``measure(first_run)`` over repeated runs, and the run count.

    At least ``min_runs`` runs happen whatever the budget.
    """
    best: dict[str, float] = {}
    runs = 0
    start = time.perf_counter()
    while runs < min_runs or (runs < effort.max_repeats and time.perf_counter() - start < effort.budget):
        for key, seconds in measure(runs == 0).items():
            best[key] = min(seconds, best.get(key, math.inf))
        runs += 1
    return best, runs


def best_seconds(call: Callable[[], Any], effort: Effort, min_runs: int = 1) -> float:
    """Best time of ``call()`` within ``effort``, over at least ``min_runs`` runs."""
    return best_of(lambda first: {"seconds": timed(call)}, effort, min_runs)[0]["seconds"]
