"""Small statistics and the report: every figure beside its baseline, as a ratio."""

from __future__ import annotations

import json
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else 0.0,
    }


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        print(render(figure), flush=True)

    def write(self) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / time.strftime("bench-%Y%m%d-%H%M%S.json")
        document = {
            "machine": {"python": platform.python_version(), "cpus": _cpus()},
            "figures": [asdict(f) | {"ratio": f.ratio} for f in self.figures],
            "details": self.details,
        }
        path.write_text(json.dumps(document, indent=2, default=str))
        return path


def render(figure: Figure) -> str:
    value = f"{figure.value:,.2f} {figure.unit}"
    if figure.baseline is None:
        return f"{figure.name:<58} {value:>18}   {figure.note}"
    ratio = f"{figure.ratio:.2f}x" if figure.ratio is not None else "n/a"
    base = f"{figure.baseline:,.2f} {figure.unit} ({figure.baseline_name})"
    return f"{figure.name:<58} {value:>18}   baseline {base}   ratio {ratio}   {figure.note}"


def _cpus() -> int:
    import os

    return os.cpu_count() or 0
