#!/usr/bin/env python3
"""Accuracy and speed of the docstring scanner against the AST path, on every .py file of a corpus.

    .venv/bin/python benchmarks/docstring_scanner_accuracy.py [--show 10] [ROOT ...]

Default roots: this venv's site-packages and the Python 3.11 standard library. Each file is read as
`assay score` reads it (UTF-8 with replacement, at most 1 MiB, skipped when its head holds a NUL byte);
the scanner (`count_docstrings`, with its ast.parse fallback) and the reference (`ast.parse` +
`ast.get_docstring`) run on the same text in the same process.
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
import time
from pathlib import Path

from assay.maturity.docstrings import ast_docstrings, count_docstrings, scan_docstrings
from assay.maturity.evidence import DEFAULT_MAX_FILE_BYTES

DEFAULT_ROOTS = (
    Path(sys.prefix) / "lib/python3.11/site-packages",
    Path(sysconfig.get_paths()["stdlib"]),
)


def corpus(roots: list[Path]) -> list[tuple[str, str]]:
    """(path, text) of every readable .py file under the roots, read as Evidence.text reads them."""
    out: list[tuple[str, str]] = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            try:
                with path.open("rb") as fh:
                    raw = fh.read(DEFAULT_MAX_FILE_BYTES)
            except OSError:
                continue
            if b"\0" not in raw[:8192]:
                out.append((str(path), raw.decode("utf-8", "replace")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("roots", nargs="*", type=Path, default=list(DEFAULT_ROOTS))
    parser.add_argument("--show", type=int, default=10, help="disagreeing files to list")
    args = parser.parse_args()
    files = corpus(args.roots)
    megabytes = sum(len(text) for _, text in files) / 1e6

    start = time.perf_counter()
    reference = [ast_docstrings(text) for _, text in files]
    ast_seconds = time.perf_counter() - start
    start = time.perf_counter()
    scanned = [count_docstrings(text) for _, text in files]
    scan_seconds = time.perf_counter() - start
    fallbacks = sum(scan_docstrings(text) is None for _, text in files)

    differ = [
        (path, ref, got) for (path, _), ref, got in zip(files, reference, scanned, strict=True) if ref != got
    ]
    skipped_ast = sum(r is None for r in reference)
    skipped_scan = sum(s is None for s in scanned)
    ref_doc = sum(r[0] for r in reference if r)
    ref_total = sum(r[1] for r in reference if r)
    scan_doc = sum(s[0] for s in scanned if s)
    scan_total = sum(s[1] for s in scanned if s)

    print(f"files compared:            {len(files)} ({megabytes:.1f} MB)")
    print(f"files that differ:         {len(differ)} ({100 * (1 - len(differ) / len(files)):.2f}% identical)")
    print(f"  invalid (skipped):       ast {skipped_ast}, scanner {skipped_scan}")
    print(f"  scanner fell back to ast {fallbacks} files ({100 * fallbacks / len(files):.1f}%)")
    print(f"definitions, ast:          {ref_total}, documented {ref_doc} ({100 * ref_doc / ref_total:.2f}%)")
    print(
        f"definitions, scanner:      {scan_total}, documented {scan_doc} ({100 * scan_doc / scan_total:.2f}%)"
    )
    print(f"aggregate ratio gap:       {100 * abs(scan_doc / scan_total - ref_doc / ref_total):.3f} points")
    print(f"wall, ast path:            {ast_seconds:.2f} s ({megabytes / ast_seconds:.1f} MB/s)")
    print(f"wall, scanner + fallback:  {scan_seconds:.2f} s ({megabytes / scan_seconds:.1f} MB/s)")
    print(f"speed-up:                  {ast_seconds / scan_seconds:.1f}x")
    for path, ref, got in differ[: args.show]:
        print(f"  {path}: ast {ref}, scanner {got}")


if __name__ == "__main__":
    main()
