"""Reading a DATABASE_URL without connecting: where it points and what is wrong with it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError


def _parsed(url: str) -> URL | None:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        return None


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (relative to the working directory when relative); None for
    a server, an in-memory database or a `file:` URI, which SQLite resolves itself."""
    parsed = _parsed(url)
    if parsed is None or parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database
    if not name or name == ":memory:" or parsed.query.get("uri"):
        return None
    return Path(name).absolute()


def location(url: str) -> str:
    """Where the database is, fit to print: host:port or the file, never the password."""
    file = sqlite_file(url)
    if file is not None:
        return str(file)
    parsed = _parsed(url)
    if parsed is None:
        return "the configured address"
    port = parsed.port or (5432 if parsed.get_backend_name() == "postgresql" else None)
    host = parsed.host or "localhost"
    return f"{host}:{port}" if port else host


def password(url: str) -> str | None:
    parsed = _parsed(url)
    return parsed.password if parsed is not None else None


def url_problem(url: str) -> str | None:
    """Why `url` cannot work, as a phrase to follow "bad setting DATABASE_URL: "; None if it
    may (whether the server answers is only known by trying)."""
    try:
        port = urlsplit(url).port
    except ValueError:
        return "the port must be a number from 1 to 65535"
    if port == 0:
        return "the port must be a number from 1 to 65535"
    parsed = _parsed(url)
    if parsed is None:
        return "cannot be read as a database URL"
    file = sqlite_file(url)
    if file is None:
        return None
    if file.is_dir():
        return f"{file} is a folder, not a database file"
    if not file.parent.is_dir():
        return f"the folder {file.parent} does not exist"
    return None
