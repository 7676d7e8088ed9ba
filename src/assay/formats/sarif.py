"""SARIF 2.1.0 for code-scanning upload: one rule per finding id, results with locations."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import assay
from assay.results import Finding, Location, Result, Severity, Status

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning reads `security-severity` (0.0-10.0) to rank alerts.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _rule(finding: Finding) -> dict[str, Any]:
    props: dict[str, Any] = {"security-severity": SECURITY_SEVERITY[finding.severity]}
    tags = list(finding.properties.get("tags", []))
    cwe = finding.properties.get("cwe")
    if cwe:
        tags.append(f"external/cwe/cwe-{str(cwe).removeprefix('CWE-')}")
    if tags:
        props["tags"] = tags
    rule: dict[str, Any] = {
        "id": finding.id,
        "name": str(finding.properties.get("rule_name", finding.id)),
        "shortDescription": {"text": str(finding.properties.get("rule_description", finding.id))},
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
        "properties": props,
    }
    if finding.remediation:
        rule["help"] = {"text": finding.remediation, "markdown": finding.remediation}
    if finding.properties.get("help_uri"):
        rule["helpUri"] = str(finding.properties["help_uri"])
    return rule


# GitHub code scanning rejects a whole upload when any result lacks a location, so a finding about
# the repository as a whole is anchored at line 1 of this file (overridable per Result).
DEFAULT_ANCHOR = "pyproject.toml"


def _result(finding: Finding, index: int, anchor: str = DEFAULT_ANCHOR) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": index,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message or finding.id},
        "partialFingerprints": {"assay/v1": hashlib.sha256(finding.key().encode()).hexdigest()[:32]},
    }
    location = finding.location or Location(anchor, 1)
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": location.path.replace("\\", "/"), "uriBaseId": "%SRCROOT%"}
    }
    if location.line is not None and location.line >= 1:
        region: dict[str, Any] = {"startLine": location.line}
        if location.end_line and location.end_line >= location.line:
            region["endLine"] = location.end_line
        if location.column and location.column >= 1:
            region["startColumn"] = location.column
        physical["region"] = region
    out["locations"] = [{"physicalLocation": physical}]
    return out


def outcome_findings(result: Result) -> list[Finding]:
    """Failing outcomes without findings of their own become findings, so a gate shows in SARIF too."""
    out = []
    for o in result.outcomes:
        if o.status in (Status.FAIL, Status.ERROR, Status.WARN):
            sev = Severity.MEDIUM if o.status == Status.WARN else Severity.HIGH
            out.append(
                Finding(
                    id=f"{result.tool}/{o.name}", severity=sev, message=o.message or o.name, tool=result.tool
                )
            )
    return out


def sarif_document(result: Result) -> dict[str, Any]:
    """The result as a SARIF 2.1.0 document, findings (or failed outcomes) as results."""
    findings = list(result.findings) or outcome_findings(result)
    anchor = str(result.meta.get("sarif_anchor", DEFAULT_ANCHOR))
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for f in findings:
        if f.id not in index:
            index[f.id] = len(rules)
            rules.append(_rule(f))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": f"assay {result.tool}",
                        "version": assay.version(),
                        "informationUri": "https://pypi.org/project/assay/",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"assay/{result.tool}/"},
                "results": [_result(f, index[f.id], anchor) for f in findings],
            }
        ],
    }


class SarifWriter:
    """Writes results as SARIF."""

    name = "sarif"

    def render(self, result: Result) -> str:
        """The result as an indented SARIF JSON document."""
        return json.dumps(sarif_document(result), indent=2) + "\n"
