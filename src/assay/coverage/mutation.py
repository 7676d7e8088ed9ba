"""Mutation testing through mutmut 3: only the functions changed since a base ref, within a time
budget, with killed/survived/timeout/no-tests per module, the score, and each survivor's diff."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assay.errors import ToolError

# mutmut's own exit-code -> status table (mutmut/stats.py), kept here so reading results
# never imports mutmut into assay's process.
STATUS_BY_EXIT_CODE: dict[int | None, str] = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    2: "interrupted",
    None: "not checked",
    33: "no tests",
    34: "skipped",
    35: "suspicious",
    36: "timeout",
    37: "caught by type check",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    -11: "segfault",
    -9: "segfault",
}
CLASS_SEPARATOR = "ǁ"  # mutmut names methods x<sep>Class<sep>method


@dataclass(frozen=True)
class Survivor:
    """A mutant that no test killed, with where it is and its diff."""

    mutant: str
    path: str
    line: int | None
    function: str
    diff: str


@dataclass
class MutationReport:
    """The outcome of a mutation testing run: statuses per mutant and module, and the survivors."""

    available: bool
    reason: str = ""  # why not available / why nothing ran
    selected: list[str] = field(default_factory=list)  # mutant name globs given to mutmut
    statuses: dict[str, str] = field(default_factory=dict)  # mutant -> status
    by_module: dict[str, Counter[str]] = field(default_factory=dict)
    survivors: list[Survivor] = field(default_factory=list)
    budget_exhausted: bool = False
    duration: float = 0.0

    @property
    def counts(self) -> Counter[str]:
        """Mutant statuses counted over all modules."""
        total: Counter[str] = Counter()
        for c in self.by_module.values():
            total.update(c)
        return total

    @property
    def score(self) -> float | None:
        """Killed / (killed + survived), in percent; None when no mutant was decided."""
        c = self.counts
        decided = c["killed"] + c["survived"]
        return None if decided == 0 else 100.0 * c["killed"] / decided

    def as_dict(self) -> dict[str, object]:
        """The report as a JSON-ready dict."""
        return {
            "available": self.available,
            "reason": self.reason,
            "selected": self.selected,
            "score": None if self.score is None else round(self.score, 4),
            "counts": dict(self.counts),
            "modules": {m: dict(c) for m, c in sorted(self.by_module.items())},
            "survivors": [
                {"mutant": s.mutant, "path": s.path, "line": s.line, "function": s.function, "diff": s.diff}
                for s in self.survivors
            ],
            "budget_exhausted": self.budget_exhausted,
            "duration_seconds": round(self.duration, 3),
        }


def _find_mutmut() -> str | None:
    """mutmut beside assay's interpreter (its virtualenv) first, then on PATH."""
    return shutil.which("mutmut", path=str(Path(sys.executable).parent)) or shutil.which("mutmut")


def availability() -> str:
    """Why mutmut cannot run here, or "" when it can."""
    if not hasattr(os, "fork"):
        return "mutation testing not available: mutmut 3 needs os.fork (Linux/macOS), this platform has none"
    if _find_mutmut() is None:
        return "mutation testing not available: mutmut is not installed (pip install 'mutmut>=3')"
    return ""


def mutmut_module(path: str) -> str:
    """The module name mutmut gives a source file: dotted path, "src." stripped, __init__ dropped."""
    dotted = path[: -len(".py")] if path.endswith(".py") else path
    dotted = dotted.replace("/", ".").removeprefix("src.")
    return dotted.removesuffix(".__init__")


def changed_functions(root: Path, base: str) -> dict[str, list[str]]:
    """{module: [function or Class.method]} of non-test Python files changed since `base`."""
    from assay.coverage.diff import changed_lines
    from assay.coverage.source import SourceError, analyse_source

    _, changes, _ = changed_lines(root, base)
    out: dict[str, list[str]] = {}
    for path, lines in sorted(changes.items()):
        name = Path(path).name
        if not path.endswith(".py") or name.startswith("test_") or name == "conftest.py":
            continue
        try:
            info = analyse_source((root / path).read_text(encoding="utf-8"), path)
        except (OSError, UnicodeDecodeError, SourceError):
            continue
        for region in info.regions:
            if region.kind != "function" or region.nested:
                continue
            if not lines.isdisjoint(range(region.start, region.end + 1)):
                out.setdefault(mutmut_module(path), []).append(region.name.split("@")[0])
    return out


def mutant_globs(module: str, functions: list[str]) -> list[str]:
    """mutmut mutant-name patterns for functions ("f", "Class.method") of a module."""
    out = []
    for name in functions:
        parts = name.split(".")
        if len(parts) == 1:
            out.append(f"{module}.x_{parts[0]}__mutmut_*")
        elif len(parts) == 2:
            out.append(f"{module}.x{CLASS_SEPARATOR}{parts[0]}{CLASS_SEPARATOR}{parts[1]}__mutmut_*")
        # deeper nesting: mutmut mutates nested functions as part of their enclosing function
    return out


def run_mutmut(root: Path, globs: list[str] | None, *, budget: float | None = None) -> MutationReport:
    """Run `mutmut run` (all mutants, or those matching `globs`) and read back what it decided."""
    reason = availability()
    if reason:
        return MutationReport(available=False, reason=reason)
    if globs is not None and not globs:
        return MutationReport(available=True, reason="no changed functions to mutate")
    mutmut = _find_mutmut() or "mutmut"
    args = [mutmut, "run", *(globs or [])]
    env = {**os.environ, "PYTHONWARNINGS": "ignore::UserWarning"}
    started = time.monotonic()
    exhausted = False
    # Its own session, so a spent budget stops mutmut and every worker it forked.
    proc = subprocess.Popen(
        args,
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        exhausted = True
        _stop(proc)
        output, _ = proc.communicate()
    duration = time.monotonic() - started
    if not exhausted and proc.returncode != 0:
        tail = " | ".join(line.strip() for line in _clean(output).splitlines()[-3:] if line.strip())
        raise ToolError(f"mutmut run exited {proc.returncode}: {tail[:300] or 'no output'}")
    report = read_results(root, globs)
    report.selected = list(globs or [])
    report.budget_exhausted = exhausted
    report.duration = duration
    if exhausted:
        report.reason = f"budget of {budget:g}s spent; results cover the mutants mutmut finished"
    survived = [name for name in sorted(report.statuses) if report.statuses[name] == "survived"]
    report.survivors = [_survivor(root, mutmut, name) for name in survived[:50]]
    return report


def _stop(proc: subprocess.Popen[str]) -> None:
    # SIGINT first: mutmut saves what it decided so far; then make sure nothing is left running.
    for sig, wait in ((signal.SIGINT, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _clean(text: str) -> str:
    # mutmut redraws a spinner with carriage returns; keep the final state of each line.
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.splitlines())


def read_results(root: Path, globs: list[str] | None = None) -> MutationReport:
    """Statuses from mutmut's mutants/**/*.meta files, restricted to `globs` when given."""
    import fnmatch

    report = MutationReport(available=True)
    meta_root = root / "mutants"
    for meta in sorted(meta_root.rglob("*.meta")):
        try:
            doc = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        for name, code in (doc.get("exit_code_by_key") or {}).items():
            if globs and not any(fnmatch.fnmatchcase(name, g) for g in globs):
                continue
            status = STATUS_BY_EXIT_CODE.get(code, "suspicious")
            report.statuses[name] = status
            module = name.split(".x_")[0].split(f".x{CLASS_SEPARATOR}")[0]
            report.by_module.setdefault(module, Counter())[status] += 1
    return report


def _survivor(root: Path, mutmut: str, name: str) -> Survivor:
    try:
        proc = subprocess.run(
            [mutmut, "show", name], cwd=root, capture_output=True, text=True, timeout=60, check=False
        )
        diff = proc.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        diff = ""
    body = diff[diff.find("--- ") :] if "--- " in diff else diff
    path, offset = _diff_location(body)
    mangled = name.rsplit("__mutmut_", 1)[0].split(".")[-1]
    function = mangled.removeprefix("x_").replace(CLASS_SEPARATOR, ".").strip(".")
    line = None
    if path and offset is not None:
        def_line = _def_line(root / path, function)
        line = def_line + offset - 1 if def_line else None
    return Survivor(name, path, line, function, body)


def _def_line(path: Path, function: str) -> int | None:
    from assay.coverage.source import SourceError, analyse_source

    try:
        info = analyse_source(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, SourceError):
        return None
    for region in info.regions:
        if region.kind == "function" and region.name == function:
            return region.def_line
    return None


def _diff_location(diff: str) -> tuple[str, int | None]:
    """(file, first changed line counted from the function's first line) of `mutmut show` output."""
    path = ""
    line: int | None = None
    for text in diff.splitlines():
        if text.startswith("--- ") and not path:
            path = text[4:].strip().removeprefix("a/").removeprefix("mutants/")
        elif text.startswith("+++ "):
            continue
        elif text.startswith("@@"):
            try:
                line = int(text.split("-", 1)[1].split(",")[0].split(" ")[0])
            except (IndexError, ValueError):
                return path, None
        elif line is not None:
            if text.startswith(("-", "+")):
                return path, line
            line += 1
    return path, None
