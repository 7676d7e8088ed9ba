"""What the source says: functions and classes with their lines (as coverage.py draws regions),
cyclomatic complexity, signatures, and which physical lines belong to which statement."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

STATEMENT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")

# Nodes that add a decision point to McCabe's cyclomatic complexity.
_DECISIONS = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ExceptHandler,
    ast.With,
    ast.AsyncWith,
    ast.IfExp,
    ast.Assert,
    ast.comprehension,
    ast.match_case,
)


@dataclass(frozen=True)
class Param:
    name: str
    annotation: str | None
    default: str | None
    kind: str  # "positional", "keyword", "var_positional", "var_keyword"


@dataclass
class Region:
    kind: str  # "function" or "class"
    name: str  # dotted: "Class.method", "outer.inner"
    start: int  # first decorator line, or the def line
    def_line: int
    end: int
    lines: set[int] = field(default_factory=set)  # body lines as coverage.py counts them
    complexity: int = 1
    is_async: bool = False
    params: tuple[Param, ...] = ()
    class_name: str | None = None  # the class a method belongs to
    nested: bool = False  # defined inside a function: not importable by name
    decorators: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceInfo:
    regions: tuple[Region, ...]
    statement_of: dict[int, int]  # physical line -> first line of the statement it belongs to
    line_count: int


class SourceError(ValueError):
    """The source cannot be parsed; the message says where."""


def analyse_source(text: str, filename: str = "<source>", *, with_complexity: bool = True) -> SourceInfo:
    """Regions and the statement map of one file; complexity (an AST walk per function) and the
    signatures only when asked, since diff gaps neither rank nor write templates."""
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as exc:
        raise SourceError(f"syntax error at line {exc.lineno}: {exc.msg}") from None
    except ValueError as exc:  # null bytes
        raise SourceError(str(exc)) from None
    finder = _RegionFinder(with_complexity)
    finder.handle(tree)
    seen: set[str] = set()
    for region in finder.regions:
        # Same-named regions (a property and its setter, redefinitions) stay apart, as coverage.py
        # keeps them apart in its JSON: the later one gets "@<line>".
        if region.name in seen:
            region.name = f"{region.name}@{region.def_line}"
        seen.add(region.name)
    return SourceInfo(tuple(finder.regions), _statement_map(tree), text.count("\n") + 1)


class _RegionFinder:
    """Mirrors coverage.py's RegionFinder so function/class numbers equal its JSON format 3 regions."""

    def __init__(self, with_complexity: bool = True) -> None:
        self.with_complexity = with_complexity
        self.regions: list[Region] = []
        self.stack: list[Region] = []

    def name(self, leaf: str) -> str:
        return f"{self.stack[-1].name}.{leaf}" if self.stack else leaf

    def handle(self, node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.function(node)
        elif isinstance(node, ast.ClassDef):
            self.klass(node)
        else:
            self.body(node)

    def body(self, node: ast.AST) -> None:
        for field_name in STATEMENT_FIELDS:
            for child in getattr(node, field_name, ()):
                self.handle(child)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        lines = set(range(node.body[0].lineno, (node.body[-1].end_lineno or node.body[-1].lineno) + 1))
        parent = self.stack[-1] if self.stack else None
        if parent is not None and parent.kind == "class":
            parent.lines |= lines
        for ancestor in reversed(self.stack):
            if ancestor.kind == "function":
                ancestor.lines -= lines
                break
        region = Region(
            kind="function",
            name=self.name(node.name),
            start=_start(node),
            def_line=node.lineno,
            end=node.end_lineno or node.lineno,
            lines=lines,
            complexity=complexity(node) if self.with_complexity else 1,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            params=_params(node.args) if self.with_complexity else (),
            class_name=parent.name if parent is not None and parent.kind == "class" else None,
            nested=any(r.kind == "function" for r in self.stack),
            decorators=tuple(ast.unparse(d) for d in node.decorator_list),
        )
        self.enter(region, node)

    def klass(self, node: ast.ClassDef) -> None:
        region = Region(
            kind="class",
            name=self.name(node.name),
            start=_start(node),
            def_line=node.lineno,
            end=node.end_lineno or node.lineno,
            nested=any(r.kind == "function" for r in self.stack),
            decorators=tuple(ast.unparse(d) for d in node.decorator_list),
        )
        self.enter(region, node)
        for ancestor in reversed(self.stack):
            if ancestor.kind == "class":
                ancestor.lines -= region.lines
                break

    def enter(self, region: Region, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        """Record `region` and walk its body with it on the stack."""
        self.regions.append(region)
        self.stack.append(region)
        self.body(node)
        self.stack.pop()


def _start(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> int:
    """The first line of a definition, its decorators included."""
    return min([d.lineno for d in node.decorator_list] + [node.lineno])


def complexity(func: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """McCabe cyclomatic complexity of one function, not counting nested functions and classes."""
    score = 1
    todo: list[ast.AST] = list(ast.iter_child_nodes(func))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, _DECISIONS):
            score += 1
        elif isinstance(node, ast.BoolOp):
            score += len(node.values) - 1
        elif isinstance(node, ast.Try):
            score += 1 if node.orelse else 0
        todo.extend(ast.iter_child_nodes(node))
    return score


def _params(args: ast.arguments) -> tuple[Param, ...]:
    out: list[Param] = []
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults, strict=True):
        out.append(_param(arg, default, "positional"))
    if args.vararg is not None:
        out.append(_param(args.vararg, None, "var_positional"))
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out.append(_param(arg, kw_default, "keyword"))
    if args.kwarg is not None:
        out.append(_param(args.kwarg, None, "var_keyword"))
    return tuple(out)


def _param(arg: ast.arg, default: ast.expr | None, kind: str) -> Param:
    annotation = ast.unparse(arg.annotation) if arg.annotation is not None else None
    return Param(arg.arg, annotation, ast.unparse(default) if default is not None else None, kind)


def _statement_map(tree: ast.Module) -> dict[int, int]:
    """Physical line -> the line coverage.py reports the statement on (its first line).

    Multi-line simple statements map every line to their first; a compound statement maps its
    header lines (a condition split over lines) to the header's first line.
    """
    out: dict[int, int] = {}
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        children: list[ast.stmt] = []
        for field_name in STATEMENT_FIELDS:
            for child in getattr(node, field_name, ()):
                if isinstance(child, ast.ExceptHandler | ast.match_case):
                    children.extend(child.body)
                else:
                    children.append(child)
        first = node.lineno
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.decorator_list:
            first = node.decorator_list[0].lineno
        if children:
            header_end = min(c.lineno for c in children) - 1
            # A decorated nested def starts at its decorator, which may precede the first body stmt.
            header_end = max(header_end, node.lineno)
        else:
            header_end = node.end_lineno or node.lineno
        for line in range(first, header_end + 1):
            out.setdefault(line, first)
        todo.extend(children)
    return out
