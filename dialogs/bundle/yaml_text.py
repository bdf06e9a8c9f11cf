"""The bundle as a YAML file (`heard config export` / `import`): one text per bundle, so a
bundle kept in git diffs line by line, and reading back what was written changes nothing."""

from __future__ import annotations

from typing import Any

import yaml

from dialogs.bundle.data import BundleFormatError, from_data, to_data
from dialogs.bundle.model import Bundle

HEADER = ("# heard configuration bundle: `heard config import` checks it, shows what changes "
          "and publishes it as a new version.\n")


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line templates read best as blocks; YAML picks a quoted style by itself when a
    # block cannot hold the text exactly (trailing spaces).
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(bundle: Bundle) -> str:
    return HEADER + yaml.dump(to_data(bundle), Dumper=_Dumper, allow_unicode=True,
                              sort_keys=False, width=100_000, default_flow_style=False)


def load(text: str) -> Bundle:
    """BundleFormatError for a file that is no YAML (`item` names the line) or no bundle."""
    return from_data(parse(text))


def parse(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "the file"
        problem = getattr(e, "problem", None) or str(e)
        raise BundleFormatError(where, f"not YAML: {problem}") from None
