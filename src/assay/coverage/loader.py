"""Read coverage data: a `.coverage` data file (through coverage.py's API), `coverage json` output
(format 2 or 3) or Cobertura XML. Each becomes the same CoverageData; bad input is one InputError."""

from __future__ import annotations

import ast
import contextlib
import html
import json
import os
import re
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from assay.coverage.model import CoverageData, FileCoverage, Totals
from assay.errors import InputError

_CWD_LOCK = threading.Lock()


def load(path: Path, root: Path, only: set[str] | None = None) -> CoverageData:
    """Load coverage data from `path`, detecting the format from its content.

    `only`: root-relative paths to keep (a diff needs just the changed files); None keeps all.
    """
    if not path.exists():
        raise InputError(
            f"{path}: no coverage data (run `assay coverage run` or `coverage run -m pytest` first)"
        )
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a coverage data file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise InputError(f"{path}: cannot read coverage data: {exc.strerror or exc}") from None
    stripped = head.lstrip()
    if stripped.startswith((b"{", b"[")) or path.suffix.lower() == ".json":
        return load_json(path, root, only)
    if stripped.startswith(b"<") or path.suffix.lower() == ".xml":
        return load_xml(path, root, only)
    return load_data_file(path, root, only)


# --- .coverage (SQLite) through coverage.py's API ----------------------------------------------


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    # coverage.py makes reported paths relative to the current directory; hold a lock because
    # the working directory is process-wide.
    with _CWD_LOCK:
        before = os.getcwd()
        os.chdir(path)
        try:
            yield
        finally:
            os.chdir(before)


def load_data_file(path: Path, root: Path, only: set[str] | None = None) -> CoverageData:
    import coverage
    from coverage.exceptions import CoverageException

    path = path.resolve()
    root = root.resolve()
    data = coverage.CoverageData(basename=str(path))
    try:
        data.read()
        measured = sorted(data.measured_files())
        contexts = {c for c in data.measured_contexts() if c}
    except CoverageException as exc:
        raise InputError(f"{path}: not readable coverage data: {_first_line(exc)}") from None
    except Exception as exc:  # sqlite3 and struct errors from a corrupt file
        raise InputError(f"{path}: corrupt coverage data file: {_first_line(exc)}") from None
    skipped: list[tuple[str, str]] = []
    good: list[str] = []
    for name in measured:
        if only is not None and _relative(name, root) not in only:
            continue
        reason = _unusable(Path(name))
        if reason:
            skipped.append((_relative(name, root), reason))
        else:
            good.append(name)
    if not good:
        return CoverageData((), str(path), "coverage-data", str(root), None, tuple(skipped), bool(contexts))
    with tempfile.TemporaryDirectory(prefix="assay-coverage-") as tmp, _working_directory(root):
        out = Path(tmp) / "coverage.json"
        try:
            cov = coverage.Coverage(data_file=str(path), config_file=True)
            cov.load()
            cov.json_report(morfs=good, outfile=str(out), ignore_errors=True, show_contexts=bool(contexts))
        except CoverageException as exc:
            raise InputError(f"{path}: coverage.py cannot report this data: {_first_line(exc)}") from None
        doc = json.loads(out.read_text(encoding="utf-8"))
    loaded = _from_json_doc(doc, path, root)
    return CoverageData(
        loaded.files,
        str(path),
        "coverage-data",
        str(root),
        loaded.reported_totals,
        tuple(skipped) + loaded.skipped,
        bool(contexts),
    )


def _unusable(path: Path) -> str:
    """Why a measured file cannot be analysed, or "" when it can."""
    if not path.exists():
        return "source file no longer exists"
    if path.suffix not in (".py", ".pyw", ""):
        return ""
    try:
        ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        return f"syntax error at line {exc.lineno}: {exc.msg}"
    except (OSError, ValueError) as exc:
        return f"cannot read source: {exc}"
    return ""


# --- coverage JSON -------------------------------------------------------------------------------


def load_json(path: Path, root: Path, only: set[str] | None = None) -> CoverageData:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: malformed JSON: {exc.msg} at line {exc.lineno}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read coverage JSON: {exc}") from None
    return _from_json_doc(doc, path, root.resolve(), only)


def _from_json_doc(doc: Any, path: Path, root: Path, only: set[str] | None = None) -> CoverageData:
    if not isinstance(doc, dict):
        raise InputError(f"{path}: coverage JSON must be an object with 'files' and 'totals'")
    files = _require(doc, "files", dict, path, "")
    meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
    branch_data = bool(meta.get("branch_coverage")) if meta else False
    out: list[FileCoverage] = []
    skipped: list[tuple[str, str]] = []
    regions_seen = False
    for name, entry in files.items():
        if only is not None and _relative(name, root) not in only:
            continue
        where = f"files[{name!r}]"
        if not isinstance(entry, dict):
            raise InputError(f"{path}: {where} must be an object")
        executed = _lines(_require(entry, "executed_lines", list, path, where), path, where)
        missing = _lines(_require(entry, "missing_lines", list, path, where), path, where)
        excluded = _lines(entry.get("excluded_lines", []), path, where)
        regions_seen = regions_seen or "functions" in entry or "classes" in entry
        has_branches = "executed_branches" in entry or "missing_branches" in entry
        if branch_data and not has_branches:
            raise InputError(f"{path}: {where} has no 'executed_branches' although branch_coverage is true")
        contexts: dict[int, tuple[str, ...]] = {}
        raw_contexts = entry.get("contexts")
        if isinstance(raw_contexts, dict):
            for line, names in raw_contexts.items():
                with contextlib.suppress(ValueError, TypeError):
                    contexts[int(line)] = tuple(str(n) for n in names if n)
        fc = FileCoverage(
            path=_relative(name, root),
            statements=frozenset(executed) | frozenset(missing),
            missing=frozenset(missing),
            excluded=frozenset(excluded),
            executed_branches=_arcs(entry.get("executed_branches", []), path, where),
            missing_branches=_arcs(entry.get("missing_branches", []), path, where),
            contexts=contexts,
            has_branches=has_branches,
        )
        if not (root / fc.path).exists() and not Path(name).exists():
            skipped.append((fc.path, "source file no longer exists"))
        out.append(fc)
    totals = doc.get("totals")
    reported = _json_totals(totals) if isinstance(totals, dict) else None
    fmt = meta.get("format", 2) if meta else 2
    kind = "coverage-json-3" if regions_seen else f"coverage-json-{fmt if fmt in (1, 2) else 2}"
    has_contexts = any(fc.contexts for fc in out)
    return CoverageData(tuple(out), str(path), kind, str(root), reported, tuple(skipped), has_contexts)


def _json_totals(totals: Mapping[str, Any]) -> Totals | None:
    try:
        return Totals(
            statements=int(totals["num_statements"]),
            missing=int(totals["missing_lines"]),
            excluded=int(totals.get("excluded_lines", 0)),
            branches=int(totals.get("num_branches", 0)),
            partial_branches=int(totals.get("num_partial_branches", 0)),
            missing_branches=int(totals.get("missing_branches", 0)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _require(obj: Mapping[str, Any], key: str, kind: type, path: Path, where: str) -> Any:
    if key not in obj:
        place = f"{where} " if where else ""
        raise InputError(f"{path}: coverage JSON {place}has no {key!r} key")
    value = obj[key]
    if not isinstance(value, kind):
        place = f"{where}." if where else ""
        raise InputError(f"{path}: coverage JSON {place}{key} must be a {kind.__name__}")
    return value


def _lines(value: Any, path: Path, where: str) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
        raise InputError(f"{path}: coverage JSON {where}: line lists must hold integers")
    return value


def _arcs(value: Any, path: Path, where: str) -> tuple[tuple[int, int], ...]:
    try:
        return tuple((int(a), int(b)) for a, b in value)
    except (TypeError, ValueError):
        raise InputError(f"{path}: coverage JSON {where}: branches must be [from, to] pairs") from None


# --- Cobertura XML -------------------------------------------------------------------------------


def load_xml(path: Path, root: Path, only: set[str] | None = None) -> CoverageData:
    if only is not None:
        top = _xml_subset(path, root.resolve(), only)
    else:
        try:
            top = ET.parse(path).getroot()  # noqa: S314 - the user's own report; stdlib ET expands no entities
        except ET.ParseError as exc:
            raise InputError(f"{path}: malformed XML: {exc}") from None
    if top.tag != "coverage":
        raise InputError(f"{path}: not a Cobertura coverage report (root element is <{top.tag}>)")
    sources = [Path(s.text.strip()) for s in top.iter("source") if s.text and s.text.strip()]
    root = root.resolve()
    merged: dict[str, dict[str, Any]] = {}
    for cls in top.iter("class"):
        filename = cls.get("filename")
        if not filename:
            raise InputError(f"{path}: a <class> element has no filename attribute")
        absolute = _resolve_xml_path(filename, sources, root)
        rel = _relative(str(absolute), root)
        if only is not None and rel not in only:
            continue
        acc = merged.setdefault(rel, {"lines": {}, "branches": False})
        for line in cls.iter("line"):
            try:
                number = int(line.get("number", ""))
                hits = int(line.get("hits", "0"))
            except ValueError:
                raise InputError(f"{path}: {filename}: <line> needs integer number and hits") from None
            acc["lines"][number] = (hits, line.get("branch") == "true", line.get("condition-coverage"), line)
    files: list[FileCoverage] = []
    skipped: list[tuple[str, str]] = []
    for rel, acc in merged.items():
        statements: set[int] = set()
        missing: set[int] = set()
        executed_arcs: list[tuple[int, int]] = []
        missing_arcs: list[tuple[int, int]] = []
        has_branches = False
        for number, (hits, is_branch, condition, element) in acc["lines"].items():
            statements.add(number)
            if hits == 0:
                missing.add(number)
            if is_branch and condition:
                has_branches = True
                covered, total = _condition(condition, path)
                targets = [t for t in (element.get("missing-branches") or "").split(",") if t.strip()]
                known = [(number, int(t)) for t in targets if t.strip().lstrip("-").isdigit()]
                missing_arcs.extend(known)
                # Cobertura names only the missed targets; the taken arcs are counted, not named.
                missing_arcs.extend((number, 0) for _ in range(total - covered - len(known)))
                executed_arcs.extend((number, 0) for _ in range(covered))
        fc = FileCoverage(
            path=rel,
            statements=frozenset(statements),
            missing=frozenset(missing),
            executed_branches=tuple(executed_arcs),
            missing_branches=tuple(missing_arcs),
            has_branches=has_branches,
        )
        if not (root / rel).exists():
            skipped.append((rel, "source file no longer exists"))
        files.append(fc)
    return CoverageData(tuple(files), str(path), "cobertura-xml", str(root), None, tuple(skipped))


def _xml_subset(path: Path, root: Path, only: set[str]) -> ET.Element:
    """A <coverage> element holding just the <class> elements of the wanted files.

    A diff touches a few files of a report that may hold thousands: find their <class> elements
    by their filename attribute and parse only those, instead of the whole document.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read coverage XML: {exc}") from None
    head_end = text.find("<packages")
    head = text[: head_end if head_end >= 0 else len(text)]
    if "<coverage" not in head:
        try:
            tag = ET.fromstring(text).tag  # noqa: S314 - as above
        except ET.ParseError as exc:
            raise InputError(f"{path}: malformed XML: {exc}") from None
        raise InputError(f"{path}: not a Cobertura coverage report (root element is <{tag}>)")
    raw_sources = [m for m in re.findall(r"<source>([^<]*)</source>", head) if m.strip()]
    sources = [html.unescape(m.strip()) for m in raw_sources]
    prefixes = [str(Path(s).resolve()) for s in sources] or [str(root)]
    # One pass over the text finds every <class> and its filename; only wanted ones are parsed.
    positions: dict[str, list[int]] = {}
    for match in _CLASS_TAG.finditer(text):
        positions.setdefault(html.unescape(match.group(1)), []).append(match.start())
    slices: list[str] = []
    for rel in sorted(only):
        absolute = str(root / rel)
        # coverage.py writes names relative to a <source>; other producers may use the root or absolutes
        names = [absolute[len(p) + 1 :] for p in prefixes if absolute.startswith(p + os.sep)]
        names += [rel, absolute]
        for name in dict.fromkeys(names):
            if name not in positions:
                continue
            for open_at in positions[name]:
                close_at = text.find("</class>", open_at)
                if close_at < 0:
                    raise InputError(f"{path}: malformed XML: <class filename={name!r}> is not closed")
                slices.append(text[open_at : close_at + len("</class>")])
            break
    document = (
        "<coverage><sources>"
        + "".join(f"<source>{m}</source>" for m in raw_sources)
        + "</sources><packages><package><classes>"
        + "".join(slices)
        + "</classes></package></packages></coverage>"
    )
    try:
        return ET.fromstring(document)  # noqa: S314 - as above
    except ET.ParseError as exc:
        raise InputError(f"{path}: malformed XML in the changed files' <class> elements: {exc}") from None


_CLASS_TAG = re.compile(r'<class\b[^>]*?\bfilename="([^"]*)"')


def _resolve_xml_path(filename: str, sources: list[Path], root: Path) -> Path:
    candidate = Path(filename)
    if candidate.is_absolute():
        return candidate
    for source in sources:
        if (source / candidate).exists():
            return source / candidate
    return (sources[0] / candidate) if sources else root / candidate


def _condition(text: str, path: Path) -> tuple[int, int]:
    # "50% (1/2)"
    try:
        inner = text.split("(", 1)[1].split(")", 1)[0]
        covered, total = inner.split("/")
        return int(covered), int(total)
    except (IndexError, ValueError):
        raise InputError(f"{path}: unreadable condition-coverage {text!r}") from None


# --- helpers -------------------------------------------------------------------------------------


def _relative(name: str, root: Path) -> str:
    p = Path(name)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
