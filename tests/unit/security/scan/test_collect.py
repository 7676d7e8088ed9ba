"""Collecting pinned dependencies: requirements files (with their bad lines), pyproject pins, lock files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.results import Location
from assay.security.scan.collect import Collected, collect, read_environment, read_requirements, unique


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_requirements_pins_includes_and_bad_lines(tmp_path: Path) -> None:
    _write(tmp_path / "base.txt", "PyYAML==5.3  # the old one\n")
    reqs = _write(
        tmp_path / "requirements.txt",
        "# comment\n"
        "-r base.txt\n"
        "--index-url https://example.invalid/simple\n"
        "requests==2.19.0 \\\n"
        "    --hash=sha256:abc\n"
        "flask>=2.0\n"
        "this is not a requirement\n"
        "django===1.x-custom\n"
        "./local/package\n"
        "urllib3==1.24.1 ; python_version >= '3'\n",
    )
    out = Collected()
    read_requirements(reqs, tmp_path, out)
    pins = {(d.name, d.version, str(d.location)) for d in out.dependencies}
    assert pins == {
        ("pyyaml", "5.3", "base.txt:1"),
        ("requests", "2.19.0", "requirements.txt:4"),
        ("urllib3", "1.24.1", "requirements.txt:10"),
    }
    problems = {(p.kind, str(p.location)) for p in out.problems}
    assert problems == {
        ("malformed-requirement", "requirements.txt:7"),
        ("unparseable-version", "requirements.txt:8"),
    }
    assert any("flask>=2.0" in u for u in out.unpinned)
    assert any("./local/package" in u for u in out.unpinned)


def test_missing_requirements_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="requirements file not found"):
        read_requirements(tmp_path / "nope.txt", tmp_path, Collected())


def test_pyproject_pins_and_lock_files(tmp_path: Path) -> None:
    _write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "demo"\nversion = "1"\ndependencies = ["requests==2.19.0", "click>=8"]\n'
        '[project.optional-dependencies]\nyaml = ["pyyaml==5.3"]\n',
    )
    _write(
        tmp_path / "uv.lock",
        'version = 1\n[[package]]\nname = "demo"\nversion = "1"\nsource = { editable = "." }\n'
        '[[package]]\nname = "jinja2"\nversion = "2.10"\nsource = { registry = "https://pypi.org/simple" }\n',
    )
    _write(tmp_path / "poetry.lock", '[[package]]\nname = "Werkzeug"\nversion = "0.15.0"\n')
    pylock = 'lock-version = "1.0"\n[[packages]]\nname = "urllib3"\nversion = "1.24.1"\n'
    _write(tmp_path / "pylock.toml", pylock)
    _write(
        tmp_path / "Pipfile.lock",
        json.dumps({"default": {"idna": {"version": "==2.7"}}, "develop": {"py": {"version": "==1.10.0"}}}),
    )
    out = collect(tmp_path, [], environment=False, pyproject=True, lockfiles=True)
    found = {(d.name, d.version, d.source) for d in out.dependencies}
    assert found == {
        ("requests", "2.19.0", "pyproject.toml"),
        ("pyyaml", "5.3", "pyproject.toml"),
        ("jinja2", "2.10", "uv.lock"),
        ("werkzeug", "0.15.0", "poetry.lock"),
        ("idna", "2.7", "Pipfile.lock"),
        ("py", "1.10.0", "Pipfile.lock"),
        ("urllib3", "1.24.1", "pylock.toml"),
    }
    requests = next(d for d in out.dependencies if d.name == "requests")
    assert requests.location is not None and requests.location.line == 4


def test_broken_lock_file_is_an_input_error(tmp_path: Path) -> None:
    _write(tmp_path / "poetry.lock", "[[package]\nname = \n")
    with pytest.raises(InputError, match=r"poetry\.lock: cannot read lock file"):
        collect(tmp_path, [], environment=False, pyproject=False, lockfiles=True)


def test_environment_lists_installed_distributions_and_unique_prefers_files() -> None:
    out = Collected()
    read_environment(out)
    names = {d.name for d in out.dependencies}
    assert {"bandit", "packaging", "click"} <= names
    click_env = next(d for d in out.dependencies if d.name == "click")
    from assay.security.scan.model import Dependency

    declared = Dependency("click", click_env.version, "requirements.txt")
    chosen = unique([click_env, declared])
    assert [d.source for d in chosen] == ["requirements.txt"]


def test_installed_distributions_are_anchored_to_the_manifest_line_that_names_them(tmp_path: Path) -> None:
    from assay.security.scan.collect import anchor
    from assay.security.scan.model import Dependency

    _write(
        tmp_path / "pyproject.toml",
        '[project]\ndependencies = [\n  "PyYAML>=6",\n  "pytest-benchmark>=4",\n  "pytest>=8",\n]\n',
    )
    names = ("pyyaml", "pytest", "pytest-benchmark", "pip")
    anchored = anchor(tmp_path, [Dependency(name, "1.0", "environment") for name in names])
    where = {d.name: str(d.location) for d in anchored}
    assert where == {
        "pyyaml": "pyproject.toml:3",
        "pytest": "pyproject.toml:5",
        "pytest-benchmark": "pyproject.toml:4",
        "pip": "pyproject.toml:1",  # not declared: the project's manifest, so SARIF uploads are accepted
    }
    assert anchor(tmp_path / "nowhere", [Dependency("pip", "1", "environment")])[0].location is None
    declared = Dependency("pyyaml", "6.0", "requirements.txt", Location("requirements.txt", 7))
    assert anchor(tmp_path, [declared]) == [declared]  # a declaration keeps its own line
