"""The shape of a report: sections of tables whose cells each know which tickets they count.

One `Report` is built per request by storage (storage/reports.py), and every output reads that
same object: the HTML tables and their charts, the CSV, the JSON and the PDF. So the figures
cannot disagree between formats, and each number carries the filter of its tickets (its
drill-down), which the tickets list runs through the same predicates the figure was counted
with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dialogs.reports.periods import Period


class Unit(StrEnum):
    """What a column holds, and so how it is shown."""

    TEXT = "text"
    COUNT = "count"  # unique tickets (or customers, where the column says so)
    PERCENT = "percent"  # 0–100, one decimal
    HOURS = "hours"  # a duration, in hours with one decimal
    SCORE = "score"  # an average rating, 1–5
    TIME = "time"  # an instant (UTC), shown in HEARD_TIMEZONE
    DELTA = "delta"  # a change in a count, signed


class ChartKind(StrEnum):
    BAR = "bar"  # categories side by side (this period against the one before)
    LINE = "line"  # over time
    PIE = "pie"  # the share of each category (ratings)


class Filter(StrEnum):
    """What a drill-down may filter tickets by: the one vocabulary of reports' links."""

    PERIOD = "period"  # filed in the period (its key: 2026-03, 2026-Q1…)
    CATEGORY = "category"
    TEAM = "team"
    CHANNEL = "channel"
    LOCALE = "locale"
    PRIORITY = "priority"
    AGENT = "agent"  # the agent holding (or who last held) the ticket
    REASON = "reason"  # an escalation reason
    RATING = "rating"  # 1–5, "any" (rated), "high" (4–5), "low" (1–2)
    SOLVED = "solved"  # yes / no: what the customer answered when it was closed
    FIRST_RESPONSE = "first_response"  # met / missed / answered
    RESOLUTION = "resolution"  # met / missed / closed
    CALLBACK = "callback"  # due / kept / late: promised call-backs due in the period
    FOLLOW_UP = "follow_up"  # due / done / late / held / came_back: follow-ups due in it
    REOPENED = "reopened"  # yes
    REPEAT = "repeat"  # yes: the customer filed two or more in the period
    PRODUCT = "product"
    ORDER = "order"
    STATUS = "status"
    BUNDLE = "bundle"  # the configuration bundle version it was filed under; "none": before


Drill = Mapping[Filter, str]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    unit: Unit
    # The tickets this column counts, added to the row's own filter; None: no drill-down
    # (a label, a change between two periods).
    drill: Drill | None = None


@dataclass(frozen=True, slots=True)
class Row:
    values: tuple[str | int | float | datetime | None, ...]
    drill: Drill = field(default_factory=dict)  # what the row is about (a category, an agent)

    def number(self, index: int) -> int | float | None:
        value = self.values[index]
        return value if isinstance(value, int | float) else None


@dataclass(frozen=True, slots=True)
class Chart:
    kind: ChartKind
    title: str
    # The keys of the columns drawn as series (their titles are the legend); the first
    # column labels the x axis.
    series: tuple[str, ...]
    y_title: str


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # stable: the CSV section, the JSON member, the HTML anchor
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    chart: Chart | None = None
    note: str = ""  # one line under the title: what it counts

    def cell_drill(self, row: Row, index: int) -> dict[Filter, str] | None:
        column = self.columns[index]
        if column.drill is None or column.unit in (Unit.TEXT, Unit.DELTA):
            return None
        return {**row.drill, **column.drill}

    def column(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)


@dataclass(frozen=True, slots=True)
class Figure:
    """A headline number: "312 complaints", with the tickets behind it."""

    key: str
    title: str
    value: int | float | None
    unit: Unit
    drill: Drill | None = None
    previous: int | float | None = None  # the period before
    year_earlier: int | float | None = None  # the same period a year earlier


@dataclass(frozen=True, slots=True)
class Report:
    period: Period
    made_at: datetime
    figures: tuple[Figure, ...]
    tables: tuple[Table, ...]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)
