"""One measured number, its baseline from the same run, and whether it meets its target."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["met", "not met", "skipped", "info"]


@dataclass
class Result:
    """A row of the table. `ratio` is value / baseline, both measured in the same run."""

    scenario: str  # e.g. "P1 throughput"
    metric: str  # what `value` is, e.g. "answers/s"
    value: float | None
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""  # human-readable, e.g. ">= 1.5x baseline"
    met: bool | None = None  # None: no target, or skipped
    skipped: str | None = None  # why the scenario did not run
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def status(self) -> Status:
        if self.skipped is not None:
            return "skipped"
        if self.met is None:
            return "info"
        return "met" if self.met else "not met"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["status"] = self.status
        return data


FIELDS = ("scenario", "metric", "value", "baseline", "ratio", "target", "status")


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def table(results: list[Result]) -> str:
    """A plain-text table: scenario, measured value, baseline, ratio, target, met / not met."""
    rows = [("scenario", "measured", "baseline", "ratio", "target", "status")]
    for r in results:
        measured = "-" if r.value is None else f"{_num(r.value)} {r.metric}"
        base = "-" if r.baseline is None else f"{_num(r.baseline)} ({r.baseline_name})"
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
        status = r.status if r.skipped is None else f"skipped: {r.skipped}"
        rows.append((r.scenario, measured, base, ratio, r.target, status))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[i].ljust(widths[i]) for i in range(len(widths))] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    return "\n".join(lines)
