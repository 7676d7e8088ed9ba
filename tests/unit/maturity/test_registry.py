"""An organisation's checks register through the `assay.checks` entry-point group, like a real package."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.maturity.evidence import collect
from assay.maturity.registry import all_checks
from assay.maturity.scorer import score

PLUGIN = """
from assay.maturity.model import Check, Verdict


def evaluate(ev):
    owners = ev.named("CODEOWNERS")
    return Verdict.scored(10 if owners else 0, f"CODEOWNERS: {owners or 'none'}")


CHECK = Check("acme.codeowners", "maintenance", "Code owners", 1, evaluate, remediation="Add CODEOWNERS.")
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path holding installed-looking distributions (dist-info with entry points)."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    all_checks.cache_clear()
    yield site
    all_checks.cache_clear()
    for name in ("acme_checks", "broken_checks"):
        sys.modules.pop(name, None)


def install(site: Path, dist: str, module: str, source: str, entry: str) -> None:
    (site / f"{module}.py").write_text(source)
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[assay.checks]\n{entry} = {module}\n")


def test_plugin_check_runs_like_a_builtin(site: Path, tmp_path: Path) -> None:
    install(site, "acme_checks", "acme_checks", PLUGIN, "acme.codeowners")
    checks = all_checks()
    assert "acme.codeowners" in [c.id for c in checks]
    repo = tmp_path / "repo"
    (repo / ".github").mkdir(parents=True)
    (repo / ".github" / "CODEOWNERS").write_text("* @acme/team\n")
    card = score(collect(repo, is_git=False), checks)
    result = next(c for c in card.checks if c.id == "acme.codeowners")
    assert result.status.value == "pass" and result.category == "maintenance"


def test_broken_plugin_is_skipped_with_a_warning(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    install(site, "broken_checks", "broken_checks", "raise ImportError('no such thing')\n", "broken.one")
    logger = logging.getLogger("assay.maturity.registry")
    logger.addHandler(caplog.handler)  # the CLI may have stopped "assay" loggers propagating to the root
    try:
        ids = [c.id for c in all_checks()]
    finally:
        logger.removeHandler(caplog.handler)
    assert "broken.one" not in ids and "ci.workflows-present" in ids
    assert "plug-in broken.one could not be loaded: no such thing" in caplog.text
