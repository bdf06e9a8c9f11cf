"""The variables each template's step gives it, with a sample value for each
(dialogs/data/template_variables.yaml): what a template may use, what validation renders it
with, and what the admin studio's preview shows beside it."""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def _table() -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load(resources.files("dialogs").joinpath(
        "data/template_variables.yaml").read_text(encoding="utf-8"))
    return {str(name): {str(k): v for k, v in values.items()} for name, values in raw.items()}


def variables_for(name: str) -> dict[str, Any]:
    """The variables template `name` may use, each with its sample value (a copy: the caller
    may change it). Empty for a template rendered without data, or one the dialog never says."""
    return copy.deepcopy(_table().get(name, {}))


def all_samples() -> dict[str, dict[str, Any]]:
    """Every template's sample values, by name: the shipped bundle's `samples`."""
    return {name: variables_for(name) for name in _table()}
