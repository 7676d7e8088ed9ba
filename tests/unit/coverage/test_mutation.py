"""Reading mutmut 3's names, statuses and diffs."""

from __future__ import annotations

import json
from pathlib import Path

from assay.coverage.mutation import _diff_location, mutant_globs, mutmut_module, read_results


def test_module_names_follow_mutmut() -> None:
    assert mutmut_module("src/pkg/mod.py") == "pkg.mod"
    assert mutmut_module("lib/m0.py") == "lib.m0"
    assert mutmut_module("pkg/__init__.py") == "pkg"


def test_globs_for_functions_and_methods() -> None:
    assert mutant_globs("pkg.mod", ["f", "Shape.area", "outer.inner.deep"]) == [
        "pkg.mod.x_f__mutmut_*",
        "pkg.mod.xǁShapeǁarea__mutmut_*",
    ]


def test_results_by_module_and_score_from_meta_files(tmp_path: Path) -> None:
    meta = tmp_path / "mutants" / "pkg" / "mod.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(
        json.dumps(
            {
                "exit_code_by_key": {
                    "pkg.mod.x_f__mutmut_1": 1,
                    "pkg.mod.x_f__mutmut_2": 0,
                    "pkg.mod.x_f__mutmut_3": 36,
                    "pkg.mod.x_g__mutmut_1": 33,
                    "pkg.mod.xǁCǁm__mutmut_1": 1,
                    "pkg.mod.xǁCǁm__mutmut_2": None,
                }
            }
        )
    )
    report = read_results(tmp_path, ["pkg.mod.x_f__mutmut_*", "pkg.mod.xǁCǁm__mutmut_*"])
    assert dict(report.by_module["pkg.mod"]) == {"killed": 2, "survived": 1, "timeout": 1, "not checked": 1}
    assert report.score == 100 * 2 / 3
    assert "pkg.mod.x_g__mutmut_1" not in report.statuses  # not selected


def test_survivor_location_is_counted_from_the_function() -> None:
    diff = (
        "--- pkg/mod.py\n+++ pkg/mod.py\n@@ -1,5 +1,5 @@\n"
        " def clamp(x, lo, hi):\n-    if x < lo:\n+    if x <= lo:\n"
    )
    assert _diff_location(diff) == ("pkg/mod.py", 2)
