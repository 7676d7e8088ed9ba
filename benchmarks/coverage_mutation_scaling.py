#!/usr/bin/env python3
"""Does diff-scoped mutation time follow the changed functions or the repository size? Builds projects
of N modules (5 functions and 5 tests each), changes K functions on a branch and times
`assay coverage mutate --base main`. Reproduce:

    .venv/bin/python benchmarks/coverage_mutation_scaling.py [--sizes 5 40] [--changed 1 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage_diff import git  # the same committer identity as the diff benchmark

BIN = Path(sys.executable).parent
FUNCS = 5


def build(root: Path, modules: int, changed: int) -> None:
    (root / "lib").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "lib" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(
        '[tool.mutmut]\nsource_paths = ["lib/"]\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n'
    )
    (root / ".gitignore").write_text("mutants/\n.assay/\n")
    for m in range(modules):
        funcs = "".join(
            f"def f{f}(a, b):\n    if a > b:\n        return a - b + {f}\n    return b - a\n\n\n"
            for f in range(FUNCS)
        )
        (root / "lib" / f"m{m}.py").write_text(funcs)
        tests = "".join(
            f"def test_f{f}():\n    from lib.m{m} import f{f}\n    assert f{f}(3, 1) == {2 + f}\n\n\n"
            for f in range(FUNCS)
        )
        (root / "tests" / f"test_m{m}.py").write_text(tests)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    # One changed function per module at most: the first function's `return b - a`.
    for k in range(min(changed, modules)):
        path = root / "lib" / f"m{k}.py"
        path.write_text(path.read_text().replace("    return b - a\n", f"    return (b - a)  # {k}\n", 1))
    git(root, "commit", "-q", "-am", "change")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 40])
    parser.add_argument("--changed", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    print(f"{'modules':>8} {'changed':>8} {'mutants run':>12} {'seconds':>8}")
    for size in args.sizes:
        for changed in args.changed:
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp) / "p"
                build(root, size, changed)
                t = time.perf_counter()
                proc = subprocess.run(
                    [str(BIN / "assay"), "-q", "coverage", "mutate", "--base", "main", "-f", "json"],
                    cwd=root,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                elapsed = time.perf_counter() - t
                doc = json.loads(proc.stdout) if proc.stdout.strip() else {}
                total = sum(doc.get("counts", {}).values())
                print(f"{size:>8} {changed:>8} {total:>12} {elapsed:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
