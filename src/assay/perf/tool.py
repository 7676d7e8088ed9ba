"""Turn samples and decisions into Results: measurement runs, comparisons, history, bisect."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assay.perf import SCHEMA, TOOL
from assay.perf.samples import BenchmarkSamples
from assay.perf.stats import Decision, Rule, Summary, Verdict, decide, summarize, untested
from assay.results import Measurement, Outcome, Result, Status

VERDICT_STATUS = {
    Verdict.REGRESSION: Status.FAIL,
    Verdict.IMPROVEMENT: Status.PASS,
    Verdict.UNCHANGED: Status.PASS,
    Verdict.INCONCLUSIVE: Status.WARN,
    Verdict.ERROR: Status.ERROR,
    Verdict.MISSING: Status.SKIP,
}
ROLLBACK_DOC = "docs/rollback.md#performance-baselines"


def fmt_seconds(value: float) -> str:
    """A duration in seconds in human units (s, ms, us, ns); ``-`` for NaN."""
    if math.isnan(value):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def short_name(name: str) -> str:
    """`benchmarks/bench_x.py::test_a` -> `bench_x.py::test_a` for tables; JSON keeps the node id."""
    path, sep, rest = name.partition("::")
    return f"{path.rsplit('/', 1)[-1]}{sep}{rest}"


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def measurement_result(
    benchmarks: Mapping[str, BenchmarkSamples], *, kind: str, source: Mapping[str, Any]
) -> Result:
    """A run of the suite (or an imported JSON): one duration per benchmark, samples in `data`."""
    measurements: list[Measurement] = []
    outcomes: list[Outcome] = []
    rows: list[dict[str, Any]] = []
    for name, bench in sorted(benchmarks.items()):
        s = summarize(bench.samples)
        row: dict[str, Any] = {"name": name, **s.as_dict(), "error": bench.error}
        rows.append(row)
        if bench.ok:
            measurements.append(
                Measurement("performance_test_duration_seconds", s.median, {"benchmark": name}, "seconds")
            )
            detail = f"median {fmt_seconds(s.median)}, IQR {fmt_seconds(s.iqr)}, n={s.n}"
            outcomes.append(Outcome(short_name(name), Status.PASS, detail))
        else:
            outcomes.append(Outcome(short_name(name), Status.ERROR, bench.error or "no samples"))
    failed = sum(1 for b in benchmarks.values() if not b.ok)
    summary = f"{len(benchmarks) - failed} benchmarks measured" + (f", {failed} failed" if failed else "")
    return Result(
        tool=TOOL,
        schema=SCHEMA,
        title=f"assay perf {kind}",
        summary=summary,
        measurements=tuple(measurements),
        outcomes=tuple(outcomes),
        data={"kind": kind, "source": dict(source), "benchmarks": rows},
    )


@dataclass(frozen=True)
class Compared:
    """The comparison of one benchmark: the decision and both sides' samples."""

    name: str
    decision: Decision
    base: BenchmarkSamples
    head: BenchmarkSamples


def compare_all(
    base: Mapping[str, BenchmarkSamples],
    head: Mapping[str, BenchmarkSamples],
    rule: Rule,
    *,
    base_problem: str = "",
) -> list[Compared]:
    """One decision per benchmark seen on either side; failures are verdicts, not crashes."""
    out: list[Compared] = []
    for name in sorted(set(base) | set(head)):
        b = base.get(name, BenchmarkSamples(name))
        h = head.get(name, BenchmarkSamples(name))
        problem, verdict = "", Verdict.ERROR
        if h.error:
            problem = f"failed in head: {h.error}"
        elif b.error:
            problem = f"failed in base: {b.error}"
        elif name not in head:
            problem, verdict = "not in head (removed?)", Verdict.MISSING
        elif name not in base:
            problem, verdict = (
                "not in base" + (" (base did not run)" if base_problem else " (new?)"),
                Verdict.MISSING,
            )
        if problem:
            decision = untested(verdict, summarize(b.samples), summarize(h.samples), problem)
        else:
            decision = decide(b.samples, h.samples, rule)
        out.append(Compared(name, decision, b, h))
    return out


def _side(summary: Summary, bench: BenchmarkSamples) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "median": _finite(summary.median),
        "iqr": _finite(summary.iqr),
        "n": summary.n,
        "samples": list(bench.samples),
    }
    if bench.groups:
        doc["rounds"] = list(bench.groups)
    if bench.error:
        doc["error"] = bench.error
    return doc


def _message(c: Compared, confidence: float) -> str:
    d = c.decision
    if d.verdict == Verdict.ERROR or d.ratio is None:
        return d.reason
    ci = ""
    if d.ci_low is not None and d.ci_high is not None and math.isfinite(d.ci_low):
        ci = f", {confidence:.0%} CI {(d.ci_low - 1) * 100:+.1f}%..{(d.ci_high - 1) * 100:+.1f}%"
    return (
        f"{d.verdict.value}: {fmt_seconds(d.base.median)} -> {fmt_seconds(d.head.median)} "
        f"({d.reason}{ci}; n={d.base.n}/{d.head.n})"
    )


def comparison_result(
    compared: Sequence[Compared],
    rule: Rule,
    *,
    mode: str,
    base_info: Mapping[str, Any],
    head_info: Mapping[str, Any],
    notes: Sequence[str] = (),
) -> Result:
    """The Result of a perf comparison: an outcome and measurements per benchmark."""
    measurements: list[Measurement] = []
    outcomes: list[Outcome] = []
    rows: list[dict[str, Any]] = []
    counts = {v: 0 for v in Verdict}
    confidence = 1.0 - rule.alpha
    for c in compared:
        d = c.decision
        counts[d.verdict] += 1
        labels = {"benchmark": c.name}
        if c.head.ok:
            measurements.append(
                Measurement("performance_test_duration_seconds", d.head.median, labels, "seconds")
            )
        if d.verdict != Verdict.ERROR:
            measurements.append(
                Measurement(
                    "performance_test_regression_detected", float(d.verdict == Verdict.REGRESSION), labels
                )
            )
        if d.ratio is not None:
            measurements.append(Measurement("performance_test_ratio", d.ratio, labels, "ratio"))
        if d.p_value is not None:
            measurements.append(Measurement("performance_test_p_value", d.p_value, labels))
        outcomes.append(Outcome(short_name(c.name), VERDICT_STATUS[d.verdict], _message(c, confidence)))
        rows.append(
            {
                "name": c.name,
                "base": _side(d.base, c.base),
                "head": _side(d.head, c.head),
                "ratio": _finite(d.ratio),
                "ci_low": _finite(d.ci_low),
                "ci_high": _finite(d.ci_high),
                "p_value": d.p_value,
                "verdict": d.verdict.value,
                "reason": d.reason,
            }
        )
    measurements.append(Measurement("performance_regressions", counts[Verdict.REGRESSION]))
    measurements.append(Measurement("performance_improvements", counts[Verdict.IMPROVEMENT]))
    measurements.append(Measurement("performance_inconclusive", counts[Verdict.INCONCLUSIVE]))
    parts = [f"{counts[v]} {v.value}" for v in Verdict if counts[v]]
    summary = (
        f"{', '.join(parts) or 'no benchmarks'} "
        f"(base {base_info.get('label', '')!s} vs head {head_info.get('label', '')!s})"
    )
    if counts[Verdict.INCONCLUSIVE]:
        summary += "; inconclusive benchmarks need more rounds (--rounds)"
    if notes:
        summary += "\n" + "\n".join(f"note: {n}" for n in notes)
    return Result(
        tool=TOOL,
        schema=SCHEMA,
        title=f"assay perf {mode}",
        summary=summary,
        measurements=tuple(measurements),
        outcomes=tuple(outcomes),
        data={
            "kind": mode,
            "rule": {
                "regression_threshold": rule.threshold,
                "alpha": rule.alpha,
                "confidence": confidence,
                "min_samples": rule.min_samples,
                "bootstrap_resamples": rule.resamples,
                "bootstrap_seed": rule.seed,
                "test": "mann-whitney-u two-sided",
                "ci": "percentile bootstrap of median(head)/median(base)",
            },
            "base": dict(base_info),
            "head": dict(head_info),
            "notes": list(notes),
            "counts": {v.value: counts[v] for v in Verdict},
            "benchmarks": rows,
        },
    )


def regressions(result: Result) -> list[str]:
    """Names of the benchmarks a perf result marks as regressions."""
    return [b["name"] for b in result.data.get("benchmarks", []) if b.get("verdict") == Verdict.REGRESSION]


# -- history ---------------------------------------------------------------------------------------


def trend(previous: float | None, current: float, flat: float) -> str:
    """``up``, ``down`` or ``flat`` (change within ``flat``) versus the previous value; ``-`` without one."""
    if previous is None or previous <= 0:
        return "-"
    change = current / previous - 1.0
    if change > flat:
        return "up"
    if change < -flat:
        return "down"
    return "flat"


def history_result(name: str, points: Sequence[Mapping[str, Any]], flat: float) -> Result:
    """`points`: oldest first, each with commit, finished_at, samples (and dirty, run_id)."""
    rows: list[dict[str, Any]] = []
    outcomes: list[Outcome] = []
    previous: float | None = None
    for p in points:
        s = summarize(p["samples"])
        direction = trend(previous, s.median, flat)
        change = None if previous is None or previous == 0 else s.median / previous - 1.0
        rows.append(
            {
                **{k: v for k, v in p.items() if k != "samples"},
                **s.as_dict(),
                "trend": direction,
                "change": change,
            }
        )
        label = f"{str(p['commit'])[:12]}{' (dirty)' if p.get('dirty') else ''}"
        text = f"median {fmt_seconds(s.median)}, n={s.n}, {direction}"
        if change is not None:
            text += f" {change * 100:+.1f}%"
        outcomes.append(Outcome(label, Status.WARN if direction == "up" else Status.PASS, text))
        previous = s.median
    overall = trend(rows[0]["median"], rows[-1]["median"], flat) if len(rows) > 1 else "-"
    return Result(
        tool=TOOL,
        schema=SCHEMA,
        title=f"assay perf history {name}",
        summary=f"{len(rows)} stored runs of {name}; trend first->last: {overall} (flat within ±{flat:.0%})",
        outcomes=tuple(outcomes),
        data={"kind": "history", "benchmark": name, "flat": flat, "overall": overall, "points": rows},
    )


# -- bisect -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BisectStep:
    """One commit tested during a perf bisect, and whether it was stored or measured."""

    commit: str
    verdict: str
    ratio: float | None
    p_value: float | None
    source: str  # "stored" or "measured"


def bisect(
    commits: Sequence[str],
    good: BenchmarkSamples,
    measure: Callable[[str], tuple[BenchmarkSamples, str]],
    rule: Rule,
) -> tuple[str | None, list[BisectStep]]:
    """First commit in `commits` (oldest first, the last one bad) whose samples regress against `good`.

    A commit counts as slow when it is a regression against good *and* its median is nearer the bad
    commit's than good's (past the geometric midpoint): commits measured minutes apart on a busy
    machine drift, and the step being hunted is what separates good from bad.
    Returns None when the last commit is not a regression against good at all.
    """
    if not commits:
        return None, []
    steps: list[BisectStep] = []
    seen: dict[str, tuple[BenchmarkSamples, str]] = {}

    def measured(commit: str) -> tuple[BenchmarkSamples, str]:
        if commit not in seen:
            seen[commit] = measure(commit)
        return seen[commit]

    def is_bad(index: int) -> bool:
        samples, source = measured(commits[index])
        if not samples.ok:
            steps.append(BisectStep(commits[index], "error", None, None, source))
            # A commit where the benchmark cannot run cannot be judged; treat it as good and move on.
            return False
        d = decide(good.samples, samples.samples, rule)
        slow = d.verdict == Verdict.REGRESSION and (d.ratio or 0.0) >= midpoint
        verdict = d.verdict.value if slow or d.verdict != Verdict.REGRESSION else "nearer good"
        steps.append(BisectStep(commits[index], verdict, d.ratio, d.p_value, source))
        return slow

    midpoint = math.inf
    last = measured(commits[-1])[0]
    if last.ok:
        good_median, bad_median = summarize(good.samples).median, summarize(last.samples).median
        midpoint = math.sqrt(bad_median / good_median) if good_median > 0 else 1.0
    if not is_bad(len(commits) - 1):
        return None, steps
    lo, hi = -1, len(commits) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if is_bad(mid):
            hi = mid
        else:
            lo = mid
    return commits[hi], steps


def bisect_result(
    benchmark: str, good: str, bad: str, first_bad: str | None, subject: str, steps: Sequence[BisectStep]
) -> Result:
    """The Result of a perf bisect: the first bad commit and an outcome per tested commit."""
    outcomes = [
        Outcome(
            s.commit[:12],
            Status.FAIL if s.verdict == Verdict.REGRESSION else Status.PASS,
            f"{s.verdict}"
            + (f", ratio {s.ratio:.3f}" if s.ratio is not None else "")
            + (f", p={s.p_value:.2g}" if s.p_value is not None else "")
            + f" ({s.source})",
        )
        for s in steps
    ]
    data: dict[str, Any] = {
        "kind": "bisect",
        "benchmark": benchmark,
        "good": good,
        "bad": bad,
        "first_bad": first_bad,
        "steps": [s.__dict__ for s in steps],
    }
    if first_bad is None:
        summary = f"{benchmark}: {bad[:12]} is not a regression against {good[:12]}; nothing to bisect"
    else:
        rollback = f"git revert --no-edit {first_bad}"
        data["subject"] = subject
        data["rollback"] = {"command": rollback, "procedure": ROLLBACK_DOC}
        summary = (
            f"{benchmark}: first slow commit {first_bad[:12]} {subject!r}. "
            f"Roll back with `{rollback}` (procedure: {ROLLBACK_DOC})"
        )
    return Result(
        tool=TOOL,
        schema=SCHEMA,
        title="assay perf bisect",
        summary=summary,
        outcomes=tuple(outcomes),
        data=data,
    )
