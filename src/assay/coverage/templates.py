"""Runnable pytest templates for uncovered functions: one file per module with gaps, each test named
after the function, called with arguments named after its signature, and skipped until filled in."""

from __future__ import annotations

import ast
import json
import keyword
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assay.coverage.gaps import FileReport
from assay.coverage.model import CoverageData, FileCoverage, Totals
from assay.coverage.source import Param, Region

SKIP_REASON = "template: fill in"

# pytest's own fixtures: always available wherever the generated file lands.
BUILTIN_FIXTURES = frozenset(
    {
        "tmp_path",
        "tmp_path_factory",
        "monkeypatch",
        "capsys",
        "capfd",
        "caplog",
        "recwarn",
        "request",
        "pytestconfig",
        "tmpdir",
        "cache",
        "doctest_namespace",
    }
)

_EXAMPLES = {
    "int": "0",
    "float": "0.0",
    "complex": "0j",
    "str": '""',
    "bytes": 'b""',
    "bytearray": "bytearray()",
    "bool": "False",
    "list": "[]",
    "dict": "{}",
    "set": "set()",
    "frozenset": "frozenset()",
    "tuple": "()",
    "None": "None",
    "Path": 'Path("example")',
    "PathLike": 'Path("example")',
    "Any": "None",
    "object": "object()",
    "Sequence": "[]",
    "MutableSequence": "[]",
    "Iterable": "[]",
    "Iterator": "iter([])",
    "Mapping": "{}",
    "MutableMapping": "{}",
    "Collection": "[]",
    "Callable": "lambda *args, **kwargs: None",
    "Decimal": 'Decimal("0")',
    "datetime": "datetime.datetime(2000, 1, 1)",
    "date": "datetime.date(2000, 1, 1)",
    "timedelta": "datetime.timedelta(0)",
}
_NEEDS_IMPORT = {"Path": "from pathlib import Path", "Decimal": "from decimal import Decimal"}


@dataclass
class TemplateTest:
    test_name: str
    qualname: str
    path: str
    start: int
    end: int
    percent: str
    missing_lines: str
    branches: list[str]
    import_line: str
    setup: list[str]
    call: str
    fixtures: list[str]
    nearest: str
    nested: list[str]
    is_async: bool
    skip_reason: str


@dataclass
class TemplateFile:
    module: str
    source_path: str
    target: Path
    text: str = ""
    skipped: str = ""  # why no file was written
    tests: int = 0


@dataclass
class _TestIndex:
    by_name: dict[str, list[tuple[str, str, list[str]]]] = field(
        default_factory=dict
    )  # name -> (file, qual, params)
    conftest_fixtures: dict[Path, set[str]] = field(default_factory=dict)
    from_top_imports: Counter[str] = field(default_factory=Counter)
    # top package -> names its __init__.py imports, read once per run rather than once per test
    package_names: dict[str, frozenset[str]] = field(default_factory=dict)

    def names_in_package(self, top: str, root: Path) -> frozenset[str]:
        """Names `top/__init__.py` imports (and so re-exports); empty when unreadable or absent."""
        if top not in self.package_names:
            self.package_names[top] = _imported_names(top, root)
        return self.package_names[top]


def _imported_names(top: str, root: Path) -> frozenset[str]:
    for base in import_roots(root):
        init = Path(base) / top / "__init__.py"
        if init.is_file():
            try:
                tree = ast.parse(init.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
                return frozenset()
            return frozenset(
                n
                for node in tree.body
                if isinstance(node, ast.ImportFrom)
                for a in node.names
                for n in (a.name, a.asname)
                if n is not None
            )
    return frozenset()


def module_name(path: str, root: Path) -> str:
    parts = list(Path(path).with_suffix("").parts)
    for layout in ("src", "lib"):
        # a src/ or lib/ layout directory is not a package itself (no __init__.py)
        if parts and parts[0] == layout and not (root / layout / "__init__.py").exists():
            parts = parts[1:]
            break
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_roots(root: Path) -> list[str]:
    """Directories a test run puts on sys.path: the root and a src/ layout."""
    return [str(root)] + [str(root / d) for d in ("src", "lib") if (root / d).is_dir()]


def importable(modules: list[str], root: Path, timeout: float = 120) -> dict[str, str]:
    """{module: error} for modules that fail to import, checked in one child process."""
    if not modules:
        return {}
    script = (
        "import importlib, json, sys, traceback\n"
        "sys.path[:0] = json.loads(sys.argv[1])\n"
        "errors = {}\n"
        "for name in json.loads(sys.argv[2]):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except BaseException as exc:\n"
        "        errors[name] = (type(exc).__name__ + ': ' + str(exc)).splitlines()[0][:200]\n"
        "sys.stdout.write('\\n@@ASSAY@@' + json.dumps(errors))\n"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script, json.dumps(import_roots(root)), json.dumps(modules)],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return dict.fromkeys(modules, f"import check failed: {exc}")
    marker = proc.stdout.rfind("@@ASSAY@@")
    if marker < 0:
        reason = (proc.stderr.strip().splitlines() or ["import check crashed"])[-1][:200]
        return dict.fromkeys(modules, reason)
    result: dict[str, str] = json.loads(proc.stdout[marker + len("@@ASSAY@@") :])
    return result


def index_tests(root: Path) -> _TestIndex:
    """Test functions (name -> file, qualname, parameters), conftest fixtures and import style."""
    index = _TestIndex()
    for path in sorted(root.rglob("*.py")):
        rel_parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in ("node_modules", "venv", "build", "dist") for p in rel_parts):
            continue
        name = path.name
        if not _is_test_file(name):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
            continue
        rel = path.relative_to(root).as_posix()
        if name == "conftest.py":
            index.conftest_fixtures[path.parent] = _fixtures(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                index.from_top_imports[node.module] += 1
        for qual, func in _test_functions(tree):
            params = [a.arg for a in func.args.args if a.arg not in ("self", "cls")]
            index.by_name.setdefault(func.name, []).append((rel, qual, params))
    return index


def _fixtures(tree: ast.Module) -> set[str]:
    out = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                text = ast.unparse(deco)
                if text.startswith(("pytest.fixture", "fixture")):
                    out.add(node.name)
    return out


def _test_functions(tree: ast.Module) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    out: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            out.append((node.name, node))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith("test"):
                    out.append((f"{node.name}.{item.name}", item))
    return out


def example_value(annotation: str | None) -> str | None:
    """A literal for a type hint, or None when there is no obvious example."""
    if annotation is None:
        return None
    text = annotation.strip().strip("'\"")
    if "|" in text:
        parts = [p.strip() for p in text.split("|")]
        if "None" in parts:
            return "None"
        return example_value(parts[0])
    match = re.match(r"^(?:typing\.|collections\.abc\.|os\.|pathlib\.|decimal\.|datetime\.)?(\w+)", text)
    if match is None:
        return None
    head = match.group(1)
    if head == "Optional":
        return "None"
    if head in ("Union",):
        inner = text[text.find("[") + 1 : text.rfind("]")].split(",")[0]
        return example_value(inner)
    if head == "Literal":
        inner = text[text.find("[") + 1 : text.rfind("]")].split(",")[0].strip()
        return inner or None
    return _EXAMPLES.get(head)


def _arguments(params: tuple[Param, ...], skip_first: bool) -> tuple[list[str], set[str]]:
    """Keyword arguments for the required parameters, and the imports their example values need."""
    args: list[str] = []
    needs: set[str] = set()
    items = list(params)
    if skip_first and items and items[0].kind == "positional":
        items = items[1:]
    for p in items:
        if p.kind in ("var_positional", "var_keyword") or p.default is not None:
            continue
        value = example_value(p.annotation)
        if value is None:
            value = "..."  # no obvious example: the person filling it in decides
        for name, line in _NEEDS_IMPORT.items():
            if value.startswith(name):
                needs.add(line)
        if value.startswith("datetime."):
            needs.add("import datetime")
        name = p.name if not keyword.iskeyword(p.name) else f"{p.name}_"
        args.append(f"{name}={value}")
    return args, needs


def _nearest_test(fc: FileCoverage | None, index: _TestIndex) -> tuple[str, list[str]] | None:
    """The existing test that executed most lines of this module (from dynamic contexts)."""
    if fc is None or not fc.contexts:
        return None
    counts: Counter[str] = Counter()
    for names in fc.contexts.values():
        for context in names:
            counts[context] += 1
    for context, _ in counts.most_common():
        # coverage's test_function context: "module.Class.test_name" or "module.test_name"
        pieces = context.split("|")[0].split(".")
        func = pieces[-1]
        candidates = index.by_name.get(func, [])
        module_tail = pieces[-2] if len(pieces) >= 2 else ""
        for file, qual, params in candidates:
            stem = Path(file).stem
            if module_tail in (stem, qual.split(".")[0]) or len(candidates) == 1:
                return f"{file}::{qual.replace('.', '::')}", params
    return None


def _available_fixtures(out_dir: Path, index: _TestIndex) -> set[str]:
    found = set(BUILTIN_FIXTURES)
    for directory, names in index.conftest_fixtures.items():
        try:
            out_dir.resolve().relative_to(directory.resolve())
        except ValueError:
            continue
        found |= names
    return found


def _preferred_import(module: str, name: str, root: Path, index: _TestIndex) -> str:
    """`from <top package> import name` when the package re-exports it and tests import that way."""
    top = module.split(".")[0]
    if top == module or index.from_top_imports.get(top, 0) == 0:
        return module
    return top if name in index.names_in_package(top, root) else module


def _doc_safe(text: str) -> str:
    return text.replace("\\", "/").replace('"""', "'''")


def build(
    data: CoverageData,
    reports: list[FileReport],
    root: Path,
    out_dir: Path,
    *,
    check_imports: bool = True,
) -> list[TemplateFile]:
    """Render (not write) one template file per module with function gaps."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("assay.coverage", "templates"),
        autoescape=False,  # noqa: S701 - renders Python source, never HTML; project text is repr()'d
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    template = env.get_template("test_module.py.j2")
    index = index_tests(root)
    fixtures_here = _available_fixtures(out_dir, index)
    coverage_of = {fc.path: fc for fc in data.files}
    wanted: list[tuple[FileReport, str, Path]] = []
    files: list[TemplateFile] = []
    for report in reports:
        if not report.path.endswith(".py") or _is_test_file(report.path):
            continue
        module = module_name(report.path, root)
        target = out_dir / f"test_{module.replace('.', '_') or 'root'}_gaps.py"
        if report.source_error:
            files.append(
                TemplateFile(module, report.path, target, skipped=f"no template: {report.source_error}")
            )
            continue
        if any(r.kind == "function" and _has_gap(r.totals) for r in report.regions):
            wanted.append((report, module, target))
    errors = importable(sorted({m for _, m, _ in wanted}), root) if check_imports else {}
    for report, module, target in wanted:
        fc = coverage_of.get(report.path)
        tests = _tests_for(report, module, root, fc, index, fixtures_here, errors.get(module, ""))
        if not tests:
            continue
        text = template.render(module=module, tests=tests, import_error=errors.get(module, ""))
        try:
            compile(text, str(target), "exec")
        except SyntaxError as exc:  # a bug in the template, never a half-written file
            files.append(
                TemplateFile(module, report.path, target, skipped=f"template did not compile: {exc}")
            )
            continue
        files.append(TemplateFile(module, report.path, target, text=text, tests=len(tests)))
    return files


def _has_gap(totals: Totals) -> bool:
    return bool(totals.missing or totals.missing_branches)


def _is_test_file(path: str) -> bool:
    name = Path(path).name
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def _tests_for(
    report: FileReport,
    module: str,
    root: Path,
    fc: FileCoverage | None,
    index: _TestIndex,
    fixtures_here: set[str],
    import_error: str,
) -> list[TemplateTest]:
    nearest = _nearest_test(fc, index)
    nearest_text = nearest[0] if nearest else ""
    fixtures = [p for p in (nearest[1] if nearest else []) if p in fixtures_here]
    stats = {r.name: r for r in report.regions if r.kind == "function"}
    tests: list[TemplateTest] = []
    used: set[str] = set()
    for name, info in report.region_info.items():
        if info.kind != "function" or info.nested:
            continue
        if info.class_name is not None and "." in info.class_name:
            continue  # a method of a nested class: reachable only through its outer class
        region = stats.get(name)
        if region is None or not _has_gap(region.totals):
            continue
        nested = [
            n for n, r in report.region_info.items() if r.kind == "function" and n.startswith(name + ".")
        ]
        test_name = "test_" + re.sub(r"\W", "_", name.replace(".", "_")).strip("_").lower() + "_gap"
        while test_name in used:
            test_name += "_"
        used.add(test_name)
        import_line, setup, call, needs = _call(info, module, root, index, report.region_info)
        branches = [
            f"line {s} -> {'exit' if d < 0 else f'line {d}'}" for s, d in region.missing_branches if d != 0
        ] or [
            f"line {s}: {n} branch(es) not taken"
            for s, n in Counter(s for s, _ in region.missing_branches).items()
        ]
        tests.append(
            TemplateTest(
                test_name=test_name,
                qualname=_doc_safe(name),
                path=_doc_safe(report.path),
                start=region.start,
                end=region.end,
                percent=f"{region.totals.percent:.1f}",
                missing_lines=", ".join(str(n) for n in region.missing_lines),
                branches=[_doc_safe(b) for b in branches],
                import_line=import_line + "".join(f"\n    {n}" for n in sorted(needs)),
                setup=setup,
                call=call,
                fixtures=fixtures,
                nearest=_doc_safe(nearest_text),
                nested=[_doc_safe(n) for n in nested],
                is_async=info.is_async,
                skip_reason=repr(
                    f"{SKIP_REASON} (module does not import: {import_error})" if import_error else SKIP_REASON
                ),
            )
        )
    return tests


def _call(
    info: Region, module: str, root: Path, index: _TestIndex, regions: dict[str, Region]
) -> tuple[str, list[str], str, set[str]]:
    leaf = info.name.rsplit(".", 1)[-1].split("@")[0]
    is_static = "staticmethod" in info.decorators
    is_classmethod = "classmethod" in info.decorators
    if info.class_name is None:
        source = _preferred_import(module, leaf, root, index)
        args, needs = _arguments(info.params, skip_first=False)
        return f"from {source} import {leaf}", [], f"{leaf}({', '.join(args)})", needs
    cls = info.class_name
    source = _preferred_import(module, cls, root, index)
    args, needs = _arguments(info.params, skip_first=not is_static)
    if is_static or is_classmethod:
        return f"from {source} import {cls}", [], f"{cls}.{leaf}({', '.join(args)})", needs
    init = regions.get(f"{cls}.__init__")
    init_args, init_needs = _arguments(init.params, skip_first=True) if init else ([], set())
    construct = f"{cls}({', '.join(init_args)})"
    imported = f"from {source} import {cls}"
    if leaf == "__init__":
        return imported, [], construct, init_needs
    setup = [f"instance = {construct}"]
    if "property" in info.decorators or any(d.endswith(".getter") for d in info.decorators):
        return imported, setup, f"instance.{leaf}", needs | init_needs
    if any(d.endswith(".setter") for d in info.decorators):
        value = args[0].split("=", 1)[1] if args else "..."
        return imported, [*setup, f"instance.{leaf} = {value}"], f"instance.{leaf}", needs | init_needs
    return imported, setup, f"instance.{leaf}({', '.join(args)})", needs | init_needs


def write(files: list[TemplateFile], *, force: bool) -> tuple[list[TemplateFile], list[TemplateFile]]:
    """Write rendered templates; returns (written, kept) where kept already existed (no --force)."""
    from assay.formats import write_atomic

    written: list[TemplateFile] = []
    kept: list[TemplateFile] = []
    for f in files:
        if f.skipped or not f.text:
            continue
        if f.target.exists() and not force:
            kept.append(f)
            continue
        write_atomic(f.target, f.text)
        written.append(f)
    return written, kept
