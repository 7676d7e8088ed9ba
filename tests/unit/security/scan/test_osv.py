"""OSV range evaluation, smallest fixes and CVSS scores, table-driven against the OSV schema's rules."""

from __future__ import annotations

import pytest
from packaging.version import Version

from assay.results import Severity
from assay.security.scan.cvss import base_score, severity_of
from assay.security.scan.osv import MalformedAdvisory, is_affected, parse_advisory, smallest_fix


def _doc(
    ranges: list[list[dict[str, str]]] | None = None, versions: list[str] | None = None, **extra: object
):
    affected: dict[str, object] = {"package": {"name": "Demo_Pkg", "ecosystem": "PyPI"}}
    if ranges is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events} for events in ranges]
    if versions is not None:
        affected["versions"] = versions
    return {"id": "PYSEC-0000-1", "aliases": ["CVE-0000-1"], "affected": [affected], **extra}


TWO_WINDOWS = [[{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}, {"fixed": "2.5"}]]


@pytest.mark.parametrize(
    ("ranges", "version", "expected"),
    [
        ([[{"introduced": "0"}, {"fixed": "2.20.0"}]], "2.19.0", True),
        ([[{"introduced": "0"}, {"fixed": "2.20.0"}]], "2.20.0", False),
        ([[{"introduced": "0"}, {"fixed": "2.20.0"}]], "2.20.0rc1", True),
        ([[{"introduced": "5.1"}, {"fixed": "5.3.1"}]], "5.0", False),
        ([[{"introduced": "5.1"}, {"last_affected": "5.3"}]], "5.3", True),
        ([[{"introduced": "5.1"}, {"last_affected": "5.3"}]], "5.3.post1", False),
        (TWO_WINDOWS, "1.7", False),
        (TWO_WINDOWS, "2.1", True),
        (TWO_WINDOWS, "3.0", False),
        ([[{"introduced": "1.0"}]], "99.0", True),
        ([[{"introduced": "1.0"}, {"limit": "2.0"}]], "2.1", False),
        ([[{"fixed": "2.5"}, {"introduced": "2.0"}]], "2.2", True),  # events in any order
    ],
)
def test_ecosystem_ranges(ranges: list[list[dict[str, str]]], version: str, expected: bool) -> None:
    (advisory,) = parse_advisory(_doc(ranges))
    assert is_affected(advisory, Version(version)) is expected


def test_explicit_versions_list_matches_normalised_versions() -> None:
    (advisory,) = parse_advisory(_doc(versions=["1.0", "1.1.0"]))
    assert advisory.package == "demo-pkg"
    assert is_affected(advisory, Version("1.1"))
    assert not is_affected(advisory, Version("1.2"))


def test_smallest_fix_covers_every_advisory() -> None:
    first = parse_advisory(_doc([[{"introduced": "0"}, {"fixed": "1.2"}]]))[0]
    second = parse_advisory(_doc([[{"introduced": "1.0"}, {"fixed": "1.4"}]]))[0]
    assert smallest_fix(Version("1.1"), [first, second]) == "1.4"
    open_ended = parse_advisory(_doc([[{"introduced": "1.0"}]]))[0]
    assert smallest_fix(Version("1.1"), [first, open_ended]) is None


@pytest.mark.parametrize(
    "doc",
    [
        "not a mapping",
        {"affected": []},
        {"id": "X-1"},
        _doc([[{"introduced": "not a version!"}, {"fixed": "2"}]]),
        _doc([[{"fixed": "2"}]]),
        _doc([[{"introduced": "0", "fixed": "2"}]]),
        _doc([[{"bogus": "1"}]]),
        _doc([]),
    ],
)
def test_malformed_advisories_raise_for_the_loader_to_count(doc: object) -> None:
    with pytest.raises(MalformedAdvisory):
        parse_advisory(doc, "x.yaml")


def test_other_ecosystems_and_withdrawn_are_ignored() -> None:
    npm = {
        "id": "GHSA-1",
        "affected": [{"package": {"name": "left-pad", "ecosystem": "npm"}, "versions": ["1"]}],
    }
    assert parse_advisory(npm) == []
    assert parse_advisory(_doc(versions=["1.0"], withdrawn="2024-01-01T00:00:00Z")) == []


def test_severity_from_cvss_vector_or_database_specific() -> None:
    (scored,) = parse_advisory(
        _doc(
            versions=["1"],
            severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
        )
    )
    assert (scored.severity, scored.score) == (Severity.HIGH, 7.5)
    (named,) = parse_advisory(_doc(versions=["1"], database_specific={"severity": "MODERATE"}))
    assert named.severity == Severity.MEDIUM
    (unscored,) = parse_advisory(_doc(versions=["1"]))
    assert unscored.severity is None


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
    ],
)
def test_cvss3_base_scores(vector: str, score: float) -> None:
    assert base_score(vector) == score


def test_unreadable_vectors_and_ratings() -> None:
    assert base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") is None
    assert base_score("CVSS:3.1/AV:X/AC:L") is None
    assert [severity_of(s) for s in (9.0, 7.0, 4.0, 0.1, 0.0)] == [
        Severity.CRITICAL,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.LOW,
        Severity.INFO,
    ]
