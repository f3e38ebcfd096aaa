"""Every Chinese string in the code is either translatable or data on purpose, and every translatable one has English
(issue #11 item 13: "every page body, message and printed paper goes through gettext and has an English catalog").

test_english.py renders pages; it cannot reach the messages a page shows only after a refused submission (a service's
ValidationFailed, a workflow refusal, an API error). This test reads the code instead:

- a string literal containing Chinese, outside tests, migrations and the demo generator, must be the msgid of a
  gettext call (gettext, gettext_lazy, pgettext, ngettext …, or gettext_noop for a msgid translated where it is
  shown), a docstring, or data on purpose: a line marked ``# zh: <why>`` (a stored record written in Chinese, a value
  compared with Chinese input, a lookup key), or a module in KEPT_MODULES with its reason;
- every such msgid has a non-empty, non-fuzzy English msgstr in the catalogs the running site loads.

Failures are listed by file and line so a translator or a developer can act on each.
"""

import ast
import re
from pathlib import Path

import polib
from django.conf import settings

PACKAGE = Path(settings.BASE_DIR) / "doorstep"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
GETTEXT = {
    "_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
    "npgettext", "npgettext_lazy", "_lazy", "_noop", "pgettext_noop",
}
# pgettext_noop is ours to define where a (context, msgid) pair is marked for translation where it is shown.
CONTEXT_FIRST = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy", "pgettext_noop"}
PLURAL = {"ngettext", "ngettext_lazy", "npgettext", "npgettext_lazy"}
MARKER = "# zh:"

# Whole modules whose Chinese is data, with the reason.
KEPT_MODULES = {
    "core/names.py": "surnames and their readings: data about Chinese names, never shown as product text",
    "calendar/statutory.py": "the law's holiday names, matched against the holidays library's names and stored",
}
SKIPPED_PARTS = {"tests", "migrations", "journeys", "demo", "locale", "static", "templates"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if SKIPPED_PARTS & set(relative.parts[:-1]) or relative.name == "conftest.py":
            continue
        yield relative, path


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _scan(path: Path):
    """(unmarked literals [(line, text)], msgids [(line, context, msgid)]) of one module."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    inside_gettext: set[int] = set()
    msgids = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _call_name(node) not in GETTEXT:
            continue
        name = _call_name(node)
        for inner in ast.walk(node):
            inside_gettext.add(id(inner))
        arguments = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
        context = None
        if name in CONTEXT_FIRST and arguments:
            context, arguments = arguments[0], arguments[1:]
        if arguments and arguments[0] and CJK.search(arguments[0]):
            msgids.append((node.lineno, context, arguments[0]))
            if name in PLURAL and len(arguments) > 1 and arguments[1]:
                msgids.append((node.lineno, context, arguments[1]))
    docstrings = _docstrings(tree)
    unmarked = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value)):
            continue
        if id(node) in inside_gettext or id(node) in docstrings:
            continue
        span = lines[node.lineno - 1:(node.end_lineno or node.lineno)]
        # The marker may sit on the literal's own lines or on the line that opens the statement holding it.
        if any(MARKER in line for line in span) or _statement_marked(tree, node, lines):
            continue
        unmarked.append((node.lineno, node.value))
    return unmarked, msgids


def _statement_marked(tree: ast.AST, target: ast.AST, lines: list[str]) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= target.lineno <= (node.end_lineno or node.lineno):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.While,
                                     ast.With, ast.Try)):
                if MARKER in lines[node.lineno - 1]:
                    return True
    return False


def _catalog() -> dict[tuple[str | None, str], polib.POEntry]:
    entries = {}
    for po_path in PACKAGE.rglob("locale/en/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po_path)):
            if entry.msgstr or entry.msgstr_plural:
                if "fuzzy" not in entry.flags:
                    entries[(entry.msgctxt, entry.msgid)] = entry
                    if entry.msgid_plural:
                        entries[(entry.msgctxt, entry.msgid_plural)] = entry
    return entries


def test_chinese_in_code_is_translatable_or_marked_as_data():
    problems = []
    for relative, path in _modules():
        if str(relative) in KEPT_MODULES:
            continue
        unmarked, _ = _scan(path)
        problems += [f"{relative}:{line}: {text[:70]!r}" for line, text in unmarked]
    assert not problems, (
        f"{len(problems)} Chinese literals are neither a gettext msgid nor marked '# zh: <why>' as data:\n"
        + "\n".join(problems))


def test_every_msgid_in_code_has_english():
    catalog = _catalog()
    missing = []
    for relative, path in _modules():
        _, msgids = _scan(path)
        missing += [f"{relative}:{line}: {('[' + context + '] ') if context else ''}{msgid[:70]!r}"
                    for line, context, msgid in msgids if (context, msgid) not in catalog]
    assert not missing, f"{len(missing)} msgids have no English in locale/en:\n" + "\n".join(missing)


def test_no_msgid_has_two_english_translations():
    """Django merges every app's catalog into one: when two catalogs translate a msgid differently only one wins, so
    the other app shows a word it never chose (办件 as "Cases" in a case's title). A msgid meant two ways takes a
    context (pgettext, {% translate … context … %})."""
    seen: dict[tuple[str | None, str], dict[str, str]] = {}
    for po_path in sorted(PACKAGE.rglob("locale/en/LC_MESSAGES/django.po")):
        for entry in polib.pofile(str(po_path)):
            if entry.msgstr and "fuzzy" not in entry.flags:
                seen.setdefault((entry.msgctxt, entry.msgid), {})[str(po_path.relative_to(PACKAGE))] = entry.msgstr
    conflicts = [f"{msgid!r}{' [' + context + ']' if context else ''}: {found}"
                 for (context, msgid), found in seen.items() if len(set(found.values())) > 1]
    assert not conflicts, "\n".join(conflicts)
