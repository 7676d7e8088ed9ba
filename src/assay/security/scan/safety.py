"""safety, when configured: run `safety check` as a bounded subprocess and read its JSON report.

safety needs its service (or a database mirror). Whatever goes wrong (not installed, no network,
a timeout, an unreadable report) becomes one line of status and the scan continues offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.results import Severity
from assay.security.scan.audit import version_key
from assay.security.scan.cvss import severity_of
from assay.security.scan.model import Dependency, Vulnerability, normalize

KEY_VARIABLE = "SAFETY_API_KEY"


@dataclass(frozen=True)
class SafetyRun:
    """What safety contributed: vulnerabilities, or why it could not (status is one line)."""

    ran: bool
    status: str
    vulnerabilities: tuple[Vulnerability, ...] = field(default=())


def parse_report(
    doc: Mapping[str, Any], dependencies: Sequence[Dependency], unknown_severity: Severity
) -> list[Vulnerability]:
    """Vulnerabilities from safety's `check --output json` report."""
    where = {(d.name, d.version): d for d in dependencies}
    out: list[Vulnerability] = []
    for item in doc.get("vulnerabilities") or []:
        if not isinstance(item, Mapping):
            continue
        package = normalize(str(item.get("package_name", "")))
        version = str(item.get("analyzed_version", ""))
        if not package or not version:
            continue
        cve = item.get("CVE") or item.get("cve")
        aliases = tuple(a for a in (cve,) if isinstance(a, str) and a)
        score: float | None = None
        severity_doc = item.get("severity")
        if isinstance(severity_doc, Mapping):
            cvss = severity_doc.get("cvssv3") or severity_doc.get("cvssv2")
            if isinstance(cvss, Mapping) and isinstance(cvss.get("base_score"), int | float):
                score = float(cvss["base_score"])
        fixed = tuple(sorted((str(v) for v in item.get("fixed_versions") or []), key=version_key))
        dep = where.get((package, version))
        advisory = str(item.get("advisory") or "").strip().splitlines()
        out.append(
            Vulnerability(
                package=package,
                version=version,
                id=f"SAFETY-{item.get('vulnerability_id', '?')}",
                aliases=aliases,
                fixed_in=fixed,
                severity=severity_of(score) if score is not None else unknown_severity,
                source="safety",
                summary=advisory[0][:300] if advisory else "",
                score=score,
                upgrade_to=fixed[0] if fixed else None,
                dependency_source=dep.source if dep else "",
                location=dep.location if dep else None,
            )
        )
    return out


def _first_json(text: str) -> Any:
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON report in safety's output")
    decoded, _ = json.JSONDecoder().raw_decode(text[start:])
    return decoded


def run_safety(
    dependencies: Sequence[Dependency],
    *,
    executable: str,
    key: str | None,
    mirror: str | None,
    timeout: float,
    unknown_severity: Severity,
) -> SafetyRun:
    """Run safety over the pinned dependencies; never raises, never waits longer than `timeout`."""
    # The safety installed beside assay (its venv need not be on PATH) before any other on PATH.
    beside = Path(sys.executable).with_name(executable)
    program = str(beside) if os.sep not in executable and beside.is_file() else shutil.which(executable)
    if program is None:
        return SafetyRun(False, f"safety not available: {executable!r} is not installed")
    env = dict(os.environ)
    if key:
        env[KEY_VARIABLE] = key  # through the environment, never on a command line others can read
    with tempfile.TemporaryDirectory(prefix="assay-safety-") as tmp:
        reqs = Path(tmp) / "requirements.txt"
        reqs.write_text("".join(f"{d.name}=={d.version}\n" for d in dependencies), encoding="utf-8")
        argv = [program, "--disable-optional-telemetry", "check", "-r", str(reqs), "--output", "json"]
        if mirror:
            argv += ["--db", mirror]
        try:
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                stdin=subprocess.DEVNULL,
                cwd=tmp,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return SafetyRun(False, f"safety did not answer within {timeout:g}s; continuing offline")
        except OSError as exc:
            return SafetyRun(False, f"safety could not start: {exc.strerror or exc}; continuing offline")
    try:
        doc = _first_json(proc.stdout)
        if not isinstance(doc, Mapping) or "vulnerabilities" not in doc:
            raise ValueError("safety's report has no vulnerabilities list")
    except ValueError:
        last = next(
            (line.strip() for line in reversed((proc.stderr or proc.stdout).splitlines()) if line.strip()),
            f"exit code {proc.returncode}",
        )
        return SafetyRun(False, f"safety could not reach its service ({last[:200]}); continuing offline")
    vulns = parse_report(doc, dependencies, unknown_severity)
    return SafetyRun(True, f"safety reported {len(vulns)} vulnerabilities", tuple(vulns))
