"""Where the code renders a dialog template and with which variables, read from the source
(ast), so dialogs/data/template_variables.yaml can be checked against what the dialog really
provides (tests/test_template_variables.py).

A call site names its template as a literal, a choice of literals (`"a" if x else "b"`), an
f-string (`f"invalid.{slot}"`: a prefix, any template starting with it), a
`TABLE.get(key, default)` of a module-level dict of literal names, or a prompt's
`(name, {variables})` pair (dialogs/turn/prompts.py). Anything else is left unread (`names`
empty, no `prefix`), and the test refuses such a site if it passes variables."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The dialog and the one place outside it that speaks to customers in templates.
SOURCES = [p for p in sorted((ROOT / "dialogs").rglob("*.py"))
           if not {"reports", "bundle", "preview"} & set(p.parts)]
SOURCES.append(ROOT / "handlers/turns/pipeline.py")

# Functions that pass their own keyword arguments on to a template: `invalid(t, "category",
# count=3)` renders "invalid.category" with `count` and with what `invalid` itself adds.
FORWARDERS = {"invalid": "invalid."}


@dataclass(frozen=True)
class Site:
    where: str  # "dialogs/turn/tickets.py:32"
    function: str  # the function it is in ("" at module level)
    names: frozenset[str]
    prefix: str | None
    variables: frozenset[str]
    forwards: bool = False  # passes its caller's **data on
    via: str | None = None  # called through FORWARDERS[via]

    @property
    def readable(self) -> bool:
        return bool(self.names) or self.prefix is not None

    def names_it(self, template: str) -> bool:
        return template in self.names

    def may_name(self, template: str) -> bool:
        return self.names_it(template) or (
            self.prefix is not None and template.startswith(self.prefix))


def sites() -> list[Site]:
    found: list[Site] = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        _Visitor(str(path.relative_to(ROOT)), _module_tables(tree), found).visit(tree)
    return found


class _Visitor(ast.NodeVisitor):
    def __init__(self, rel: str, tables: dict[str, set[str]], out: list[Site]) -> None:
        self.rel, self.tables, self.out = rel, tables, out
        self.function = ""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        site = self._call(node)
        if site is not None:
            self.out.append(site)
        self.generic_visit(node)

    def visit_Tuple(self, node: ast.Tuple) -> None:
        if (self.rel.endswith("prompts.py") and len(node.elts) == 2
                and isinstance(node.elts[1], ast.Dict)):
            keys = {str(k.value) for k in node.elts[1].keys if isinstance(k, ast.Constant)}
            self.out.append(self._site(node, node.elts[0], keys))
        self.generic_visit(node)

    def _call(self, node: ast.Call) -> Site | None:
        func = node.func
        kwargs = {k.arg for k in node.keywords if k.arg is not None}
        forwards = any(k.arg is None for k in node.keywords)
        if isinstance(func, ast.Attribute) and func.attr == "say" and node.args:
            return self._site(node, node.args[0], kwargs, forwards)
        if isinstance(func, ast.Name) and func.id == "render" and len(node.args) >= 3:
            return self._site(node, node.args[2], kwargs, forwards)
        if (isinstance(func, ast.Attribute) and func.attr == "render" and node.args
                and _ends_with_templates(func.value)):
            return self._site(node, node.args[0], kwargs, forwards)
        if isinstance(func, ast.Name) and func.id in FORWARDERS and len(node.args) >= 2:
            prefix = FORWARDERS[func.id]
            arg = node.args[1]
            if isinstance(arg, ast.Name):  # the slot at hand: any of them
                return Site(self._where(node), self.function, frozenset(), prefix,
                            frozenset(kwargs), via=func.id)
            # "category", or {"category": "category", …}.get(f, "description"): its texts
            names = {prefix + str(v.value) for v in ast.walk(arg)
                     if isinstance(v, ast.Constant) and isinstance(v.value, str)}
            return Site(self._where(node), self.function, frozenset(names), None,
                        frozenset(kwargs), via=func.id)
        return None

    def _site(self, node: ast.AST, name: ast.expr, variables: set[str],
              forwards: bool = False) -> Site:
        names, prefix = _names(name, self.tables)
        return Site(self._where(node), self.function, frozenset(names), prefix,
                    frozenset(variables), forwards)

    def _where(self, node: ast.AST) -> str:
        return f"{self.rel}:{getattr(node, 'lineno', 0)}"


def _ends_with_templates(value: ast.expr) -> bool:
    return ((isinstance(value, ast.Attribute) and value.attr == "templates")
            or (isinstance(value, ast.Name) and value.id == "templates"))


def _names(node: ast.expr, tables: dict[str, set[str]]) -> tuple[set[str], str | None]:
    """The template names an expression may give, and a prefix any of them may start with."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}, None
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0],
                                                                      ast.Constant):
        return set(), str(node.values[0].value)
    if isinstance(node, ast.IfExp):
        a, pa = _names(node.body, tables)
        b, pb = _names(node.orelse, tables)
        if (not a and pa is None) or (not b and pb is None) or (pa and pb and pa != pb):
            return set(), None
        return a | b, pa or pb
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get" and isinstance(node.func.value, ast.Name)
            and node.func.value.id in tables and len(node.args) == 2):
        default, prefix = _names(node.args[1], tables)
        if not default and prefix is None:
            return set(), None
        return tables[node.func.value.id] | default, prefix
    return set(), None


def _module_tables(tree: ast.Module) -> dict[str, set[str]]:
    """Module-level dicts whose values are all literal texts (EDIT_QUESTIONS and the like)."""
    out: dict[str, set[str]] = {}
    for stmt in tree.body:
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Dict)):
            values = [v.value for v in stmt.value.values if isinstance(v, ast.Constant)]
            if len(values) == len(stmt.value.values) and all(isinstance(v, str) for v in values):
                out[stmt.targets[0].id] = {str(v) for v in values}
    return out


def provided(template: str, all_sites: list[Site]) -> tuple[set[str], set[str]]:
    """(surely, maybe): the variables call sites naming `template` give it, and those also
    given by sites that may name it (a prefix) — the table must list the first and no more
    than the second."""
    forwarded = {f: set().union(*(s.variables for s in all_sites
                                  if s.forwards and s.function == f))
                 for f in FORWARDERS}
    surely: set[str] = set()
    maybe: set[str] = set()
    for s in all_sites:
        given = set(s.variables) | (forwarded[s.via] if s.via else set())
        if s.names_it(template):
            surely |= given
        if s.may_name(template):
            maybe |= given
    return surely, maybe | surely


def iter_unreadable(all_sites: list[Site]) -> Iterator[Site]:
    """Sites that pass variables to a template this module cannot name."""
    for s in all_sites:
        if not s.readable and (s.variables or s.forwards):
            yield s
