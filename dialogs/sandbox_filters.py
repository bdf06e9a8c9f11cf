"""The string methods and filters a template may call (see dialogs.sandbox): a short list,
and every one that can grow a string is checked against the budget before it runs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import filters as jinja_filters
from jinja2.utils import pass_environment

from dialogs.sandbox_budget import (
    _check_size,
    _step,
    admit,
    join,
    text,
)

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


