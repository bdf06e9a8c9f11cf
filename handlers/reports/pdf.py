"""A report as PDF: WeasyPrint lays out the same standalone HTML file the agents' group gets.
Nothing is fetched while it does (the file holds its styles and charts), so a link in a
report can never make the server reach out."""

from __future__ import annotations

from typing import Any


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"a report fetches nothing: {url[:60]}")


def pdf(html: str) -> bytes:
    # Imported here, not at the top: WeasyPrint loads Pango and fonts (a good part of a
    # second), which only a PDF needs, not every `heard` command that imports the reports.
    from weasyprint import HTML

    return bytes(HTML(string=html, url_fetcher=_no_fetching).write_pdf())
