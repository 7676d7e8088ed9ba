"""JSON: the tool's own payload under its schema id, plus measurements, findings and outcomes."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from assay.results import Finding, Measurement, Outcome, Result


def measurement_dict(m: Measurement) -> dict[str, Any]:
    """A measurement as a JSON-ready dict."""
    return {"name": m.name, "value": m.value, "labels": dict(m.labels), "unit": m.unit}


def finding_dict(f: Finding) -> dict[str, Any]:
    """A finding as a JSON-ready dict, fingerprint included."""
    return {
        "id": f.id,
        "severity": f.severity.value,
        "message": f.message,
        "location": asdict(f.location) if f.location else None,
        "remediation": f.remediation,
        "tool": f.tool,
        "fingerprint": f.key(),
        "properties": dict(f.properties),
    }


def outcome_dict(o: Outcome) -> dict[str, Any]:
    """An outcome as a JSON-ready dict."""
    return {"name": o.name, "status": o.status.value, "message": o.message, "details": dict(o.details)}


def result_document(result: Result) -> dict[str, Any]:
    """The JSON document of a result: schema, tool data, measurements, findings and outcomes."""
    doc: dict[str, Any] = {"schema": result.schema_id, "tool": result.tool}
    if result.summary:
        doc["summary"] = result.summary
    doc.update(result.data)
    doc.setdefault("measurements", [measurement_dict(m) for m in result.measurements])
    doc.setdefault("findings", [finding_dict(f) for f in result.findings])
    if result.outcomes:
        doc.setdefault("outcomes", [outcome_dict(o) for o in result.outcomes])
    return doc


class JsonWriter:
    """Writes results as JSON documents."""

    name = "json"

    def render(self, result: Result) -> str:
        """The result as indented JSON."""
        return json.dumps(result_document(result), indent=2, sort_keys=False, default=str) + "\n"
