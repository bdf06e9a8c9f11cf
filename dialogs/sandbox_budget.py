"""The template sandbox's budget (see dialogs.sandbox): what one render may make and do —
values' sizes, integers' bits, steps, characters made, time — measured where a value is made."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from contextvars import ContextVar
from typing import Any, cast

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


