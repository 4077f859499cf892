"""Plain-text formatting shared by the messages, the command line, the diagnostics and
the benchmark: sizes in bytes, and tables of aligned columns."""

from __future__ import annotations

from collections.abc import Sequence


def format_bytes(n_bytes: int) -> str:
    """``n_bytes`` in binary units, for messages (``'1.50 GiB'``)."""
    size = float(n_bytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{n_bytes:,} B" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def aligned_rows(rows: Sequence[Sequence[str]]) -> list[str]:
    """The lines of a plain-text table: the first column left-aligned, the others
    right-aligned, two spaces apart, without trailing spaces."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    return [
        "  ".join(
            [row[0].ljust(widths[0]), *(cell.rjust(w) for cell, w in zip(row[1:], widths[1:]))]
        ).rstrip()
        for row in rows
    ]
