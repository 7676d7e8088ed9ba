"""The offline advisory database: the real PyPA snapshot, the store cache, malformed and missing input."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.results import Severity
from assay.security.scan import database
from assay.security.scan.audit import audit
from assay.security.scan.model import Dependency
from conftest import ADVISORY_DB

GOOD = {
    "id": "DEMO-2024-1",
    "aliases": ["CVE-2024-0001"],
    "affected": [
        {
            "package": {"name": "demo", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1"}]}],
        }
    ],
}


def _fixture_db(root: Path) -> Path:
    vulns = root / "vulns" / "demo"
    vulns.mkdir(parents=True)
    (vulns / "DEMO-2024-1.json").write_text(json.dumps(GOOD))
    (vulns / "DEMO-2024-2.yaml").write_text(
        "id: DEMO-2024-2\naffected:\n- package: {name: demo, ecosystem: PyPI}\n"
        "  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: 'not a version!'\n"
    )
    (vulns / "broken.yaml").write_text("id: [unclosed\n")
    return root


def test_real_snapshot_flags_known_vulnerable_pins(tmp_path: Path) -> None:
    db = database.open_directory(ADVISORY_DB, None)
    assert db.info.advisories > 2000
    deps = [
        Dependency("requests", "2.19.0", "requirements.txt"),
        Dependency("pyyaml", "5.3", "requirements.txt"),
    ]
    found = audit(deps, db.advisories_for(["requests", "pyyaml"]), Severity.HIGH)
    ids = {(v.package, v.id) for v in found}
    assert ("requests", "PYSEC-2018-28") in ids
    assert ("pyyaml", "PYSEC-2020-96") in ids
    requests = next(v for v in found if v.id == "PYSEC-2018-28")
    assert "CVE-2018-18074" in requests.aliases and "GHSA-x84v-xcm2-53pg" in requests.aliases
    assert requests.fixed_in == ("2.20.0",)
    pyyaml = [v for v in found if v.package == "pyyaml"]
    # 5.3 is affected by advisories fixed in 5.3.1 and 5.4: the smallest upgrade fixing both is 5.4.
    assert {v.upgrade_to for v in pyyaml} == {"5.4"}


def test_cache_in_the_store_gives_the_same_answer(tmp_path: Path) -> None:
    store = tmp_path / "assay.db"
    cold = database.open_directory(ADVISORY_DB, store)
    warm = database.open_directory(ADVISORY_DB, store)
    assert not cold.info.cached and warm.info.cached
    assert warm.info.advisories == cold.info.advisories
    names = ["requests", "pyyaml", "jinja2", "no-such-package"]
    answer = cold.advisories_for(names)
    assert {"requests", "pyyaml", "jinja2"} <= answer.keys() and "no-such-package" not in answer
    assert warm.advisories_for(names) == answer


def test_malformed_advisories_are_skipped_and_counted(tmp_path: Path) -> None:
    db = database.open_directory(_fixture_db(tmp_path / "db"), None)
    assert (db.info.advisories, db.info.skipped) == (1, 2)
    assert [a.id for a in db.advisories_for(["demo"])["demo"]] == ["DEMO-2024-1"]


def test_a_changed_directory_is_read_again(tmp_path: Path) -> None:
    root = _fixture_db(tmp_path / "db")
    store = tmp_path / "assay.db"
    database.open_directory(root, store)
    extra = dict(GOOD, id="DEMO-2024-3")
    (root / "vulns" / "demo" / "DEMO-2024-3.json").write_text(json.dumps(extra))
    again = database.open_directory(root, store)
    assert not again.info.cached
    assert {a.id for a in again.advisories_for(["demo"])["demo"]} == {"DEMO-2024-1", "DEMO-2024-3"}


@pytest.mark.parametrize("kind", ["missing", "empty", "file", "no-pypi"])
def test_unusable_database_directories(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "db"
    if kind == "empty":
        target.mkdir()
        (target / "README.md").write_text("nothing here")
    elif kind == "file":
        target.write_text("{}")
    elif kind == "no-pypi":
        target.mkdir()
        (target / "x.json").write_text(
            json.dumps(
                {"id": "N-1", "affected": [{"package": {"name": "a", "ecosystem": "npm"}, "versions": ["1"]}]}
            )
        )
    expected = {
        "missing": "advisory database not found",
        "empty": "advisory database is empty",
        "file": "must be a directory",
        "no-pypi": "no usable PyPI advisories",
    }[kind]
    with pytest.raises(InputError, match=expected):
        database.open_directory(target, tmp_path / "assay.db")


def test_import_snapshot_from_an_archive(tmp_path: Path) -> None:
    root = _fixture_db(tmp_path / "db")
    archive = tmp_path / "snapshot.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(root, arcname="advisory-database-main")
    store = tmp_path / "assay.db"
    assert database.open_imported(store) is None
    info = database.import_snapshot(str(archive), store)
    assert (info.advisories, info.skipped) == (1, 2)
    imported = database.open_imported(store)
    assert imported is not None and imported.info.origin == str(archive)
    assert [a.id for a in imported.advisories_for(["demo"])["demo"]] == ["DEMO-2024-1"]


def test_import_refuses_unusable_sources(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 not an archive")
    with pytest.raises(InputError, match=r"not a directory, \.zip or \.tar archive"):
        database.import_snapshot(str(junk), tmp_path / "assay.db")
    with pytest.raises(InputError, match="no such file or directory"):
        database.import_snapshot(str(tmp_path / "absent"), tmp_path / "assay.db")
    with pytest.raises(InputError, match="unsupported URL scheme"):
        database.import_snapshot("ftp://example.invalid/db.zip", tmp_path / "assay.db")
