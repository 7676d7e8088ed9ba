"""Functions and classes are named and bounded the way a person reads the code."""

from __future__ import annotations

import textwrap

import pytest

from assay.coverage.source import SourceError, analyse_source, complexity

SAMPLE = textwrap.dedent(
    """\
    import functools


    def plain(a: int, b: str = "x") -> str:
        return b * a


    @functools.lru_cache(maxsize=None)
    def decorated(n):
        if n < 2:
            return n
        return decorated(n - 1) + decorated(n - 2)


    def outer(x):
        def inner(y):
            return y + 1

        return inner(x)


    class Shape:
        @property
        def area(self) -> float:
            return 0.0

        @area.setter
        def area(self, value: float) -> None:
            raise AttributeError("read-only")

        async def fetch(self, *, url: str) -> bytes:
            for _ in range(3):
                if url and not url.startswith("x"):
                    return b""
            return b"x"
    """
)


def test_regions_name_decorated_nested_methods_and_async() -> None:
    info = analyse_source(SAMPLE)
    by_name = {r.name: r for r in info.regions}
    assert set(by_name) == {
        "plain",
        "decorated",
        "outer",
        "outer.inner",
        "Shape",
        "Shape.area",
        "Shape.area@28",
        "Shape.fetch",
    }
    decorated = by_name["decorated"]
    assert (decorated.start, decorated.def_line, decorated.end) == (8, 9, 12)
    assert by_name["outer.inner"].nested is True
    assert by_name["Shape.fetch"].is_async is True
    assert by_name["Shape.fetch"].class_name == "Shape"
    assert by_name["Shape.area@28"].decorators == ("area.setter",)
    # The outer function's body excludes the nested function's lines, as coverage.py counts them.
    assert by_name["outer"].lines == {16, 18, 19}  # `def inner` runs as part of outer
    assert by_name["outer.inner"].lines == {17}
    assert [p.name for p in by_name["plain"].params] == ["a", "b"]
    assert by_name["plain"].params[1].default == "'x'"
    assert by_name["Shape.fetch"].params[1].kind == "keyword"


def test_complexity_counts_decision_points() -> None:
    import ast

    tree = ast.parse(SAMPLE)
    funcs = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    assert complexity(funcs["plain"]) == 1
    assert complexity(funcs["decorated"]) == 2
    # for + if + `and`
    assert complexity(funcs["fetch"]) == 4


def test_multi_line_statements_map_to_their_first_line() -> None:
    text = "x = call(\n    1,\n    2,\n)\nif (x and\n        x > 1):\n    y = 1\n"
    info = analyse_source(text)
    assert info.statement_of[2] == 1
    assert info.statement_of[4] == 1
    assert info.statement_of[6] == 5
    assert info.statement_of[7] == 7


def test_syntax_error_is_reported_with_the_line() -> None:
    with pytest.raises(SourceError, match="line 2"):
        analyse_source("def ok():\n    return (\n")


def test_class_lines_are_its_methods_bodies_not_a_nested_class_s() -> None:
    source = textwrap.dedent(
        """\
        class Outer:
            def one(self):
                return 1

            class Inner:
                def two(self):
                    return 2
        """
    )
    by_name = {r.name: r for r in analyse_source(source).regions}
    assert by_name["Outer.Inner"].lines == {7}
    assert by_name["Outer"].lines == {3}  # Inner's method body counts for Inner only
