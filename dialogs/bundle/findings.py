"""What checking a bundle finds: refusals, which stop a publish, and warnings, which an admin
may publish over. Each names its item (as a diff does) and, inside a template, its line."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    REFUSAL = "refusal"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    item: str  # "templates/greet/zh-TW/neutral", "hours/week/mon"
    message: str
    line: int | None = None  # within the item's text (a template's source)

    def __str__(self) -> str:
        where = f"{self.item}, line {self.line}" if self.line is not None else self.item
        return f"{self.severity}: {where}: {self.message}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def refuse(self, item: str, message: str, line: int | None = None) -> None:
        self.findings.append(Finding(Severity.REFUSAL, item, message, line))

    def warn(self, item: str, message: str, line: int | None = None) -> None:
        self.findings.append(Finding(Severity.WARNING, item, message, line))

    @property
    def refusals(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.REFUSAL]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        """Nothing refused: the bundle may be published."""
        return not self.refusals
