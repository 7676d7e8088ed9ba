"""Run a project's test suite under coverage.py with branch coverage and `test_function` contexts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from assay.errors import InputError, ToolError

# Runs in the child: start coverage before pytest is imported so import-time lines count too.
_BOOTSTRAP = """
import sys
import coverage
data_file = sys.argv[1]
cov = coverage.Coverage(data_file=data_file, branch=True, config_file=True)
cov.set_option("run:dynamic_context", "test_function")
cov.erase()
cov.start()
import pytest
try:
    code = pytest.main(sys.argv[2:])
finally:
    cov.stop()
    cov.save()
sys.exit(int(code))
"""

EXIT_NO_TESTS = 5


def run_tests(
    root: Path, data_file: Path, pytest_args: list[str], *, quiet: bool = False, python: str | None = None
) -> int:
    """Run pytest under coverage in a child process; return pytest's exit code (0 or 1).

    `python`: the project's own interpreter (its virtualenv), which needs coverage and pytest;
    default: the one running assay. An empty test suite, a usage error or a crash of pytest is an
    error the user must act on.
    """
    data_file = data_file if data_file.is_absolute() else (Path.cwd() / data_file)
    data_file.parent.mkdir(parents=True, exist_ok=True)
    interpreter = python or sys.executable
    if python is not None and shutil.which(python) is None and not Path(python).is_file():
        raise InputError(f"{python}: no such Python interpreter")
    args = [interpreter, "-c", _BOOTSTRAP, str(data_file), *pytest_args]
    if (root / "mutants").is_dir():
        args.append(f"--ignore={root / 'mutants'}")  # mutmut's working copy would collect twice
    if quiet:
        args.append("-q")
    env = dict(os.environ)
    env.pop("COVERAGE_PROCESS_START", None)
    try:
        # pytest's report goes to our stderr: stdout carries only assay's own result.
        proc = subprocess.run(
            args, cwd=root, env=env, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    except OSError as exc:
        raise ToolError(f"cannot start pytest under coverage: {exc}") from None
    if not quiet or proc.returncode not in (0, 1):
        sys.stderr.write(proc.stdout)
    if proc.returncode == 1 and "ModuleNotFoundError: No module named 'coverage'" in proc.stdout:
        raise ToolError(f"{interpreter} has no coverage.py: pip install coverage pytest in that environment")
    if proc.returncode == EXIT_NO_TESTS:
        raise InputError(f"{root}: pytest collected no tests; nothing to measure")
    if proc.returncode not in (0, 1):
        raise ToolError(
            f"pytest under coverage exited {proc.returncode} (interrupted, usage or internal error)"
        )
    if not data_file.exists():
        raise ToolError(f"coverage wrote no data to {data_file}")
    return proc.returncode
