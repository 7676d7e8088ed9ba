"""Reading pytest-benchmark JSON: a real file written by pytest-benchmark, and every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.perf.samples import load_file, merge, parse


@pytest.fixture(scope="module")
def real_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JSON written by the installed pytest-benchmark (a real run, not a hand-made document)."""
    tmp = tmp_path_factory.mktemp("pb")
    (tmp / "test_b.py").write_text("def test_sum(benchmark):\n    benchmark(sum, range(100))\n")
    out = tmp / "out.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "test_b.py",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--benchmark-json={out}",
            "--benchmark-max-time=0.01",
            "--benchmark-min-rounds=5",
        ],
        cwd=tmp,
        check=True,
        capture_output=True,
    )
    return out


def test_reads_raw_samples_from_a_real_pytest_benchmark_file(real_json: Path) -> None:
    suite = load_file(real_json)

    bench = suite.benchmarks["test_b.py::test_sum"]
    doc = json.loads(real_json.read_text())["benchmarks"][0]
    assert list(bench.samples) == doc["stats"]["data"]
    assert len(bench.samples) == doc["stats"]["rounds"] >= 5
    assert suite.version.split(".")[0] in {"3", "4", "5"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"benchmarks": [{"name": "a", "stats": {"data": [1', "truncated pytest-benchmark JSON"),
        ("{not json}", "malformed pytest-benchmark JSON"),
        ('{"machine_info": {}}', "no 'benchmarks' list"),
        ('{"version": "2.5.0", "benchmarks": []}', "written by pytest-benchmark 2.5.0"),
        ('{"benchmarks": []}', "written by pytest-benchmark (no version field)"),
        ('{"version": "5.1.0", "benchmarks": [{"name": "a", "stats": {"median": 1}}]}', "has no raw timings"),
        ('{"version": "5.1.0", "benchmarks": [{"name": "a", "stats": {"data": [1, -2]}}]}', "negative"),
        ('{"version": "5.1.0", "benchmarks": [{"name": "a", "stats": {"data": ["x"]}}]}', "list of numbers"),
        ('{"version": "5.1.0", "benchmarks": [{"stats": {"data": [1]}}]}', "has no name"),
    ],
)
def test_bad_json_is_one_clear_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=r"^<json>: ") as err:
        parse(text)
    assert message in str(err.value)


def test_truncated_real_file_names_the_file(real_json: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.json"
    cut.write_text(real_json.read_text()[:200])

    with pytest.raises(InputError, match=r"cut\.json: truncated"):
        load_file(cut)
    with pytest.raises(InputError, match="no such file"):
        load_file(tmp_path / "absent.json")


def test_merge_pools_rounds_and_a_failure_anywhere_wins() -> None:
    doc = {"version": "5.1.0", "benchmarks": [{"fullname": "t.py::a", "stats": {"data": [1.0, 2.0]}}]}
    one = parse(json.dumps(doc))
    doc["benchmarks"][0]["stats"]["data"] = [3.0]
    two = parse(json.dumps(doc))

    pooled = merge([one, two])
    assert pooled["t.py::a"].samples == (1.0, 2.0, 3.0)
    assert pooled["t.py::a"].groups == (0, 0, 1)

    failed = merge([one, two], [{}, {"t.py::a": "boom"}])
    assert failed["t.py::a"].error == "boom" and not failed["t.py::a"].ok
