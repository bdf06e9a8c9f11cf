"""Live news across processes: what changed on which ticket, from the process it happened in
to every other process's console pages (writer.py, reader.py; storage/live_news.py keeps it)."""
