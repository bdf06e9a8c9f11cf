"""The year report's configuration bundle versions in force: what was published, when, by
whom and why, and how the complaints filed under each version fared, so managers compare
before and after a change (tickets.bundle_version, bundle_versions)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.reports.model import Column, Drill, Filter, Row, Table, Unit
from dialogs.reports.periods import Period
from storage.clock import utc_required
from storage.reports_filters import NONE, Scope, t
from storage.reports_query import count, grouped, mean, share
from storage.reports_tables import in_period
from storage.schema import bundle_versions

P = Filter.PERIOD
BEFORE_VERSIONS = "before versions"


async def versions_table(conn: AsyncConnection, scope: Scope, period: Period) -> Table:
    """One row per version published in the period, in force when it began, or that a ticket
    of the period was filed under; in version order."""
    here: Drill = {P: period.key}
    measures = [count("complaints", "Complaints", here),
                mean("rating", "Average rating", Unit.SCORE, t.rating,
                     {**here, Filter.RATING: "any"}),
                share("solved", "Solved %", {Filter.SOLVED: "yes"},
                      {**here, Filter.SOLVED: "answered"})]
    # As text: grouped() names NULL "none", and PostgreSQL will not mix that with integers.
    by_version = {r.values[0]: r for r in await grouped(
        conn, scope, sa.cast(t.bundle_version, sa.String), Filter.BUNDLE, measures,
        in_period(period))}
    v = bundle_versions.c
    at_start = (sa.select(sa.func.max(v.number)).where(v.published_at < period.start_utc)
                .scalar_subquery())
    numbers = {int(str(k)) for k in by_version if k != NONE}
    published = (await conn.execute(
        sa.select(v.number, v.published_at, v.author, v.note, v.rolled_back_from)
        .where(sa.or_(sa.and_(v.published_at >= period.start_utc,
                              v.published_at < period.end_utc),
                      v.number == at_start, v.number.in_(numbers or [-1])))
        .order_by(v.number))).all()
    empty = (0, None, None)
    rows = []
    if NONE in by_version:
        rows.append(Row((BEFORE_VERSIONS, None, "", "", *by_version[NONE].values[1:]),
                        {Filter.BUNDLE: NONE}))
    for r in published:
        found = by_version.get(str(r.number))
        note = r.note if r.rolled_back_from is None else (
            f"rollback to v{r.rolled_back_from}: {r.note}")
        rows.append(Row((f"v{r.number}", utc_required(r.published_at), r.author, note,
                         *(found.values[1:] if found else empty)),
                        {Filter.BUNDLE: str(r.number)}))
    return Table("versions", "Bundle versions in force",
                 (Column("version", "Version", Unit.TEXT),
                  Column("published", "Published", Unit.TIME),
                  Column("author", "By", Unit.TEXT), Column("note", "Note", Unit.TEXT),
                  *(m.column for m in measures)),
                 tuple(rows),
                 note="Published in the year or in force in it, with the complaints of the "
                      "year filed under each")
