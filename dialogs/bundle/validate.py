"""Check a whole bundle before it is published: every refusal and warning at once, so an
admin fixes them in one go (dialogs.bundle.findings)."""

from __future__ import annotations

from dialogs.bundle.check_examples import check_examples
from dialogs.bundle.check_hours import check_hours
from dialogs.bundle.check_rules import check_rules
from dialogs.bundle.check_templates import check_templates
from dialogs.bundle.findings import Report
from dialogs.bundle.model import Bundle


def validate(bundle: Bundle) -> Report:
    report = Report()
    check_templates(bundle, report)
    check_examples(bundle, report)
    check_hours(bundle, report)
    check_rules(bundle, report)
    return report
