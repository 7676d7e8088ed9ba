"""Docstring coverage of a Python file without building its AST: a lexical scan that counts what
``ast.get_docstring`` counts, falling back to ``ast.parse`` for files the scan cannot decide.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterable

# A comment, a string literal (f-strings lex like plain strings before 3.12), or a quote that starts
# neither (an unterminated string). The prefix letters are read backwards from the quote: a pattern that
# starts with a look-behind would be tried at every position, several times slower.
_LEXEME = re.compile(
    r"""\#[^\n]*"""
    r"""|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"""
    r'''|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'''
    r"""|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"""
    r'''|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'''
    r"""|['"]""",
    re.DOTALL,
)
_PREFIXES = frozenset({"", "r", "u", "b", "f", "br", "rb", "fr", "rf"})
# After masking, every string literal is one of these characters.
_TEXT, _EMPTY, _FSTRING, _BYTES = "\x01", "\x02", "\x03", "\x04"
_HEADER = re.compile(r"\n([ \t]*+)(?:async[ \t]++)?(def|class)[ \t]++(\w++)")  # possessive: no backtracking
_KEYWORD = re.compile(r"def(?<!\wdef)(?!\w)|class(?<!\wclass)(?!\w)")
_STATEMENT_START = re.compile(r"\n[^ \t\n]")
_NEXT_LINE = re.compile(r"\n([ \t]*+)(?=[^ \t\n])")
# A statement that is only string literals (implicitly concatenated), bare or wrapped in parentheses.
_BARE_STRINGS = re.compile(r"[ \t]*([\x01-\x04](?:[ \t]*[\x01-\x04])*)[ \t]*(?:;|\n|$)")
_PAREN_STRINGS = re.compile(
    r"[ \t]*((?:\([ \t\n]*)+)([\x01-\x04](?:[ \t\n]*[\x01-\x04])*)((?:[ \t\n]*\))+)[ \t]*(?:;|\n|$)"
)
# Cheap-to-see syntax errors in masked code, Python 2 idioms mostly. Each pattern starts with a literal
# character so the regex engine skips ahead instead of trying every position.
_STATEMENT_HINT = re.compile(
    r"\n[ \t]*+(?:(?:print|exec)[ \t]+[\w\x01-\x04]"  # print/exec statements
    r"|(?:except|raise)[ \t]+[\w.]+[ \t]*,)"  # `except E, e:` and `raise E, "message"`
)
_LITERAL_HINT = re.compile(
    r"0(?<![\w.]0)(?<![eE][+-]0)[0-9]*[1-9][0-9]*(?![\w.])"  # 0777: an old octal literal, not 1e-05
    r"|[0-9](?<![\w.][0-9])[0-9]*[lL](?!\w)"  # 10L: a long literal
)
_ASYNC_NAME = re.compile(r"async(?<!\wasync)(?!\w)(?![ \t]+(?:def|with|for)\b)")  # `async` as a name


def count_docstrings(text: str) -> tuple[int, int] | None:
    """(documented, total) public definitions of a module; None if the file is not valid Python.

    Counts what the AST path counts: module-level public functions and classes and the public methods of
    public module-level classes, documented when ``ast.get_docstring(node, clean=False)`` is non-empty.
    """
    scanned = scan_docstrings(text)
    return scanned if scanned is not None else ast_docstrings(text)


def ast_docstrings(text: str) -> tuple[int, int] | None:
    """The reference answer: parse the module and ask ``ast.get_docstring``; None on a syntax error."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    documented = total = 0
    for node in public_definitions(tree):
        total += 1
        if ast.get_docstring(node, clean=False):
            documented += 1
    return documented, total


def public_definitions(tree: ast.Module) -> Iterable[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """Module-level public functions and classes, and the public methods of public classes."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            yield node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            yield node
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and not item.name.startswith("_"):
                    yield item


def scan_docstrings(text: str) -> tuple[int, int] | None:
    """The lexical scan alone: (documented, total), or None when it cannot vouch for the answer.

    None covers every file that shows a sign of invalid syntax (unterminated strings, unbalanced brackets,
    stray backslashes, `def` outside a statement start, Python 2 idioms) and layouts it does not model
    (form feeds, tabs mixed with spaces in one indentation, non-ASCII code); the caller then asks the parser.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in text or "\f" in text:
        return None
    masked = _mask(text)
    if masked is None:
        return None
    if not masked.isascii():
        return None  # a non-ASCII name, or a character no name may hold (`€ = 2`): the parser decides
    masked = "\n" + masked.replace("\\\n", " ")  # every line, the first too, starts after a newline
    if "\\" in masked or _looks_invalid(masked) or _depth(masked, 0, len(masked)) != 0:
        return None
    headers = list(_HEADER.finditer(masked))
    if len(headers) != len(_KEYWORD.findall(masked)):
        return None  # `def`/`class` somewhere a statement cannot start, or without a name
    # Positions of the statements at column 0 (lines at bracket depth 0): they delimit module-level blocks.
    starts: list[int] = []
    depth = previous = 0
    for match in _STATEMENT_START.finditer(masked):
        position = match.start()
        depth += _depth(masked, previous, position)
        previous = position
        if depth == 0:
            starts.append(position)
        elif depth < 0:
            return None
    class_bodies: dict[int, str | None] = {}  # a public module-level class's position -> its body's indent
    documented = total = 0
    for header in headers:
        indent, keyword, name = header.group(1), header.group(2), header.group(3)
        if "\t" in indent and " " in indent:
            return None  # tabs mixed with spaces: leave the column arithmetic to the parser
        body = _body(masked, header.end(), indent)
        if body is None:
            return None
        body_indent, has_docstring = body
        if has_docstring is None:
            return None
        if indent:
            if keyword == "class" or name.startswith("_"):
                continue
            before = bisect.bisect_left(starts, header.start())
            enclosing = starts[before - 1] if before else -1
            if enclosing not in class_bodies or class_bodies[enclosing] != indent:
                continue  # nested in a function, or under a module-level if/try/with, or in a private class
        elif name.startswith("_"):
            continue
        elif keyword == "class":
            class_bodies[header.start()] = body_indent
        total += 1
        documented += has_docstring
    return documented, total


def _mask(text: str) -> str | None:
    """The code with comments removed and each string literal reduced to one marker character."""
    pieces: list[str] = []
    append = pieces.append
    last = 0
    for match in _LEXEME.finditer(text):  # the hot loop: one turn per comment or string
        start, end = match.span()
        if text[start] == "#":
            append(text[last:start])
            last = end
            continue
        if end - start == 1:
            return None  # a quote that opens no complete string
        begin = start
        before = text[start - 1] if start else " "
        if before.isalnum() or before == "_":
            while begin > 0 and start - begin < 3 and (text[begin - 1].isalnum() or text[begin - 1] == "_"):
                begin -= 1
            if begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "_"):
                return None  # a name glued to a string (`return"x"`): let the parser judge
        prefix = text[begin:start].lower()
        append(text[last:begin])
        last = end
        if prefix:
            if prefix not in _PREFIXES:
                return None  # `ur""` and other prefixes Python 3 rejects
            if "f" in prefix:
                append(_FSTRING)
                continue
            if "b" in prefix:
                append(_BYTES)
                continue
        quote = 3 if end - start >= 6 and text[start + 1] == text[start + 2] == text[start] else 1
        if end - start == 2 * quote:
            append(_EMPTY)
        elif text[start + quote] != "\\" or "r" in prefix:
            append(_TEXT)
        else:  # a backslash-newline inside a string is no character: "\<newline>" is empty
            append(_TEXT if text[start + quote : end - quote].replace("\\\n", "") else _EMPTY)
    append(text[last:])
    return "".join(pieces)


def _looks_invalid(masked: str) -> bool:
    """Whether masked code shows a syntax error that is cheap to see (backticks, `<>`, Python 2 idioms)."""
    return bool(
        "`" in masked
        or "<>" in masked
        or _LITERAL_HINT.search(masked)
        or _STATEMENT_HINT.search(masked)
        or ("async" in masked and _ASYNC_NAME.search(masked))
    )


def _depth(masked: str, start: int, end: int) -> int:
    """Brackets opened minus brackets closed in masked[start:end]."""
    count = masked.count
    return (
        count("(", start, end)
        + count("[", start, end)
        + count("{", start, end)
        - count(")", start, end)
        - count("]", start, end)
        - count("}", start, end)
    )


def _body(masked: str, after_name: int, indent: str) -> tuple[str | None, bool | None] | None:
    """(indentation of an indented body or None for a one-line body, whether it opens with a docstring).

    None when the header has no colon or no body; a docstring answer of None when the first statement
    mixes bytes and text literals (a syntax error).
    """
    depth, position = 0, after_name
    while True:
        colon = masked.find(":", position)
        if colon < 0:
            return None
        depth += _depth(masked, position, colon)
        position = colon + 1
        if depth == 0:
            break
    end_of_line = masked.find("\n", position)
    if end_of_line < 0:
        end_of_line = len(masked)
    if masked[position:end_of_line].strip(" \t"):
        return None, _opens_with_docstring(masked, position)
    following = _NEXT_LINE.search(masked, end_of_line)
    if following is None:
        return None
    body_indent = following.group(1)
    if len(body_indent) <= len(indent) or not body_indent.startswith(indent):
        return None
    if "\t" in body_indent and " " in body_indent:
        return None
    return body_indent, _opens_with_docstring(masked, following.end())


def _opens_with_docstring(masked: str, position: int) -> bool | None:
    """Whether the statement at `position` is a non-empty plain string (what ast.get_docstring returns)."""
    match = _BARE_STRINGS.match(masked, position)
    if match is not None:
        literals = match.group(1)
    else:
        match = _PAREN_STRINGS.match(masked, position)
        if match is None or match.group(1).count("(") != match.group(3).count(")"):
            return False
        literals = match.group(2)
    if _BYTES in literals:
        return None if (_TEXT in literals or _EMPTY in literals or _FSTRING in literals) else False
    return _FSTRING not in literals and _TEXT in literals
