"""The console's search page: tickets by number, customer, phone, order number or words of
their conversations (storage/search.py), each with a snippet of what matched."""

from __future__ import annotations

from aiohttp import web

from dialogs.search_snippet import snippet
from handlers.agents.console.deps import CONSOLE
from handlers.agents.console.pages import page

# A query longer than this is a paste, not a search; cut rather than refused.
MAX_QUERY = 200


async def search_page(request: web.Request) -> web.StreamResponse:
    query = request.query.get("q", "").strip()[:MAX_QUERY]
    found = await request.app[CONSOLE].cases_search.find(query) if query else []
    results = [(f, snippet(f.text, query)) for f in found]
    return page(request, "search.html", q=query, results=results)
