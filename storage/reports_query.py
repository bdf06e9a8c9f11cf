"""Report cells in SQL: each cell is one aggregate over BASE, its predicate built from the
cell's drill-down (storage/reports_filters.py), so every number is computed by the database
from the same filter its tickets list uses, whichever backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.reports.model import Column, Drill, Filter, Row, Unit
from storage.reports_filters import BASE, NONE, Scope, matches, t


@dataclass(frozen=True, slots=True)
class Measure:
    """A column's aggregate: how many tickets (or customers), an average, or a share."""

    column: Column
    # For an average: the value averaged (seconds or a rating); the column's drill names
    # the tickets that have it.
    value: Any = None
    # For a share: the tickets counted as "yes" out of the column's drill.
    part: Drill | None = None
    customers: bool = False  # count unique customers, not tickets

    def sql(self, drill: Drill, scope: Scope) -> sa.ColumnElement[Any]:
        where = matches(drill, scope)
        if self.part is not None:
            yes = sa.func.sum(sa.case((sa.and_(where, matches(self.part, scope)), 1), else_=0))
            of = sa.func.sum(sa.case((where, 1), else_=0))
            return sa.cast(yes, sa.Float) * 100.0 / sa.func.nullif(of, 0)
        if self.value is not None:
            return sa.func.avg(sa.cast(sa.case((where, self.value)), sa.Float))
        if self.customers:
            return sa.func.count(sa.distinct(sa.case((where, t.customer_id))))
        return sa.func.coalesce(sa.func.sum(sa.case((where, 1), else_=0)), 0)


def count(key: str, title: str, drill: Drill) -> Measure:
    return Measure(Column(key, title, Unit.COUNT, drill))


def customers(key: str, title: str, drill: Drill) -> Measure:
    return Measure(Column(key, title, Unit.COUNT, drill), customers=True)


def mean(key: str, title: str, unit: Unit, value: Any, drill: Drill) -> Measure:
    return Measure(Column(key, title, unit, drill), value=value)


def share(key: str, title: str, part: Drill, of: Drill) -> Measure:
    return Measure(Column(key, title, Unit.PERCENT, of), part=part)


def shown(value: Any, unit: Unit) -> int | float | None:
    """A database value as the report holds it: hours from seconds, rounded."""
    if value is None:
        return None
    if unit is Unit.COUNT:
        return int(value)
    if unit is Unit.HOURS:
        return round(float(value) / 3600, 1)
    if unit is Unit.PERCENT:
        return round(float(value), 1)
    if unit is Unit.SCORE:
        return round(float(value), 2)
    return float(value)


@dataclass
class Grid:
    """Rows known in advance (months, priorities…) × measures, in one SELECT."""

    rows: list[Row]
    measures: Sequence[Measure]
    lead: Sequence[Column] = field(default_factory=tuple)  # the rows' own label columns

    async def run(self, conn: AsyncConnection, scope: Scope,
                  where: sa.ColumnElement[bool]) -> list[Row]:
        exprs = [m.sql({**row.drill, **m.column.drill}, scope)  # type: ignore[dict-item]
                 for row in self.rows for m in self.measures]
        if not exprs:
            return []
        values = (await conn.execute(sa.select(*exprs).select_from(BASE).where(where))).one()
        out: list[Row] = []
        width = len(self.measures)
        for i, row in enumerate(self.rows):
            cells = values[i * width:(i + 1) * width]
            out.append(Row((*row.values, *(shown(v, m.column.unit)
                                           for v, m in zip(cells, self.measures, strict=True))),
                           row.drill))
        return out


async def grouped(conn: AsyncConnection, scope: Scope, dim: Any, f: Filter,
                  measures: Sequence[Measure], where: sa.ColumnElement[bool],
                  limit: int | None = None) -> list[Row]:
    """One row per value of `dim` (NULL as "none"), the first measure's largest first."""
    label = sa.func.coalesce(dim, NONE).label("dim")
    exprs = [m.sql(m.column.drill or {}, scope) for m in measures]
    query = (sa.select(label, *exprs).select_from(BASE).where(where)
             .group_by(label).order_by(exprs[0].desc(), label))
    if limit is not None:
        query = query.limit(limit)
    rows = (await conn.execute(query)).all()
    return [Row((str(r[0]), *(shown(v, m.column.unit) for v, m in zip(r[1:], measures,
                                                                      strict=True))),
                {f: str(r[0])}) for r in rows]


