"""The accepted-findings baseline (every entry has a reason) and the ignore list with expiry dates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.results import Finding, Location, Severity
from assay.security.scan.baseline import load_baseline, match_ignore, update_baseline
from assay.security.scan.config import IgnoreEntry


def _finding(fid: str, line: int = 1, **props: object) -> Finding:
    return Finding(
        fid, Severity.HIGH, "msg", Location("src/a.py", line), properties=props, fingerprint=f"{fid}|{line}"
    )


def test_update_needs_a_reason_and_keeps_earlier_reasons(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    with pytest.raises(InputError, match="--reason"):
        update_baseline(path, [_finding("B602")], {}, None)
    assert not path.exists()
    assert update_baseline(path, [_finding("B602")], {}, "trusted input only") == (1, 0)
    first = load_baseline(path)
    added, dropped = update_baseline(path, [_finding("B602"), _finding("B108", 2)], first, "tmp path is ours")
    assert (added, dropped) == (1, 0)
    reasons = {e.id: e.reason for e in load_baseline(path).values()}
    assert reasons == {"B602": "trusted input only", "B108": "tmp path is ours"}
    assert update_baseline(path, [], load_baseline(path), None) == (0, 2)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"schema": "other/1"}),
        json.dumps(
            {"schema": "assay.security-baseline/1", "accepted": [{"fingerprint": "x", "reason": " "}]}
        ),
    ],
)
def test_bad_baseline_files_are_input_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(text)
    with pytest.raises(InputError):
        load_baseline(path)


def test_ignore_matches_ids_aliases_and_package_and_expires() -> None:
    today = dt.date(2026, 6, 1)
    ignores = {
        "CVE-2018-18074": IgnoreEntry(reason="not reachable", expires=dt.date(2026, 12, 31)),
        "B602": IgnoreEntry(reason="old", expires=dt.date(2026, 1, 1)),
        "PYSEC-1": IgnoreEntry(reason="only for foo", package="Foo_Bar"),
    }
    vuln = _finding("PYSEC-2018-28", aliases=["CVE-2018-18074"], package="requests")
    hit = match_ignore(vuln, ignores, today)
    assert hit is not None and hit.key == "CVE-2018-18074" and not hit.expired
    expired = match_ignore(_finding("B602"), ignores, today)
    assert expired is not None and expired.expired
    assert match_ignore(_finding("PYSEC-1", package="bar"), ignores, today) is None
    assert match_ignore(_finding("PYSEC-1", package="foo-bar"), ignores, today) is not None
