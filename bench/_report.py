"""Figures and their Markdown table."""

from __future__ import annotations

import resource
from dataclasses import dataclass

__all__ = ["Figure", "peak_rss_mb", "print_table"]


@dataclass(frozen=True, slots=True)
class Figure:
    benchmark: str
    measure: str
    value: str
    note: str = ""


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(figures: list[Figure]) -> None:
    print("| benchmark | measure | value | note |")
    print("|---|---|---|---|")
    for figure in figures:
        print(f"| {figure.benchmark} | {figure.measure} | {figure.value} | {figure.note} |")
