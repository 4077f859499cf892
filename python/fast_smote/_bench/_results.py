"""What a side-by-side measurement records, for the tables and the JSON report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ._cases import Case


class SideBySide:
    """Both libraries' results on one case, and the ratios the tables and JSON show."""

    imblearn: dict[str, Any]
    fast_smote: dict[str, Any]

    def output_bytes(self, result: dict[str, Any]) -> int:
        """Size of the X that ``result``'s sampler returned."""
        raise NotImplementedError

    def background_cores(self) -> float:
        """The most CPU other processes used during any of this case's measurements."""
        raise NotImplementedError

    def ratio(self, sampler: str) -> float:
        """Peak extra memory of ``sampler`` over the size of the X it returned."""
        result: dict[str, Any] = getattr(self, sampler)
        peak_extra_bytes: int = result["peak_extra_bytes"]
        return peak_extra_bytes / self.output_bytes(result)

    def with_ratios(self, out: dict[str, Any]) -> dict[str, Any]:
        """``out`` (the JSON of this case) with each library's memory ratio and the speed-up."""
        for sampler in ("imblearn", "fast_smote"):
            out[sampler]["memory_over_output"] = self.ratio(sampler)
        out["speed_up"] = self.imblearn["seconds"] / self.fast_smote["seconds"]
        return out


@dataclass
class CaseResult(SideBySide):
    """Everything measured for one case."""

    case: Case
    imblearn: dict[str, Any]
    fast_smote: dict[str, Any]
    reference: dict[str, Any]
    fast_smote_serial: dict[str, Any] | None = None

    def output_bytes(self, result: dict[str, Any]) -> int:
        return self.case.output_bytes

    def background_cores(self) -> float:
        """The most CPU other processes used during any of this case's measurements."""
        tasks = (self.imblearn, self.fast_smote, self.reference, self.fast_smote_serial)
        cores: list[float] = [task["background_cores"] for task in tasks if task is not None]
        return max(cores)

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json``, with the derived ratios."""
        out = asdict(self)
        out["case"].update(id=self.case.id, output_bytes=self.case.output_bytes)
        return self.with_ratios(out)
