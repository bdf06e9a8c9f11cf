"""Report cells in SQL: each cell is one aggregate over BASE, its predicate built from the
cell's drill-down (storage/reports_filters.py), so every number is computed by the database
from the same filter its tickets list uses, whichever backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.reports.model import Column, Drill, Filter, Row, Unit
from storage.reports_filters import NONE, Scope, matches, predicate, source, t


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
    """Rows known in advance (months, priorities…) × measures, in one SELECT. Rows that are
    only periods are one GROUP BY over the period each ticket falls in, so a year's twelve
    months cost one pass over the year, not one per month."""

    rows: list[Row]
    measures: Sequence[Measure]

    async def run(self, conn: AsyncConnection, scope: Scope,
                  where: sa.ColumnElement[bool]) -> list[Row]:
        if not self.rows or not self.measures:
            return [Row(r.values, r.drill) for r in self.rows]
        drills = [{**row.drill, **(m.column.drill or {})} for row in self.rows
                  for m in self.measures]
        base, scope = source(drills, scope)
        by_period = all(set(r.drill) == {Filter.PERIOD} for r in self.rows) and not any(
            Filter.PERIOD in (m.column.drill or {}) or Filter.CALLBACK in (m.column.drill or {})
            or Filter.FOLLOW_UP in (m.column.drill or {}) for m in self.measures)
        if by_period:
            cells = await self._by_period(conn, scope, base, where)
        else:
            exprs = [m.sql({**row.drill, **(m.column.drill or {})}, scope)
                     for row in self.rows for m in self.measures]
            values = (await conn.execute(sa.select(*exprs).select_from(base).where(where))).one()
            width = len(self.measures)
            cells = [tuple(values[i * width:(i + 1) * width]) for i in range(len(self.rows))]
        return [Row((*row.values, *(shown(v, m.column.unit)
                                    for v, m in zip(cell, self.measures, strict=True))),
                    row.drill) for row, cell in zip(self.rows, cells, strict=True)]

    async def _by_period(self, conn: AsyncConnection, scope: Scope, base: Any,
                         where: sa.ColumnElement[bool]) -> list[tuple[Any, ...]]:
        keys = list(dict.fromkeys(r.drill[Filter.PERIOD] for r in self.rows))
        bucket = sa.case(*((predicate(Filter.PERIOD, k, {Filter.PERIOD: k}, scope), i)
                           for i, k in enumerate(keys)), else_=-1).label("bucket")
        exprs = [m.sql(m.column.drill or {}, scope) for m in self.measures]
        found = {r[0]: tuple(r[1:]) for r in (await conn.execute(
            sa.select(bucket, *exprs).select_from(base).where(where).group_by(bucket))).all()}
        empty = tuple(0 if m.part is None and m.value is None else None for m in self.measures)
        return [found.get(keys.index(r.drill[Filter.PERIOD]), empty) for r in self.rows]


async def grouped(conn: AsyncConnection, scope: Scope, dim: Any, f: Filter,
                  measures: Sequence[Measure], where: sa.ColumnElement[bool],
                  limit: int | None = None) -> list[Row]:
    """One row per value of `dim` (NULL as "none"), the first measure's largest first."""
    label = sa.func.coalesce(dim, NONE).label("dim")
    base, scope = source([m.column.drill or {} for m in measures], scope, [dim])
    exprs = [m.sql(m.column.drill or {}, scope) for m in measures]
    query = (sa.select(label, *exprs).select_from(base).where(where)
             .group_by(label).order_by(exprs[0].desc(), label))
    if limit is not None:
        query = query.limit(limit)
    rows = (await conn.execute(query)).all()
    return [Row((str(r[0]), *(shown(v, m.column.unit) for v, m in zip(r[1:], measures,
                                                                      strict=True))),
                {f: str(r[0])}) for r in rows]




def _parts(m: Measure, scope: Scope) -> list[sa.ColumnElement[Any]]:
    """What adds up across groups: counts as they are, an average as its sum and count, a
    share as its two counts."""
    where = matches(m.column.drill or {}, scope)
    if m.customers:
        raise ValueError("unique customers do not add up across groups")
    if m.part is not None:
        yes = sa.and_(where, matches(m.part, scope))
        return [sa.func.sum(sa.case((yes, 1), else_=0)), sa.func.sum(sa.case((where, 1),
                                                                             else_=0))]
    if m.value is not None:
        has = sa.and_(where, m.value.is_not(None))
        return [sa.func.sum(sa.cast(sa.case((has, m.value)), sa.Float)),
                sa.func.sum(sa.case((has, 1), else_=0))]
    return [sa.func.sum(sa.case((where, 1), else_=0))]


def _finish(m: Measure, parts: list[float]) -> Any:
    if m.part is None and m.value is None:
        return parts[0]
    if not parts[1]:
        return None
    return parts[0] * (100.0 if m.part is not None else 1.0) / parts[1]


async def rolled(conn: AsyncConnection, scope: Scope, dims: Sequence[tuple[Any, Filter]],
                 measures: Sequence[Measure], where: sa.ColumnElement[bool]) -> list[list[Row]]:
    """`grouped` for several dimensions in one pass: SQL sums each combination of their
    values (a few hundred rows at most), and the groups of each dimension are added up from
    those. Only measures that add up (counts, averages, shares)."""
    labels = [sa.func.coalesce(dim, NONE).label(f"d{i}") for i, (dim, _) in enumerate(dims)]
    base, scope = source([m.column.drill or {} for m in measures], scope,
                         [dim for dim, _ in dims])
    parts = [_parts(m, scope) for m in measures]
    flat = [p for ps in parts for p in ps]
    combos = (await conn.execute(sa.select(*labels, *flat).select_from(base).where(where)
                                 .group_by(*labels))).all()
    out = []
    for i, (_, f) in enumerate(dims):
        sums: dict[str, list[float]] = {}
        for combo in combos:
            acc = sums.setdefault(str(combo[i]), [0.0] * len(flat))
            for j, v in enumerate(combo[len(dims):]):
                acc[j] += float(v or 0)
        rows = []
        for value, acc in sums.items():
            cells, at = [], 0
            for m, ps in zip(measures, parts, strict=True):
                cells.append(shown(_finish(m, acc[at:at + len(ps)]), m.column.unit))
                at += len(ps)
            rows.append(Row((value, *cells), {f: value}))
        rows.sort(key=lambda r: (-(r.number(1) or 0), str(r.values[0])))
        out.append(rows)
    return out
