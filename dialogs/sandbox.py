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

import types
from collections.abc import Iterable, Iterator, Sized
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from dialogs.sandbox_budget import (
    MAX_INT_BITS,
    MAX_SOURCE_CHARS,
    TemplateBudgetExceeded,
    _charge,
    _check_size,
    _small_range,
    _step,
    admit,
    join,
    weigh,
)
from dialogs.sandbox_filters import (
    _BOUNDED_STR_METHODS,
    _SAFE_ATTRIBUTES,
    _filters,
)

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
