"""The Jinja2 sandbox the bot's templates render in, bounded from the inside.

Stored templates are edited by admins, so a template is trusted with nothing: Jinja's immutable
sandbox keeps it away from Python's internals, and this module keeps it from spending memory or
time. Checking the output between chunks is not enough: `{{ 'x' * 300000000 }}` builds its
string in one step before a single chunk comes out. So everything that can make a large value
is bounded where the value is made: the operators, `~`, list and dict literals, the string
methods and filters a template may call, `range`; and everything that repeats is counted: loop
iterations, calls (macros, `caller()`, methods) and filters. A render has a budget of steps, of
characters made (values built and text written into any buffer, macros' included) and of
time; breaking any bound raises TemplateBudgetExceeded, a refused operation SecurityError.
"""

from __future__ import annotations

import functools
import time
import types
from collections.abc import Callable, Collection, Iterable, Iterator, Sized
from contextvars import ContextVar
from typing import Any, cast

from jinja2 import filters as jinja_filters
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import pass_environment

# Far above what the shipped templates use (the longest source is under 1,000 characters, the
# longest loop a dozen summary lines), far below what hurts: every bound below is per render.
MAX_SOURCE_CHARS = 10_000
MAX_RANGE = 1_000
# Any one string, or list or dict measured as text, made while rendering.
MAX_VALUE_CHARS = 50_000
MAX_INT_BITS = 1_024
# Loop iterations, calls and filter applications, all together.
MAX_STEPS = 2_000
# Everything made in one render: about 4 MB of text at most, whatever the template does.
MAX_CHARS_MADE = 1_000_000


class TemplateBudgetExceeded(Exception):
    pass


class _Budget:
    __slots__ = ("chars", "deadline", "steps")

    def __init__(self, deadline: float) -> None:
        self.steps = 0
        self.chars = 0
        self.deadline = deadline


# The render in progress. None while compiling: constant folding then runs filters with the
# size bounds but no budget to charge.
_budget: ContextVar[_Budget | None] = ContextVar("heard_template_budget", default=None)


def start_budget(deadline: float) -> Any:
    """Give the render about to run its own budget; pass the result to end_budget."""
    return _budget.set(_Budget(deadline))


def end_budget(token: Any) -> None:
    _budget.reset(token)


def _step(count: int = 1) -> None:
    budget = _budget.get()
    if budget is None:
        return
    budget.steps += count
    if budget.steps > MAX_STEPS:
        raise TemplateBudgetExceeded(f"more than {MAX_STEPS} loop iterations and calls")
    # Checked here, not only between output chunks: a macro or a {% set %} block can run for
    # long without writing a chunk. Every 32 steps: a step costs microseconds.
    if (count > 1 or not budget.steps & 31) and time.monotonic() > budget.deadline:
        raise TemplateBudgetExceeded("render time budget exceeded")


def _charge(chars: int) -> None:
    budget = _budget.get()
    if budget is None:
        return
    budget.chars += chars
    if budget.chars > MAX_CHARS_MADE:
        raise TemplateBudgetExceeded(f"more than {MAX_CHARS_MADE} characters made")


def _check_size(chars: int) -> None:
    if chars > MAX_VALUE_CHARS:
        raise TemplateBudgetExceeded(f"a value longer than {MAX_VALUE_CHARS} characters")


def _check_int(value: int) -> None:
    if value.bit_length() > MAX_INT_BITS:
        raise TemplateBudgetExceeded(f"a number longer than {MAX_INT_BITS} bits")


# What str() shows member by member: plain containers and a dict's keys(), values(), items().
_COLLECTIONS: tuple[type, ...] = (list, tuple, set, frozenset, dict, type({}.keys()),
                                  type({}.values()), type({}.items()))


def weigh(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """About how long `str(value)` is, found without building it; raises past `limit`.

    Counts shared members each time they appear, as str() would: `[a, a]` nested thirty deep
    costs `limit` steps to refuse, not 2**30."""
    total = 0
    stack: list[Any] = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            total += len(v) + 2
        elif isinstance(v, bool) or v is None or isinstance(v, float):
            total += 5
        elif isinstance(v, int):
            total += v.bit_length() // 3 + 1
        elif isinstance(v, dict):
            total += 2 + 4 * len(v)
            if total <= limit:
                stack.extend(v.keys())
                stack.extend(v.values())
        elif isinstance(v, _COLLECTIONS):
            members = cast("Collection[Any]", v)
            total += 2 + 2 * len(members)
            if total <= limit:
                stack.extend(members)
        else:
            total += 32  # loop, macro, range, undefined…: short reprs
        if total > limit:
            raise TemplateBudgetExceeded(f"a value longer than {limit} characters")
    return total


def admit(value: Any) -> Any:
    """Check a value a template just made against the size bounds and charge it."""
    if isinstance(value, str):
        size = len(value)
    elif isinstance(value, bool) or not isinstance(
            value, int | list | tuple | dict | set | frozenset):
        return value
    elif isinstance(value, int):
        _check_int(value)
        return value
    else:
        size = weigh(value)
    _check_size(size)
    _charge(size)
    return value


def text(value: Any) -> str:
    """`str(value)`, refused before it is built when it would be too long."""
    if type(value) is str:
        s = value
    elif isinstance(value, int) and not isinstance(value, bool):
        _check_int(value)
        s = str(value)
    elif isinstance(value, _COLLECTIONS):
        weigh(value)
        s = str(value)
    else:
        s = str(value)
    _check_size(len(s))
    return s


def join(sep: str, items: Iterable[Any]) -> str:
    parts: list[str] = []
    total = 0
    for item in items:
        part = text(item)
        total += len(part) + (len(sep) if parts else 0)
        _check_size(total)
        parts.append(part)
    return sep.join(parts)


def _small_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise TemplateBudgetExceeded(f"range() longer than {MAX_RANGE}")
    return r


# -- string methods a template may call; those that can grow a string are bounded first

def _padding(name: str) -> Callable[..., str]:
    def pad(s: str, width: Any, *rest: Any) -> str:
        if isinstance(width, int):
            _check_size(width)
        return str(getattr(s, name)(width, *rest))
    return pad


def _str_replace(s: str, old: Any, new: Any, count: Any = -1) -> str:
    if isinstance(old, str) and isinstance(new, str) and isinstance(count, int):
        hits = s.count(old) if old else len(s) + 1
        if count >= 0:
            hits = min(hits, count)
        _check_size(len(s) + hits * max(0, len(new) - len(old)))
    return s.replace(old, new, count)


def _str_expandtabs(s: str, tabsize: Any = 8) -> str:
    if isinstance(tabsize, int):
        _check_size(len(s) + s.count("\t") * max(0, tabsize))
    return s.expandtabs(tabsize)


_BOUNDED_STR_METHODS: dict[str, Callable[..., str]] = {
    "center": _padding("center"), "ljust": _padding("ljust"), "rjust": _padding("rjust"),
    "zfill": _padding("zfill"), "replace": _str_replace, "expandtabs": _str_expandtabs,
    "join": join,
}
_STR_ATTRIBUTES = frozenset({
    "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha",
    "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isprintable", "isspace",
    "istitle", "isupper", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
    "rfind", "rindex", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith",
    "strip", "swapcase", "title", "upper", *_BOUNDED_STR_METHODS,
})
# Attributes a template may read on the plain data it is given (and on what it makes). Not
# format/format_map (padding and nesting without bounds), not int.to_bytes and the like.
_SAFE_ATTRIBUTES: tuple[tuple[type, frozenset[str]], ...] = (
    (str, _STR_ATTRIBUTES),
    (bool, frozenset()),
    (int, frozenset()),
    (float, frozenset()),
    (dict, frozenset({"get", "items", "keys", "values"})),
    (list, frozenset({"count", "index"})),
    (tuple, frozenset({"count", "index"})),
)


# -- filters: the harmless ones, each counted and its result checked; the growing ones bounded

def _counted(f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)  # keeps Jinja's pass_context/pass_environment marks
    def counted(*args: Any, **kwargs: Any) -> Any:
        _step()
        return admit(f(*args, **kwargs))
    return counted


def _center(value: Any, width: int = 80) -> str:
    _check_size(width)
    return text(value).center(width)


def _indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    s = text(s)
    pad = width if isinstance(width, int) else len(text(width))
    _check_size(len(s) + (s.count("\n") + 1) * pad)
    return jinja_filters.do_indent(s, width, first, blank)


@pass_environment
def _wordwrap(environment: Any, s: Any, width: int = 79, break_long_words: bool = True,
              wrapstring: str | None = None, break_on_hyphens: bool = True) -> str:
    s = text(s)
    breaks = len(s) // max(1, width) + s.count("\n") + 1
    _check_size(len(s) + breaks * len(wrapstring or environment.newline_sequence))
    return jinja_filters.do_wordwrap(environment, s, width, break_long_words, wrapstring,
                                     break_on_hyphens)


def _replace(s: Any, old: str, new: str, count: int | None = None) -> str:
    return _str_replace(text(s), text(old), text(new), -1 if count is None else count)


@pass_environment
def _join(environment: Any, value: Iterable[Any], d: str = "",
          attribute: str | int | None = None) -> str:
    if attribute is not None:
        value = map(jinja_filters.make_attrgetter(environment, attribute), value)
    return join(text(d), value)


def _list(value: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        out.append(item)
        _check_size(2 * len(out))
    return out


_KEPT_FILTERS = (
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "first", "float", "int",
    "items", "last", "length", "lower", "map", "max", "min", "reject", "rejectattr", "reverse",
    "round", "select", "selectattr", "sort", "sum", "title", "trim", "truncate", "unique",
    "upper", "wordcount",
)
_OWN_FILTERS: dict[str, Callable[..., Any]] = {
    "center": _center, "indent": _indent, "wordwrap": _wordwrap, "replace": _replace,
    "join": _join, "list": _list, "string": text,
}


def _filters() -> dict[str, Callable[..., Any]]:
    kept = {name: jinja_filters.FILTERS[name] for name in _KEPT_FILTERS}
    return {name: _counted(f) for name, f in {**kept, **_OWN_FILTERS}.items()}


# -- compiling: the places Jinja writes plain Python for, rewritten to go through the budget

class _BoundedCodeGenerator(CodeGenerator):
    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            if loop.recursive:
                # loop() re-enters the body on any iterable, past the counted one.
                self.fail("recursive loops are not available in these templates", loop.lineno)
            # What the loop runs over is counted one iteration at a time. (Jinja allows no
            # node types of our own, so this is a call of an environment method.)
            loop.iter = nodes.Call(nodes.EnvironmentAttribute("heard_iter", lineno=loop.lineno),
                                   [loop.iter], [], None, None, lineno=loop.lineno)
        super().visit_Template(node, frame)

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        func = node.node
        if isinstance(func, nodes.EnvironmentAttribute) and func.name == "heard_iter":
            # Our own wrapper (templates cannot spell an EnvironmentAttribute): called
            # directly, not through the sandbox's call().
            self.write("environment.heard_iter(")
            self.visit(node.args[0], frame)
            self.write(")")
            return
        super().visit_Call(node, frame, forward_caller=forward_caller)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # Jinja joins `a ~ b` with its own helper, which no sandbox hook sees.
        self.write("environment.heard_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx == "store":
            super().visit_Tuple(node, frame)
            return
        self.write("environment.heard_value(")
        super().visit_Tuple(node, frame)
        self.write(")")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        # `[a, a]` nested a few dozen times is small in memory, but str() or == of it is not.
        self.write("environment.heard_value(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self.write("environment.heard_value(")
        super().visit_Dict(node, frame)
        self.write(")")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def __init__(self) -> None:
        super().__init__(autoescape=False, keep_trailing_newline=False)
        # No lipsum, dict, cycler, joiner, namespace: only a short range().
        self.globals = {"range": _small_range}
        self.filters = _filters()

    def compile_source(self, source: str) -> Any:
        if len(source) > MAX_SOURCE_CHARS:
            raise TemplateBudgetExceeded(f"template longer than {MAX_SOURCE_CHARS} characters")
        return self.from_string(source)

    # -- hooks the sandbox offers

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        for kind, names in _SAFE_ATTRIBUTES:
            if isinstance(obj, kind):
                return attr in names
        return True

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # Jinja returns an undefined that prints as nothing: the customer would get a blank
        # message. Refusing makes the render fall back to the shipped default instead.
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format is refused by is_safe_attribute, not wrapped

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("printf-style formatting is not available in templates")
        if operator == "*":
            seq, times = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(seq, str | list | tuple) and isinstance(times, int) and times > 0:
                _check_size((len(seq) if isinstance(seq, str) else weigh(seq)) * times)
            elif (isinstance(left, int) and isinstance(right, int)
                    and left.bit_length() + right.bit_length() > MAX_INT_BITS):
                raise TemplateBudgetExceeded(f"a number longer than {MAX_INT_BITS} bits")
        elif operator == "**":
            # (bits - 1) * exponent is the least the result can have: refused before it is
            # computed; what passes is at most twice the bound, and admit() checks it exactly.
            if (isinstance(left, int) and isinstance(right, int) and right > 0
                    and (left.bit_length() - 1) * right > MAX_INT_BITS):
                raise TemplateBudgetExceeded(f"a number longer than {MAX_INT_BITS} bits")
        elif operator == "+":
            if isinstance(left, str) and isinstance(right, str):
                _check_size(len(left) + len(right))
            elif isinstance(left, list | tuple) and isinstance(right, list | tuple):
                _check_size(weigh(left) + weigh(right))
        return admit(self.binop_table[operator](left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _step()
        if (isinstance(__obj, types.BuiltinMethodType | types.MethodType)
                and isinstance(getattr(__obj, "__self__", None), str)):
            bounded = _BOUNDED_STR_METHODS.get(__obj.__name__)
            if bounded is not None:
                # What the generated code passes along for Context.call, not for the method.
                kwargs.pop("_loop_vars", None)
                kwargs.pop("_block_vars", None)
                return admit(bounded(__obj.__self__, *args, **kwargs))
        return admit(super().call(__context, __obj, *args, **kwargs))

    # -- called from the code _BoundedCodeGenerator writes

    def heard_iter(self, iterable: Iterable[Any]) -> Iterable[Any]:
        # Without {% break %} a loop runs to the end: what has a length is counted at once.
        if isinstance(iterable, Sized):
            _step(len(iterable))
            return iterable
        return self._counted(iterable)

    @staticmethod
    def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            _step()
            yield item

    @staticmethod
    def concat(parts: Iterable[str]) -> str:
        # What the generated code joins a buffer with: the output of a macro, caller(), a
        # {% set %} or {% filter %} block. The buffer itself holds only references (a loop
        # writing one long string a thousand times); the joined text is what takes memory.
        s = join("", parts)
        _charge(len(s))
        return s

    def heard_concat(self, parts: tuple[Any, ...]) -> str:
        s = join("", parts)
        _charge(len(s))
        return s

    def heard_value(self, value: Any) -> Any:
        return admit(value)
