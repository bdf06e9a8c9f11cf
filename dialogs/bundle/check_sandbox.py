"""What a template could do to the service, found in its source before it is published, at
its line: reaching Python's internals (`''.__class__.__mro__`, `self._TemplateReference__context`,
`x|attr('__globals__')`) and resource bombs written as constants (`'x' * 10**9`, `range(10**6)`,
loops nested past the step budget).

The sandbox bounds all of this at render time too (dialogs/sandbox.py); refusing it here
means an admin hears of it before publishing rather than the customer getting the shipped
default instead of their text. Constant expressions are worked out with the sandbox's own
bounded operators, which refuse an oversized value before building it; what depends on data is
left to the render with the sample values and to the render-time budget."""

from __future__ import annotations

from typing import Any

from jinja2 import nodes
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_FUNCTION_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    UNSAFE_METHOD_ATTRIBUTES,
    SecurityError,
)

from dialogs.bundle.findings import Report
from dialogs.sandbox import BoundedSandbox
from dialogs.sandbox_budget import MAX_STEPS, TemplateBudgetExceeded, _small_range
from dialogs.sandbox_filters import _BOUNDED_STR_METHODS

# Names Python's own objects keep their internals under (a function's globals, a generator's
# frame…); a leading underscore covers the rest (__class__, _TemplateReference__context).
_INTERNAL = frozenset({*UNSAFE_FUNCTION_ATTRIBUTES, *UNSAFE_METHOD_ATTRIBUTES,
                       *UNSAFE_GENERATOR_ATTRIBUTES, *UNSAFE_COROUTINE_ATTRIBUTES,
                       *UNSAFE_ASYNC_GENERATOR_ATTRIBUTES, "mro"})
_BINOPS = (nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow)


class _NotConstant(Exception):
    pass


def check_sandbox(item: str, tree: nodes.Template, env: BoundedSandbox,
                  report: Report) -> None:
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name = _attribute_named(node)
        if name is not None and (name.startswith("_") or name in _INTERNAL):
            report.refuse(item, f"'{name}' is Python's internals, not the template's data",
                          node.lineno)
    _constants(item, tree, env, report)
    _nested_loops(item, tree, env, report, 1)


def _attribute_named(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return node.arg.value if isinstance(node.arg.value, str) else None
    if (isinstance(node, nodes.Filter) and node.name == "attr" and node.args
            and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)):
        return str(node.args[0].value)
    return None


def _constants(item: str, node: nodes.Node, env: BoundedSandbox, report: Report) -> None:
    """Work out each largest constant expression; report the first bound it breaks."""
    if isinstance(node, nodes.Expr):
        try:
            _value(node, env)
            return
        except _NotConstant:
            pass
        except (TemplateBudgetExceeded, SecurityError, ArithmeticError) as e:
            report.refuse(item, f"not allowed in a template: {e}", node.lineno)
            return
    for child in node.iter_child_nodes():
        _constants(item, child, env, report)


def _value(node: nodes.Node, env: BoundedSandbox) -> Any:
    """The value of a constant expression, made through the sandbox's bounded operations."""
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.List | nodes.Tuple):
        items = [_value(n, env) for n in node.items]
        return env.heard_value(items if isinstance(node, nodes.List) else tuple(items))
    if isinstance(node, _BINOPS):
        return env.call_binop(None, node.operator, _value(node.left, env),  # type: ignore[arg-type]
                              _value(node.right, env))
    if isinstance(node, nodes.Neg):
        return -_value(node.node, env)
    if isinstance(node, nodes.Concat):
        return env.heard_concat(tuple(_value(n, env) for n in node.nodes))
    if isinstance(node, nodes.Filter) and node.node is not None and node.name in env.filters:
        value = _value(node.node, env)
        args = [_value(a, env) for a in node.args]
        kwargs = {str(k.key): _value(k.value, env) for k in node.kwargs}
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise _NotConstant
        try:
            return env.call_filter(node.name, value, args, kwargs)
        except (TemplateBudgetExceeded, SecurityError, ArithmeticError):
            raise
        except Exception:
            raise _NotConstant from None  # a filter that needs the render's context
    if isinstance(node, nodes.Call) and not node.kwargs and node.dyn_args is None:
        args = [_value(a, env) for a in node.args]
        if isinstance(node.node, nodes.Name) and node.node.name == "range":
            return _small_range(*args)
        if (isinstance(node.node, nodes.Getattr) and node.node.attr in _BOUNDED_STR_METHODS):
            target = _value(node.node.node, env)
            if isinstance(target, str):
                return _BOUNDED_STR_METHODS[node.node.attr](target, *args)
    raise _NotConstant


def _nested_loops(item: str, node: nodes.Node, env: BoundedSandbox, report: Report,
                  outer: int) -> None:
    """Loops over constant ranges nested inside each other run their product of times."""
    for child in node.iter_child_nodes():
        times = outer
        if isinstance(child, nodes.For):
            try:
                times = outer * len(_value(child.iter, env))
            except Exception:  # not constant, or refused above already
                times = outer
            if times > MAX_STEPS >= outer:
                report.refuse(item, f"loops nested here run {times:,} times; a template may "
                                    f"take {MAX_STEPS:,} steps", child.lineno)
        _nested_loops(item, child, env, report, times)
