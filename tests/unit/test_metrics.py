"""The metric catalogue, the exporter's families, the textfile writer and the generated docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from assay.metrics import (
    CATALOGUE,
    COUNTER,
    Catalogue,
    MetricSpec,
    registry_for,
    render,
    store_source,
    write_textfile,
)
from assay.results import Measurement, Result
from assay.store import Store
from assay.vcs import RepoInfo

REPO_ROOT = Path(__file__).resolve().parents[2]
REPO = RepoInfo(root=Path("/r"), commit="a" * 40, branch="main", dirty=False, is_git=True)


def parse(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return out


def test_docs_metrics_md_is_generated_from_the_catalogue() -> None:
    committed = (REPO_ROOT / "docs" / "metrics.md").read_text()
    assert committed.strip() == CATALOGUE.to_markdown().strip(), (
        "run `make docs` to regenerate docs/metrics.md"
    )


def test_catalogue_rejects_duplicates_and_unknown_types() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Catalogue([MetricSpec("a", "gauge", "h"), MetricSpec("a", "gauge", "h")])
    with pytest.raises(ValueError, match="unknown type"):
        Catalogue([MetricSpec("a", "summary", "h")])


def test_counters_are_exposed_with_total_suffix() -> None:
    counters = [s for s in CATALOGUE if s.type == COUNTER]
    assert counters, "the monitor's counters are in the catalogue"
    for spec in counters:
        assert spec.name.endswith("_total")
        assert CATALOGUE.exposed_names(spec.name)[0] == spec.name


def test_store_measurements_become_labelled_families(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store(db) as store:
        store.record(
            Result(
                tool="security-scan",
                measurements=(
                    Measurement("security_findings", 3, {"tool": "bandit", "severity": "high"}),
                    Measurement("security_findings", 1, {"tool": "bandit", "severity": "low"}),
                ),
            ),
            REPO,
        )
        store.record(
            Result(tool="coverage", measurements=(Measurement("test_coverage_overall", 42.0),)), REPO
        )
        store.record(
            Result(tool="coverage", measurements=(Measurement("test_coverage_overall", 91.0),)), REPO
        )
    samples = parse(render(registry_for([store_source(db)])).decode())
    assert samples["test_coverage_overall"] == [({}, 91.0)]  # only the latest run counts
    assert sorted(samples["security_findings"], key=lambda s: s[1]) == [
        ({"tool": "bandit", "severity": "low"}, 1.0),
        ({"tool": "bandit", "severity": "high"}, 3.0),
    ]
    tools = {labels["tool"] for labels, _ in samples["assay_last_run_timestamp_seconds"]}
    assert tools == {"coverage", "security-scan"}
    assert samples["assay_build_info"][0][1] == 1.0


def test_missing_store_exports_only_build_info(tmp_path: Path) -> None:
    samples = parse(render(registry_for([store_source(tmp_path / "none.db")])).decode())
    assert set(samples) == {"assay_build_info"}
    assert not (tmp_path / "none.db").exists()


def test_textfile_is_written_atomically_and_parses(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store(db) as store:
        store.record(
            Result(tool="coverage", measurements=(Measurement("test_coverage_overall", 77.0),)), REPO
        )
    target = tmp_path / "textfile" / "assay.prom"
    write_textfile(target, registry_for([store_source(db)]))
    assert parse(target.read_text())["test_coverage_overall"] == [({}, 77.0)]
    assert [p.name for p in target.parent.iterdir()] == ["assay.prom"]  # no temp file left behind
