"""A template may use only the variables its step gives it (dialogs/template_variables.py):
any other name would print as nothing to the customer, or fail the render. Refused at the
line it is first used on."""

from __future__ import annotations

from jinja2 import meta, nodes

from dialogs.bundle.findings import Report
from dialogs.template_variables import variables_for


def check_variables(item: str, name: str, tree: nodes.Template, globals_: set[str],
                    report: Report) -> None:
    """`tree`: the template's parsed source; `globals_`: what the sandbox gives every
    template (range)."""
    given = set(variables_for(name))
    unknown = meta.find_undeclared_variables(tree) - globals_ - given
    if not unknown:
        return
    first: dict[str, int] = {}
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load" and node.name in unknown:
            first[node.name] = min(first.get(node.name, node.lineno), node.lineno)
    offered = ", ".join(sorted(given)) or "none"
    for var in sorted(unknown, key=lambda v: (first.get(v, 0), v)):
        report.refuse(item, f"'{var}' is not given to this template (it may use: {offered})",
                      first.get(var))
