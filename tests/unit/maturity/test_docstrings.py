"""The docstring scanner agrees with ast.parse + ast.get_docstring on every layout it claims to handle."""

from __future__ import annotations

from pathlib import Path

import pytest

import assay
from assay.maturity.docstrings import ast_docstrings, count_docstrings, scan_docstrings

# name -> (source, (documented, total) that ast reports). The scanner must decide these without the parser.
DECIDED: dict[str, tuple[str, tuple[int, int]]] = {
    "function with and without docstring": (
        'def f():\n    """Doc."""\n    return 1\n\n\ndef g():\n    return 2\n',
        (1, 2),
    ),
    "one-line body is not a docstring": ("def f(): return 1\n", (0, 1)),
    "one-line body that is a string": ('def f(): "doc"\nclass C: "doc"\n', (2, 2)),
    "private names are not counted": (
        'def _f():\n    "d"\nclass _C:\n    def m(self):\n        "d"\n',
        (0, 0),
    ),
    "public and private methods of a public class": (
        "class C:\n"
        '    """Doc."""\n'
        "    x = 1\n"
        "\n"
        "    def m(self):\n"
        '        """Doc."""\n'
        "\n"
        "    def _p(self):\n"
        "        pass\n"
        "\n"
        "    async def a(self):\n"
        "        pass\n",
        (2, 3),
    ),
    "class body ends at the next column-0 statement": (
        "class C:\n    def m(self):\n        pass\nx = 1\nif x:\n    def g(self):\n        pass\n",
        (0, 2),
    ),
    "defs nested in functions are not counted": (
        'def f():\n    def inner():\n        "d"\n    class K:\n        def m(self):\n            "d"\n',
        (0, 1),
    ),
    "defs under module-level if/try/with are not counted": (
        "import sys\n"
        "if sys.version_info > (3,):\n"
        '    def f():\n        "d"\n'
        "else:\n"
        "    def f():\n        pass\n"
        "try:\n"
        '    class C:\n        "d"\n'
        "except ImportError:\n"
        "    pass\n"
        "with open(__file__):\n"
        "    def g():\n        pass\n",
        (0, 0),
    ),
    "methods under an if in a class body are not counted": (
        'class C:\n    if True:\n        def m(self):\n            "d"\n    def n(self):\n        "d"\n',
        (1, 2),
    ),
    "nested classes are not counted, nor their methods": (
        'class C:\n    class Inner:\n        "d"\n        def m(self):\n            "d"\n',
        (0, 1),
    ),
    "decorators, also spanning lines": (
        "import functools\n"
        "@functools.lru_cache(\n"
        "    maxsize=None,\n"
        ")\n"
        'def f():\n    "d"\n'
        "@dataclass\n"
        "class C:\n"
        "    @property\n"
        '    def p(self):\n        "d"\n'
        "    @staticmethod\n"
        "    def s():\n        pass\n",
        (2, 4),
    ),
    "multi-line signatures with colons and brackets": (
        "def f(\n"
        "    a: dict[str, int] = {1: 2},\n"
        "    b=lambda x: x[1:2],\n"
        ') -> "Ret":\n'
        '    """Doc."""\n'
        "class C(\n    Base,\n    metaclass=Meta,\n):\n    def m(self, x: int = (1)) -> None: ...\n",
        (1, 3),
    ),
    "string prefixes": (
        'def r():\n    r"""raw"""\n'
        'def u():\n    u"text"\n'
        "def rb():\n    rb'bytes'\n"
        'def b():\n    b"bytes"\n'
        'def f():\n    f"no placeholders is still an f-string"\n'
        'def fr():\n    Rf"{x}"\n'
        "def upper():\n    R'raw'\n",
        (3, 7),
    ),
    "empty and concatenated strings": (
        'def empty():\n    ""\n'
        'def empty_triple():\n    """"""\n'
        'def blank():\n    """ """\n'
        'def continued():\n    "\\\n"\n'
        'def raw_continued():\n    r"\\\n"\n'
        'def concatenated():\n    "" "x"\n'
        'def with_f():\n    "a" f"b"\n'
        'def across_lines():\n    ""\n    "not part of the docstring"\n',
        (3, 8),
    ),
    "parenthesized strings, but not tuples or calls": (
        'def p():\n    ("doc")\n'
        'def pp():\n    (\n        "a"\n        "b"\n    )\n'
        'def t():\n    ("a",)\n'
        'def c():\n    ("a")("b")\n'
        'def m():\n    "a".strip()\n'
        'def o():\n    "a" + "b"\n'
        'def s():\n    "doc"; x = 1\n',
        (3, 7),
    ),
    "comments and blank lines before the docstring": (
        'def f():  # trailing comment\n\n    # a comment line\n\n    """Doc."""\n'
        'class C:  # "quoted" comment\n    # comment\n    """Doc."""\n',
        (2, 2),
    ),
    "def and class inside multi-line strings": (
        'X = """\ndef fake():\n    pass\nclass Fake:\n"""\n'
        "Y = '''\n    def fake(self): pass\n'''\n"
        'class C:\n    doc = """\ndef not_a_method():\n"""\n    def m(self):\n        "d"\n',
        (1, 2),
    ),
    "bracketed continuations at column 0": (
        "class C:\n    table = [\n1,\n2,\n]\n"
        "    def m(self):\n        'd'\n    call(\n)\n    def n(self):\n        pass\n",
        (1, 3),
    ),
    "backslash continuations": (
        'def f(a, \\\n      b):\n    "doc" \\\n    "more"\n'
        "class C(\\\nBase):\n    def m(self):\n        pass\n",
        (1, 3),
    ),
    "quotes and hashes inside strings": (
        'def f():\n    "a # not a comment \' still text"\n'
        "def g():\n    '\"'\n"
        'def h():\n    "escaped \\" quote"\n',
        (3, 3),
    ),
    "tab indentation": ('class C:\n\tdef m(self):\n\t\t"d"\n\tdef n(self):\n\t\tpass\n', (1, 3)),
    "windows line endings": ('class C:\r\n    """Doc."""\r\n    def m(self):\r\n        pass\r\n', (1, 2)),
    "one-line class bodies": ("class E(Exception): pass\nclass F: ...\ndef g():\n    pass\n", (0, 3)),
    "numbers that are not old octals": ('X = [1e-05, 2E+07, 0.05, 00, 0o17]\ndef f():\n    "d"\n', (1, 1)),
    "no definitions": ("x = 1\n", (0, 0)),
    "empty file": ("", (0, 0)),
}

# Layouts the scanner hands to the parser; the answer must still be the parser's.
UNDECIDED: dict[str, str] = {
    "tabs mixed with spaces": 'class C:\n\t def m(self):\n\t \t"d"\n',
    "non-ASCII name": 'def größe():\n    "d"\n',
    "form feed": 'def f():\n    "d"\n\x0c\ndef g():\n    pass\n',
    "string glued to a keyword": 'def f(x):\n    return"x"\n',
}

# Files the parser rejects; count_docstrings must skip them too (None).
INVALID: dict[str, str] = {
    "no name": "def (:\n",
    "unterminated string": 'def f():\n    """never closed\n',
    "unbalanced brackets": "def f(:\n    pass\n",
    "python 2 print statement": 'def f():\n    "d"\n    print "hello"\n',
    "python 2 except clause": "try:\n    pass\nexcept ValueError, e:\n    pass\n",
    "python 2 octal literal": "MODE = 0755\n",
    "character no name may hold": "€ = 2\n",
    "ur prefix": 'X = ur"text"\n',
    "mixed bytes and text": 'def f():\n    b"a" "b"\n',
    "null byte": 'def f():\n    "d"\n\x00\n',
    "def after a semicolon": "x = 1; def f(): pass\n",
}


@pytest.mark.parametrize("name", list(DECIDED))
def test_scanner_decides_and_agrees_with_ast(name: str) -> None:
    source, expected = DECIDED[name]
    assert ast_docstrings(source) == expected  # the table itself is what ast says
    assert scan_docstrings(source) == expected
    assert count_docstrings(source) == expected


@pytest.mark.parametrize("name", list(UNDECIDED))
def test_undecided_layouts_get_the_parsers_answer(name: str) -> None:
    source = UNDECIDED[name]
    assert scan_docstrings(source) is None
    assert count_docstrings(source) == ast_docstrings(source) is not None


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_files_are_skipped(name: str) -> None:
    source = INVALID[name]
    assert ast_docstrings(source) is None
    assert count_docstrings(source) is None


def test_scanner_agrees_with_ast_on_assays_own_source() -> None:
    sources = sorted(Path(assay.__file__).parent.rglob("*.py"))
    assert len(sources) > 100
    undecided = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert count_docstrings(text) == ast_docstrings(text), path
        if scan_docstrings(text) is None:
            undecided.append(path)
    assert not undecided  # plain modern code never needs the parser
