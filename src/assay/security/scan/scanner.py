"""The static scan end to end: bandit on the code, the dependency audit (offline OSV database, safety
when configured), the baseline and ignore list, and one Result published as `assay.security-scan/1`."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assay.results import Finding, Measurement, Outcome, Result, Severity, Status
from assay.security.scan import audit as audit_mod
from assay.security.scan import collect as collect_mod
from assay.security.scan import database
from assay.security.scan.baseline import Accepted, match_ignore
from assay.security.scan.code import CodeScan, default_paths, scan_code
from assay.security.scan.config import IgnoreEntry, SafetySection
from assay.security.scan.model import Problem, Vulnerability
from assay.security.scan.safety import KEY_VARIABLE, SafetyRun, run_safety

log = logging.getLogger(__name__)

TOOL = "security-scan"
SCHEMA = "assay.security-scan/1"
DEPENDENCY_TOOL = "dependencies"


@dataclass(frozen=True)
class ScanOptions:
    """What a security scan covers: code paths, requirement sources and the advisory database."""

    root: Path
    paths: Sequence[str] = ()  # empty: src/ when it exists, else the root
    exclude: Sequence[str] = ()
    requirements: Sequence[Path] = ()
    db: Path | None = None
    code: bool = True
    deps: bool = True
    environment: bool = True
    pyproject: bool = True
    lockfiles: bool = True
    severity: str = "low"
    confidence: str = "low"
    honour_noqa: bool = True
    fail_on: Severity | None = None
    unknown_severity: Severity = Severity.HIGH
    safety: SafetySection = field(default_factory=lambda: SafetySection.model_validate({}))
    ignores: Mapping[str, IgnoreEntry] = field(default_factory=dict)
    baseline: Mapping[str, Accepted] = field(default_factory=dict)
    store_path: Path | None = None
    today: dt.date = field(default_factory=dt.date.today)


@dataclass
class DependencyAudit:
    """The outcome of auditing dependencies against the advisory database."""

    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    audited: int = 0
    sources: list[str] = field(default_factory=list)
    unpinned: list[str] = field(default_factory=list)
    database: database.DatabaseInfo | None = None
    safety: SafetyRun | None = None
    note: str = ""


def _safety_key(section: SafetySection) -> str | None:
    if section.api_key is not None:
        return section.api_key.get_secret_value() or None
    return os.environ.get(KEY_VARIABLE) or None


def audit_dependencies(options: ScanOptions) -> DependencyAudit:
    """Collect the dependencies and look each one up in the advisory database."""
    collected = collect_mod.collect(
        options.root,
        options.requirements,
        environment=options.environment,
        pyproject=options.pyproject,
        lockfiles=options.lockfiles,
    )
    deps = collect_mod.anchor(options.root, collect_mod.unique(collected.dependencies))
    out = DependencyAudit(
        problems=collected.problems,
        audited=len(deps),
        sources=collected.sources,
        unpinned=collected.unpinned,
    )
    db: database.AdvisoryDatabase | None = None
    if options.db is not None:
        db = database.open_directory(options.db, options.store_path)
    elif options.store_path is not None:
        db = database.open_imported(options.store_path)
    if db is not None:
        out.database = db.info
        advisories = db.advisories_for(d.name for d in deps)
        out.vulnerabilities = audit_mod.audit(deps, advisories, options.unknown_severity)
    key = _safety_key(options.safety)
    wanted = options.safety.enabled if options.safety.enabled is not None else bool(key or options.safety.db)
    if wanted:
        run = run_safety(
            deps,
            executable=options.safety.executable,
            key=key,
            mirror=options.safety.db,
            timeout=options.safety.timeout,
            unknown_severity=options.unknown_severity,
        )
        out.safety = run
        if run.ran:
            out.vulnerabilities = audit_mod.merge(out.vulnerabilities, run.vulnerabilities)
        else:
            log.warning("%s", run.status)
    if db is None and not (out.safety and out.safety.ran):
        out.note = (
            "no advisory database: pass --db DIR, set [tool.assay.security.scan] db, "
            "or run `assay security db update --from PATH_OR_URL`"
        )
        log.warning("dependency audit skipped: %s", out.note)
    return out


def vulnerability_finding(v: Vulnerability) -> Finding:
    """A finding for a vulnerable dependency, with the upgrade that fixes it."""
    aliases = f" ({', '.join(v.aliases)})" if v.aliases else ""
    fix = f"; fixed in {', '.join(v.fixed_in)}" if v.fixed_in else "; no fixed version known"
    summary = f": {v.summary}" if v.summary else ""
    if v.upgrade_to:
        remediation = f"Upgrade {v.package} to {v.upgrade_to} (the smallest version fixing every advisory)."
    else:
        remediation = (
            f"No release of {v.package} fixes every advisory; replace it or accept it with a reason."
        )
    return Finding(
        id=v.id,
        severity=v.severity,
        message=f"{v.package} {v.version} is affected by {v.id}{aliases}{summary}{fix}",
        location=v.location,
        remediation=remediation,
        tool=DEPENDENCY_TOOL,
        properties={
            "package": v.package,
            "version": v.version,
            "aliases": list(v.aliases),
            "fixed_in": list(v.fixed_in),
            "upgrade_to": v.upgrade_to,
            "source": v.source,
            "score": v.score,
            "rule_name": v.id,
            "rule_description": f"Known vulnerability {v.id} in {v.package}",
            "help_uri": f"https://osv.dev/vulnerability/{v.id}" if v.source != "safety" else "",
            "tags": ["security", "dependency", "vulnerability"],
            "scanner": v.source,
        },
        fingerprint=f"dependency|{v.package}|{v.version}|{v.id}",
    )


def problem_finding(p: Problem) -> Finding:
    """A low-severity finding for a dependency declaration that could not be audited."""
    return Finding(
        id=f"{TOOL}/{p.kind}",
        severity=Severity.LOW,
        message=p.message,
        location=p.location,
        remediation="Fix the declaration so it can be audited.",
        tool=DEPENDENCY_TOOL,
        properties={"rule_description": f"Dependency declaration not audited ({p.kind})", "scanner": TOOL},
        fingerprint=f"{TOOL}/{p.kind}|{p.location}|{p.message}",
    )


def _with(finding: Finding, **extra: Any) -> Finding:
    return replace(finding, properties={**finding.properties, **extra})


def _measurements(
    findings: Sequence[Finding],
    new: Sequence[Finding],
    vulns: Sequence[Vulnerability],
    tools: Sequence[str],
    audited: bool,
) -> list[Measurement]:
    out: list[Measurement] = []
    by_tool = Counter((f.tool, f.severity) for f in findings)
    for tool in tools:
        for sev in Severity:
            out.append(
                Measurement("security_findings", by_tool[(tool, sev)], {"tool": tool, "severity": sev.value})
            )
    new_counts = Counter(f.severity for f in new)
    for sev in Severity:
        out.append(Measurement("security_findings_new", new_counts[sev], {"severity": sev.value}))
    if not audited:
        return out  # no advisory source ran: advisories are "not measured", never a reassuring zero
    out.append(Measurement("security_vulnerable_packages", len({(v.package, v.version) for v in vulns})))
    advisories: dict[str, Severity] = {}
    for v in vulns:
        advisories[v.id] = max(advisories.get(v.id, v.severity), v.severity)
    adv_counts = Counter(advisories.values())
    for sev in Severity:
        out.append(Measurement("security_advisories", adv_counts[sev], {"severity": sev.value}))
    return out


def scan(options: ScanOptions) -> Result:
    """Run what is enabled and decide: new findings at or above fail_on, and expired ignores, fail."""
    outcomes: list[Outcome] = []
    raw: list[Finding] = []
    code: CodeScan | None = None
    tools: list[str] = []
    if options.code:
        code = scan_code(
            options.root,
            options.paths,
            exclude=options.exclude,
            severity=options.severity,
            confidence=options.confidence,
            honour_noqa=options.honour_noqa,
        )
        raw.extend(code.findings)
        tools.append("bandit")
        outcomes.append(
            Outcome("code", Status.PASS, f"bandit: {len(code.findings)} finding(s) in {code.files} file(s)")
        )
    else:
        outcomes.append(Outcome("code", Status.SKIP, "code scan disabled (--no-code)"))
    deps: DependencyAudit | None = None
    vuln_findings: list[Finding] = []
    if options.deps:
        deps = audit_dependencies(options)
        vuln_findings = [vulnerability_finding(v) for v in deps.vulnerabilities]
        raw.extend(vuln_findings)
        raw.extend(problem_finding(p) for p in deps.problems)
        tools.append(DEPENDENCY_TOOL)
        if deps.note:
            outcomes.append(Outcome("dependencies", Status.SKIP, deps.note))
        else:
            packages = len({(v.package, v.version) for v in deps.vulnerabilities})
            outcomes.append(
                Outcome(
                    "dependencies",
                    Status.WARN if deps.vulnerabilities else Status.PASS,
                    f"{packages} vulnerable of {deps.audited} audited package(s)",
                )
            )
        if deps.safety is not None:
            outcomes.append(
                Outcome("safety", Status.PASS if deps.safety.ran else Status.SKIP, deps.safety.status)
            )
    else:
        outcomes.append(Outcome("dependencies", Status.SKIP, "dependency audit disabled (--no-deps)"))

    findings: list[Finding] = []
    ignored: list[dict[str, Any]] = []
    ignored_keys: set[str] = set()
    expired: list[dict[str, Any]] = []
    new: list[Finding] = []
    for finding in raw:
        hit = match_ignore(finding, options.ignores, options.today)
        if hit is not None:
            entry = {
                "ignored_as": hit.key,
                "reason": hit.entry.reason,
                "expires": hit.entry.expires.isoformat() if hit.entry.expires else None,
            }
            if not hit.expired:
                ignored_keys.add(finding.key())
                ignored.append({"id": finding.id, "location": str(finding.location or ""), **entry})
                continue
            expired.append({"id": finding.id, **entry})
        accepted = options.baseline.get(finding.key())
        if accepted is not None:
            findings.append(_with(finding, baseline="accepted", accepted_reason=accepted.reason))
        else:
            findings.append(_with(finding, baseline="new"))
            new.append(finding)

    if expired:
        names = ", ".join(sorted({e["ignored_as"] for e in expired}))
        outcomes.append(
            Outcome("ignores", Status.FAIL, f"expired ignore(s): {names}; renew with a new date or fix")
        )
    failing: list[Finding] = []
    if options.fail_on is not None:
        failing = [f for f in new if f.severity >= options.fail_on]
        status = Status.FAIL if failing else Status.PASS
        outcomes.append(
            Outcome("fail-on", status, f"{len(failing)} new finding(s) at or above {options.fail_on.value}")
        )

    vulns = deps.vulnerabilities if deps else []
    vulns_shown = [v for v, f in zip(vulns, vuln_findings, strict=True) if f.key() not in ignored_keys]
    data: dict[str, Any] = {
        "root": str(options.root),
        "code": {
            "enabled": options.code,
            "paths": list(options.paths) or default_paths(options.root),
            "files": code.files if code else 0,
            "skipped": [{"path": p, "reason": r} for p, r in code.skipped] if code else [],
            "suppressed": code.suppressed if code else [],
            "bandit_config": str(code.settings.config_file) if code and code.settings.config_file else None,
        },
        "dependencies": {
            "enabled": options.deps,
            "audited": deps.audited if deps else 0,
            "sources": deps.sources if deps else [],
            "unpinned": deps.unpinned if deps else [],
            "problems": len(deps.problems) if deps else 0,
            "note": deps.note if deps else "",
        },
        "database": deps.database.to_json() if deps and deps.database else None,
        "safety": {"ran": deps.safety.ran, "status": deps.safety.status} if deps and deps.safety else None,
        "vulnerabilities": [v.to_json() for v in vulns_shown],
        "ignored": ignored,
        "expired_ignores": expired,
        "baseline": {"accepted": len(findings) - len(new)},
        "new": len(new),
        "fail_on": options.fail_on.value if options.fail_on else None,
    }
    packages = len({(v.package, v.version) for v in vulns_shown})
    summary = (
        f"{len(findings)} finding(s), {len(new)} new"
        + (f" ({len(failing)} at or above {options.fail_on.value})" if options.fail_on else "")
        + (f"; {packages} vulnerable package(s) of {deps.audited} audited" if deps and not deps.note else "")
        + (f"; {len(ignored)} ignored" if ignored else "")
    )
    return Result(
        tool=TOOL,
        measurements=tuple(
            _measurements(findings, new, vulns_shown, tools, audited=deps is not None and not deps.note)
        ),
        findings=tuple(findings),
        outcomes=tuple(outcomes),
        schema=SCHEMA,
        data=data,
        title="assay security scan",
        summary=summary,
    )
