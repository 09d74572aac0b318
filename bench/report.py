"""Collect figures and targets, print the table, write ``bench/results.json`` and ``bench/RESULTS.md``.

Every number in the outputs comes from a measurement of this run; targets are evaluated from those numbers
by code (`Results.target`), never typed in.
"""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_JSON = BENCH_DIR / "results.json"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
README = BENCH_DIR.parent / "README.md"
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


@dataclass
class Row:
    section: str
    metric: str
    unit: str
    ours: float | None
    official: float | None = None
    ratio: float | None = None
    note: str = ""


@dataclass
class Target:
    section: str
    text: str
    measured: str
    met: bool | None
    """None: could not be evaluated in this run (e.g. the official server was unavailable)."""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def add(
        self,
        section: str,
        metric: str,
        unit: str,
        ours: float | None,
        official: float | None = None,
        *,
        ratio: float | None = None,
        note: str = "",
    ) -> Row:
        """One figure; the ratio defaults to ours/official when both exist (pass a paired ratio when there is one)."""
        if ratio is None and _real(ours) and _real(official) and official:
            assert ours is not None and official is not None
            ratio = ours / official
        row = Row(section, metric, unit, _clean(ours), _clean(official), _clean(ratio), note)
        self.rows.append(row)
        return row

    def target(self, section: str, text: str, measured: float | None, test: Callable[[float], bool], fmt: str) -> None:
        """Evaluate ``test`` on a measured value; a missing or NaN value leaves the target unevaluated."""
        if measured is None or not _real(measured):
            self.targets.append(Target(section, text, "not measured", None))
            return
        self.targets.append(Target(section, text, fmt.format(measured), bool(test(measured))))

    def check(self, section: str, text: str, measured: str, met: bool | None) -> None:
        """A target whose outcome is a count or a yes/no computed by the caller."""
        self.targets.append(Target(section, text, measured, met))

    def note(self, text: str) -> None:
        """A one-line note (answers quoted in notes may hold newlines or tables: they are flattened)."""
        flat = " ⏎ ".join(line.strip() for line in text.strip().splitlines() if line.strip())
        self.notes.append(flat.replace("|", "¦") if len(flat) <= 400 else flat[:399].replace("|", "¦") + "…")

    def to_json(self) -> dict[str, Any]:
        return {
            **self.meta,
            "figures": [asdict(row) for row in self.rows],
            "targets": [asdict(target) for target in self.targets],
            "notes": self.notes,
            "details": self.details,
        }


def _real(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _clean(value: float | None) -> float | None:
    return value if _real(value) else None


def fmt_number(value: float | None) -> str:
    if value is None:
        return "–"
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if float(value).is_integer() and magnitude >= 1:
        return f"{int(value):,}".replace(",", " ")
    if magnitude >= 100:
        return f"{value:,.0f}".replace(",", " ")
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3g}×"


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "n/a"}[met]


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gib: float | None = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
    }


def render_text(results: Results) -> str:
    """The printed table: one block per section, then the targets."""
    lines: list[str] = []
    headers = ("metric", "unit", "ours", "official", "ratio")
    body = [
        (r.section, r.metric, r.unit, fmt_number(r.ours), fmt_number(r.official), fmt_ratio(r.ratio))
        for r in results.rows
    ]
    widths = [max([len(h)] + [len(row[i + 1]) for row in body]) for i, h in enumerate(headers)]
    section = None
    for row in body:
        if row[0] != section:
            section = row[0]
            lines.append("")
            lines.append(section)
            lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
        cells = row[1:]
        lines.append(
            "  "
            + "  ".join(
                cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
    lines.append("")
    lines.append("Targets")
    lines.extend(f"  [{_verdict(t.met):>6}] {t.text}: {t.measured}" for t in results.targets)
    if results.notes:
        lines.append("")
        lines.append("Notes")
        lines.extend(f"  - {note}" for note in results.notes)
    return "\n".join(lines)


def render_markdown(results: Results) -> str:
    meta = results.meta
    machine = meta.get("machine", {})
    versions = meta.get("versions", {})
    out = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand. Reproduce with `make bench` from a",
        "clean checkout with `../shared` beside it (node ≥ 20 and npm for the comparison).",
        "Raw figures: `bench/results.json`.",
        "",
        f"Run: {meta.get('started', '?')}, {fmt_number(meta.get('duration_s'))} s in all. "
        f"Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
        f"{machine.get('memory_gib', '?')} GiB, {machine.get('platform', '?')}.",
        "Versions: " + ", ".join(f"{key} {value}" for key, value in versions.items()) + ".",
        "",
        "| figure | metric | unit | ours | official | ratio |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for row in results.rows:
        metric = row.metric + (f" ({row.note})" if row.note else "")
        out.append(
            f"| {row.section} | {metric} | {row.unit} | {fmt_number(row.ours)} | {fmt_number(row.official)} "
            f"| {fmt_ratio(row.ratio)} |"
        )
    out += ["", "## Targets", "", "| figure | target | measured | verdict |", "| --- | --- | --- | --- |"]
    for target in results.targets:
        out.append(f"| {target.section} | {target.text} | {target.measured} | {_verdict(target.met)} |")
    if results.notes:
        out += ["", "## Notes", ""]
        out += [f"- {note}" for note in results.notes]
    methods = meta.get("methods", {})
    if methods:
        out += ["", "## How each figure is measured", ""]
        out += [f"- **{figure}**: {text}" for figure, text in methods.items()]
    return "\n".join(out) + "\n"


def render_readme_section(results: Results) -> str:
    """The README's Performance figures: the run, then every target with its measured figure."""
    meta = results.meta
    out = [
        f"Latest run: {meta.get('started', '?')} ({fmt_number(meta.get('duration_s'))} s), "
        + ", ".join(f"{key} {value}" for key, value in meta.get("versions", {}).items())
        + ". Written by `make bench`, not by hand.",
        "",
        "| figure | target | measured | verdict |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| {t.section} | {t.text} | {t.measured} | {_verdict(t.met)} |" for t in results.targets]
    return "\n".join(out)


def update_readme(results: Results) -> None:
    """Replace what stands between the README's bench markers (left alone when the markers are absent)."""
    if not README.exists():
        return
    text = README.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return
    section = render_readme_section(results)
    README.write_text(text[: start + len(README_START)] + "\n" + section + "\n" + text[end:])


def write_outputs(results: Results) -> None:
    tmp = RESULTS_JSON.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results.to_json(), indent=2, ensure_ascii=False, default=str) + "\n")
    tmp.replace(RESULTS_JSON)
    RESULTS_MD.write_text(render_markdown(results))
    update_readme(results)
